package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/store/storetest"
	"frontdoor/handlers/platform/wxproto"
)

// The demo Official Account as the scale-out tests configure it.
const (
	opsWxToken  = "dev-token"
	opsWxAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	opsWxAppID  = "wx0123456789abcdef"
	opsWxSecret = "ops-secret"
)

// opsPlatform stands in for api.weixin.qq.com: it hands out access tokens
// and accepts (or, when told to, refuses) customer-service messages.
type opsPlatform struct {
	*httptest.Server
	mu      sync.Mutex
	fetches int
	sends   int
	sent    []string
	// fail answers the n-th send (1-based) with an outcome: "ok",
	// "errcode:N" or "http:N"; sends beyond the list use the last entry.
	fail []string
}

func opsNewPlatform(t testing.TB, fail ...string) *opsPlatform {
	p := &opsPlatform{fail: fail}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /cgi-bin/stable_token", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.fetches++
		n := p.fetches
		p.mu.Unlock()
		opsWriteJSON(w, map[string]any{"access_token": "tok-" + strconv.Itoa(n), "expires_in": 7200})
	})
	mux.HandleFunc("POST /cgi-bin/message/custom/send", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ToUser string `json:"touser"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		p.mu.Lock()
		p.sends++
		outcome := "ok"
		if len(p.fail) > 0 {
			outcome = p.fail[min(p.sends, len(p.fail))-1]
		}
		if outcome == "ok" {
			p.sent = append(p.sent, req.ToUser)
		}
		p.mu.Unlock()
		switch {
		case strings.HasPrefix(outcome, "errcode:"):
			code, _ := strconv.Atoi(strings.TrimPrefix(outcome, "errcode:"))
			opsWriteJSON(w, map[string]any{"errcode": code, "errmsg": "injected"})
		case strings.HasPrefix(outcome, "http:"):
			code, _ := strconv.Atoi(strings.TrimPrefix(outcome, "http:"))
			http.Error(w, "injected", code)
		default:
			opsWriteJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
		}
	})
	p.Server = httptest.NewServer(mux)
	t.Cleanup(p.Close)
	return p
}

func opsWriteJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (p *opsPlatform) counts() (fetches, sends int, delivered []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fetches, p.sends, append([]string(nil), p.sent...)
}

// opsWeChatEnv configures the demo Official Account with push credentials
// against a platform stand-in.
func opsWeChatEnv(platform string, env map[string]string) map[string]string {
	out := map[string]string{
		"FRONTDOOR_WECHAT_TOKEN": opsWxToken, "FRONTDOOR_WECHAT_AES_KEY": opsWxAESKey,
		"FRONTDOOR_WECHAT_APPID": opsWxAppID, "FRONTDOOR_WECHAT_SECRET": opsWxSecret,
		"FRONTDOOR_WECHAT_REGION": opsPolicyRegion, "FRONTDOOR_WECHAT_API_BASE": platform,
	}
	for k, v := range env {
		out[k] = v
	}
	return out
}

// opsWeChatText posts a plaintext-mode text message signed with the demo
// account's token.
func opsWeChatText(base, user, msgID, text string) opsResult {
	return opsWeChatCall(base, opsWxToken, user, msgID, text, nil)
}

// opsWeChatCall posts a callback; tweak may change the query or body.
func opsWeChatCall(base, token, user, msgID, text string, tweak func(q url.Values, body []byte) []byte) opsResult {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	nonce := strconv.FormatInt(time.Now().UnixNano()%1e9, 10)
	q := url.Values{"timestamp": {ts}, "nonce": {nonce}, "signature": {wxproto.Sign(token, ts, nonce)}, "openid": {user}}
	body := []byte("<xml><ToUserName><![CDATA[gh_ops]]></ToUserName><FromUserName><![CDATA[" + user +
		"]]></FromUserName><CreateTime>" + ts + "</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[" +
		text + "]]></Content><MsgId>" + msgID + "</MsgId></xml>")
	if tweak != nil {
		body = tweak(q, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return opsRaw(ctx, base, http.MethodPost, "/wechat/demo?"+q.Encode(), "text/xml", "", body)
}

// opsOutbox lists what was pushed to a user (GET /api/v1/messages).
func opsOutbox(t testing.TB, base, user string) []map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r := opsRaw(ctx, base, http.MethodGet, "/api/v1/messages?user="+url.QueryEscape(user), "", "Bearer "+opsAPIKey, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("outbox of %s: %d %v %s", user, r.Status, r.Err, r.Body)
	}
	var out struct {
		Messages []map[string]any `json:"messages"`
	}
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatalf("outbox of %s: %v: %s", user, err, r.Body)
	}
	return out.Messages
}

// TestTwoReplicasShareOneRedis runs two server processes on one Redis and
// drives both: sessions, message dedupe, rate limits, tickets, clocks and
// the platform access token all hold across replicas. It runs on a single
// redis-server and on a Cluster of three primaries, where a tenant's keys
// share one hash slot and every script and transaction must stay in it.
func TestTwoReplicasShareOneRedis(t *testing.T) {
	opsNeed(t, "redis-server")
	t.Run("one redis-server", func(t *testing.T) { opsTwoReplicas(t, storetest.StartServer(t).URL()) })
	t.Run("a Cluster of three primaries", func(t *testing.T) { opsTwoReplicas(t, opsStartCluster(t, 3, 0).URL()) })
}

func opsTwoReplicas(t *testing.T, redisURL string) {
	platform := opsNewPlatform(t)
	env := opsWeChatEnv(platform.URL, map[string]string{
		"REDIS_URL": redisURL, "FRONTDOOR_RATE_LIMIT": "1/min,burst=5",
		"FRONTDOOR_SCHEDULER_INTERVAL": "100ms", "FRONTDOOR_REPLY_BUDGET": "1ms",
	})
	a := opsServe(t, "replica-a", env)
	b := opsServe(t, "replica-b", env)
	t.Logf("start-up to ready: A %v, B %v", a.Ready, b.Ready)
	replicas := []*opsProc{a, b}
	rdb := opsRedis(t, redisURL)
	ctx := context.Background()

	t.Run("session region remembered across replicas", func(t *testing.T) {
		first := opsMustSend(t, a.URL(), opsMessage{User: "u-sess", Region: opsPolicyRegion, Text: opsPolicyText, MsgID: "s1"})
		if !strings.Contains(first.Reply.Reply, opsPolicyFigure) {
			t.Fatalf("A did not answer the question: %s", first.Body)
		}
		for i, p := range []*opsProc{b, a, b} {
			r := opsMustSend(t, p.URL(), opsMessage{User: "u-sess", Text: opsPolicyText, MsgID: "s" + strconv.Itoa(i+2)})
			if r.Reply.Region != opsPolicyRegion || !strings.Contains(r.Reply.Reply, opsPolicyFigure) {
				t.Errorf("message %d on %s without a region: region %q, reply %.80q; want the region remembered", i+2,
					p.name, r.Reply.Region, r.Reply.Reply)
			}
		}
	})

	t.Run("same msg_id on both replicas: one ticket, identical bodies", func(t *testing.T) {
		for round := range 5 {
			user := "u-dup-" + strconv.Itoa(round)
			m := opsMessage{User: user, Region: opsComplaintRegn, Text: opsComplaintText, MsgID: "dup-" + strconv.Itoa(round)}
			results := make([]opsResult, 4)
			var wg sync.WaitGroup
			for i := range results {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i] = opsSend(ctx, replicas[i%2].URL(), m)
				}()
			}
			wg.Wait()
			for i, r := range results {
				if r.Status != http.StatusOK {
					t.Fatalf("round %d delivery %d: %d %v %s", round, i, r.Status, r.Err, r.Body)
				}
				if !bytes.Equal(r.Body, results[0].Body) {
					t.Errorf("round %d: delivery %d answered\n%s\nwant\n%s", round, i, r.Body, results[0].Body)
				}
			}
			if id := results[0].TicketID(); id == "" {
				t.Fatalf("round %d: no ticket: %s", round, results[0].Body)
			}
			n, err := rdb.ZCard(ctx, opsKeys.Tenant(opsTenant, "idx", "user", user)).Result()
			if err != nil || n != 1 {
				t.Errorf("round %d: %d tickets for %s (%v), want 1", round, n, user, err)
			}
		}
	})

	t.Run("rate limit counted across replicas", func(t *testing.T) {
		var codes []int
		for i := range 8 {
			r := opsSend(ctx, replicas[i%2].URL(), opsMessage{User: "u-rl", Region: opsPolicyRegion, Text: "你好"})
			codes = append(codes, r.Status)
		}
		want := []int{200, 200, 200, 200, 200, 429, 429, 429}
		if fmt.Sprint(codes) != fmt.Sprint(want) {
			t.Errorf("statuses alternating A/B = %v, want %v (burst 5 shared by both replicas)", codes, want)
		}
	})

	t.Run("complaint opened on A is seen in a progress query on B", func(t *testing.T) {
		opened := opsMustSend(t, a.URL(), opsMessage{User: "u-prog", Region: opsComplaintRegn, Text: opsComplaintText, MsgID: "p1"})
		id := opened.TicketID()
		if id == "" || len(opened.Reply.Ticket.Units) == 0 || opened.Reply.Ticket.Units[0] != opsComplaintUnit {
			t.Fatalf("complaint on A: %s", opened.Body)
		}
		r := opsProgress(t, b.URL(), "u-prog")
		if r.Reply.Intent != "progress_query" || !strings.Contains(r.Reply.Reply, id) || r.TicketID() != id {
			t.Errorf("progress on B: intent %s, ticket %q, reply %q; want %s", r.Reply.Intent, r.TicketID(), r.Reply.Reply, id)
		}
	})

	t.Run("clocks fire once", func(t *testing.T) {
		opened := opsMustSend(t, a.URL(), opsMessage{User: "u-clock", Region: opsComplaintRegn, Text: opsComplaintText, MsgID: "c1"})
		id := opened.TicketID()
		clocks := opsKeys.Tenant(opsTenant, "clocks")
		if _, err := rdb.ZScore(ctx, clocks, id).Result(); err != nil {
			t.Fatalf("ticket %s is not on the clock schedule: %v", id, err)
		}
		open, _ := rdb.ZCard(ctx, opsKeys.Tenant(opsTenant, "idx", "open")).Result()
		if n, _ := rdb.ZCard(ctx, clocks).Result(); n != open {
			t.Errorf("clock schedule holds %d entries for %d open tickets, want one each", n, open)
		}
		// Make the first-response clock due a minute ago and put the ticket
		// on the schedule now: both replicas' schedulers (100 ms polls) race
		// for it.
		tk := opsKeys.Tenant(opsTenant, "tk", id)
		data, err := rdb.HGet(ctx, tk, "data").Result()
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(data), &doc); err != nil {
			t.Fatal(err)
		}
		fr := doc["clocks"].(map[string]any)["first_response"].(map[string]any)
		past := time.Now().Add(-time.Minute)
		fr["warn_at"], fr["due"] = past.Add(-time.Minute).Format(time.RFC3339Nano), past.Format(time.RFC3339Nano)
		edited, _ := json.Marshal(doc)
		if err := rdb.HSet(ctx, tk, "data", string(edited)).Err(); err != nil {
			t.Fatal(err)
		}
		if err := rdb.ZAdd(ctx, clocks, redis.Z{Score: float64(time.Now().UnixMilli()), Member: id}).Err(); err != nil {
			t.Fatal(err)
		}
		count := func() map[string]int {
			evs, _ := rdb.XRange(ctx, opsKeys.Tenant(opsTenant, "tk", id, "ev"), "-", "+").Result()
			n := map[string]int{}
			for _, e := range evs {
				n[fmt.Sprint(e.Values["type"])]++
			}
			return n
		}
		err = opsEventually(10*time.Second, func() error {
			if count()["escalated"] == 0 {
				return errOps
			}
			return nil
		})
		if err != nil {
			t.Fatalf("the due clock did not fire within 10 s: events %v", count())
		}
		time.Sleep(time.Second) // ten more polls by each replica
		n := count()
		if n["warned"] != 1 || n["overdue"] != 1 || n["escalated"] != 1 {
			t.Errorf("events after the clock fell due: %v; want warned, overdue and escalated once each", n)
		}
		if msgs := opsOutbox(t, b.URL(), "u-clock"); len(msgs) != 1 {
			t.Errorf("the business was told %d times of the escalation, want once: %v", len(msgs), msgs)
		}
	})

	t.Run("platform token fetched once for both replicas", func(t *testing.T) {
		var wg sync.WaitGroup
		acks := make([]opsResult, 4)
		for i := range acks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				acks[i] = opsWeChatText(replicas[i%2].URL(), "o-tok-"+strconv.Itoa(i), strconv.Itoa(7000000+i), opsPolicyText)
			}()
		}
		wg.Wait()
		pushed := 0
		for i, r := range acks {
			if r.Status != http.StatusOK {
				t.Fatalf("callback %d: %d %v %s", i, r.Status, r.Err, r.Body)
			}
			if string(r.Body) == "success" || len(r.Body) == 0 {
				pushed++
			}
		}
		if pushed == 0 {
			t.Fatalf("every answer went back passively; the 1 ms reply budget should have sent them by push")
		}
		err := opsEventually(10*time.Second, func() error {
			if _, _, delivered := platform.counts(); len(delivered) < pushed {
				return errOps
			}
			return nil
		})
		fetches, sends, delivered := platform.counts()
		if err != nil {
			t.Fatalf("platform received %d pushes (%d delivered), want %d", sends, len(delivered), pushed)
		}
		if fetches != 1 {
			t.Errorf("%d access-token fetches for pushes from two replicas, want 1 (the token is shared in Redis)", fetches)
		}
	})
}
