package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"frontdoor/bot"
	"frontdoor/bot/store"
	"frontdoor/bot/store/storetest"
	"frontdoor/bot/ticket"
	"frontdoor/bot/wxapi"
	"frontdoor/handlers/wxproto"

	"github.com/redis/go-redis/v9"
)

func TestWeChatVerify(t *testing.T) {
	cs := newChannelServer(t, chOptions{})
	good := func(at time.Time) url.Values {
		q := signedQuery(wxTestToken, at)
		q.Set("echostr", "4785937520390384")
		return q
	}
	tests := []struct {
		name    string
		account string
		query   url.Values
		status  int
	}{
		{"good", "demo", good(time.Now()), 200},
		{"good on a plaintext account", "plain", good(time.Now()), 200},
		{"forged signature", "demo", with(good(time.Now()), "signature", strings.Repeat("0", 40)), 403},
		{"signed with another token", "demo", with(good(time.Now()), "signature", wxproto.Sign("other", "1", "2")), 403},
		{"missing signature", "demo", with(good(time.Now()), "signature", ""), 401},
		{"stale timestamp", "demo", good(time.Now().Add(-10 * time.Minute)), 403},
		{"timestamp from the future", "demo", good(time.Now().Add(10 * time.Minute)), 403},
		{"missing echostr", "demo", with(good(time.Now()), "echostr", ""), 400},
		{"unknown account", "nope", good(time.Now()), 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cs.serve(wxCall{method: http.MethodGet, path: "/wechat/" + tt.account, query: tt.query})
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.status == 200 && string(r.body) != "4785937520390384" {
				t.Fatalf("echo = %q", r.body)
			}
		})
	}
}

// with returns a copy of q with key set (or removed when value is "").
func with(q url.Values, key, value string) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	if value == "" {
		out.Del(key)
	} else {
		out.Set(key, value)
	}
	return out
}

func TestWeChatTextReply(t *testing.T) {
	cs := newChannelServer(t, chOptions{})
	tests := []struct {
		name      string
		call      func(t *testing.T, body []byte) wxCall
		encrypted bool
	}{
		{"plaintext mode", func(t *testing.T, b []byte) wxCall { return oaPlain("demo", b) }, false},
		{"plaintext account", func(t *testing.T, b []byte) wxCall { return oaPlain("plain", b) }, false},
		{"safe mode", func(t *testing.T, b []byte) wxCall { return oaSafe(t, "demo", b) }, true},
		{"compatible mode, encrypted", func(t *testing.T, b []byte) wxCall { return oaCompatible(t, "demo", b) }, true},
		{"safe mode without the plain signature", func(t *testing.T, b []byte) wxCall {
			c := oaSafe(t, "demo", b)
			c.query.Del("signature")
			return c
		}, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user := "o-text-" + strconv.Itoa(i)
			r := cs.serve(tt.call(t, textMsg(user, "9100"+strconv.Itoa(i), wxPolicyQuestion)))
			if got := strings.Contains(string(r.body), "<Encrypt>"); got != tt.encrypted {
				t.Fatalf("encrypted reply = %v, want %v: %s", got, tt.encrypted, r.body)
			}
			m := oaReply(t, r)
			if m.MsgType != "text" || m.ToUserName != user || m.FromUserName != wxTestGhID {
				t.Errorf("reply header = %+v", m)
			}
			if !strings.Contains(m.Content, wxPolicyFigure) {
				t.Errorf("reply does not state the figure: %s", m.Content)
			}
			if len(m.Content) > wxapi.MaxTextBytes {
				t.Errorf("reply is %d bytes", len(m.Content))
			}
		})
	}
}

func TestWeChatRetriesAnsweredOnce(t *testing.T) {
	tests := []struct {
		name     string
		replicas int
		parallel bool
		call     func(t *testing.T, body []byte) wxCall
	}{
		{"plaintext, one replica", 1, false, func(t *testing.T, b []byte) wxCall { return oaPlain("cy", b) }},
		{"safe mode, three replicas", 3, false, func(t *testing.T, b []byte) wxCall { return oaSafe(t, "cy", b) }},
		{"safe mode, retries at once on three replicas", 3, true, func(t *testing.T, b []byte) wxCall { return oaSafe(t, "cy", b) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := newChannelServer(t, chOptions{replicas: tt.replicas})
			body := textMsg("o-retry", "5000000001", wxComplaintText)
			results := make([]wxResult, 4) // the delivery and three retries
			var wg sync.WaitGroup
			for i := range results {
				c := tt.call(t, body)
				c.replica = i
				if !tt.parallel {
					results[i] = cs.serve(c)
					continue
				}
				wg.Add(1)
				go func() { defer wg.Done(); results[i] = cs.serve(c) }()
			}
			wg.Wait()
			first := oaReply(t, results[0])
			if !strings.Contains(first.Content, "市市场监管局朝阳分局") {
				t.Errorf("complaint not routed in the reply: %s", first.Content)
			}
			for i, r := range results[1:] {
				if got := oaReply(t, r); got != first {
					t.Errorf("retry %d answered\n%+v\nwant\n%+v", i+1, got, first)
				}
				if !tt.parallel && tt.replicas == 1 && string(r.body) != string(results[0].body) {
					t.Errorf("plaintext retry %d is not byte-identical", i+1)
				}
			}
			if n := len(cs.tickets(t)); n != 1 {
				t.Errorf("%d tickets, want 1", n)
			}
			if n := len(cs.platform.messages()); n != 0 {
				t.Errorf("%d pushes for a passively answered message", n)
			}
		})
	}
}

func TestWeChatSlowAnswerIsPushed(t *testing.T) {
	tests := []struct {
		name string
		call func(t *testing.T, body []byte) wxCall
	}{
		{"plaintext", func(t *testing.T, b []byte) wxCall { return oaPlain("demo", b) }},
		{"safe mode", func(t *testing.T, b []byte) wxCall { return oaSafe(t, "demo", b) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := newChannelServer(t, chOptions{budget: time.Millisecond, replicas: 2,
				phraser: slowPhraser{marker: wxSlowMarker, delay: 50 * time.Millisecond}})
			body := textMsg("o-slow", "6000000001", wxSlowQuestion)
			if r := cs.serve(tt.call(t, body)); !isAck(r) {
				t.Fatalf("slow answer: want a bare success, got %d %s", r.status, r.body)
			}
			sent := cs.platform.waitSent(t, 1)
			if sent[0].ToUser != "o-slow" || !strings.Contains(sent[0].Content, "水") ||
				sent[0].Path != "/cgi-bin/message/custom/send" {
				t.Fatalf("push = %+v", sent[0])
			}
			for i := range 3 {
				c := tt.call(t, body)
				c.replica = i
				if r := cs.serve(c); !isAck(r) {
					t.Errorf("retry %d: want success, got %d %s", i, r.status, r.body)
				}
			}
			time.Sleep(300 * time.Millisecond)
			if n := len(cs.platform.messages()); n != 1 {
				t.Errorf("%d pushes, want 1", n)
			}
			if n := cs.platform.tokenFetches(); n != 1 {
				t.Errorf("%d token fetches, want 1", n)
			}
			msgs, _, err := cs.env.Outbox.List(context.Background(), "demo", "o-slow", "", 10)
			if err != nil || len(msgs) != 1 || msgs[0].Status != "delivered" {
				t.Errorf("outbox = %+v, %v; want one delivered message", msgs, err)
			}
		})
	}
}

// TestWeChatRetryTakesOverSlowAnswer: a retry that outlasts its budget
// while the first delivery still waits takes the answer over for push;
// the first delivery, finishing later, only acknowledges. Exactly one push.
func TestWeChatRetryTakesOverSlowAnswer(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, cs *chServer, body []byte) []wxResult
	}{
		{"first replica still waiting", func(t *testing.T, cs *chServer, body []byte) []wxResult {
			// Replica 0 waits up to 3 s, replica 1 gives up after 100 ms.
			results := make([]wxResult, 2)
			var wg sync.WaitGroup
			for i := range results {
				wg.Add(1)
				go func() {
					defer wg.Done()
					time.Sleep(time.Duration(i) * 50 * time.Millisecond)
					c := oaSafe(t, "demo", body)
					c.replica = i
					results[i] = cs.serve(c)
				}()
			}
			wg.Wait()
			return results
		}},
		{"first replica died after claiming", func(t *testing.T, cs *chServer, body []byte) []wxResult {
			key := cs.env.Keys.Tenant("demo", "wx", bot.ChannelWeChat, "demo", "o-take", "6100000001")
			// a pending claim of the first delivery, as package desk writes it
			if err := cs.env.Redis.Set(context.Background(), key, "pending", time.Hour).Err(); err != nil {
				t.Fatal(err)
			}
			c := oaSafe(t, "demo", body)
			c.replica = 1
			return []wxResult{cs.serve(c)}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := newChannelServer(t, chOptions{budgets: []time.Duration{3 * time.Second, 100 * time.Millisecond},
				phraser: slowPhraser{marker: wxSlowMarker, delay: 600 * time.Millisecond}})
			for i, r := range tt.run(t, cs, textMsg("o-take", "6100000001", wxSlowQuestion)) {
				if !isAck(r) {
					t.Errorf("delivery %d: want success, got %d %s", i, r.status, r.body)
				}
			}
			cs.platform.waitSent(t, 1)
			time.Sleep(800 * time.Millisecond)
			if n := len(cs.platform.messages()); n != 1 {
				t.Errorf("%d pushes, want 1", n)
			}
		})
	}
}

func TestWeChatSlowAnswerUndeliverable(t *testing.T) {
	cs := newChannelServer(t, chOptions{budget: time.Millisecond,
		phraser: slowPhraser{marker: wxSlowMarker, delay: 50 * time.Millisecond}})
	cs.platform.set(func(p *wxPlatform) { p.failAlways = 45015 })
	if r := cs.serve(oaSafe(t, "demo", textMsg("o-gone", "6200000001", wxSlowQuestion))); !isAck(r) {
		t.Fatalf("want success, got %d %s", r.status, r.body)
	}
	key := cs.env.Keys.Tenant("demo", "wx", bot.ChannelWeChat, "demo", "o-gone", "6200000001")
	deadline := time.Now().Add(10 * time.Second)
	for {
		v, _ := cs.env.Redis.Get(context.Background(), key).Result()
		if v == "push:undeliverable" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery record = %q, want push:undeliverable", v)
		}
		time.Sleep(20 * time.Millisecond)
	}
	msgs, _, err := cs.env.Outbox.List(context.Background(), "demo", "o-gone", "", 10)
	if err != nil || len(msgs) != 1 || msgs[0].Status != "undelivered" || !strings.Contains(msgs[0].Text, "水") {
		t.Errorf("outbox = %+v, %v; want the answer marked undelivered", msgs, err)
	}
}

func TestWeChatSlowAnswerWithoutPushCredentials(t *testing.T) {
	cs := newChannelServer(t, chOptions{budget: time.Millisecond,
		phraser: slowPhraser{marker: wxSlowMarker, delay: 50 * time.Millisecond}})
	body := textMsg("o-nopush", "6300000001", wxSlowQuestion)
	first := plainReply(t, cs.serve(oaPlain("plain", body)))
	if first.Content != bot.StillWorkingText {
		t.Fatalf("reply = %q, want the still-working text", first.Content)
	}
	if again := plainReply(t, cs.serve(oaPlain("plain", body))); again != first {
		t.Errorf("retry = %+v, want %+v", again, first)
	}
}

func TestWeChatRefused(t *testing.T) {
	cs := newChannelServer(t, chOptions{})
	complaint := textMsg("o-evil", "7000000001", wxComplaintText)
	safe := func() wxCall { return oaSafe(t, "cy", complaint) }
	plain := func() wxCall { return oaPlain("cy", complaint) }
	otherKey := func() wxCall {
		c := safe()
		enc := mustEncrypt(t, wcTestAESKey, wxTestAppID, complaint)
		c.query.Set("msg_signature", wxproto.Sign(wxTestToken, c.query.Get("timestamp"), c.query.Get("nonce"), enc))
		c.body = []byte("<xml><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>")
		return c
	}
	tests := []struct {
		name   string
		call   wxCall
		status int
	}{
		{"forged signature", setQ(plain(), "signature", strings.Repeat("a", 40)), 403},
		{"signature in upper case", setQ(plain(), "signature", strings.ToUpper(plain().query.Get("signature"))), 403},
		{"missing signature", setQ(plain(), "signature", ""), 401},
		{"missing timestamp", setQ(plain(), "timestamp", ""), 403},
		{"stale timestamp", signedAt(plain(), time.Now().Add(-6*time.Minute)), 403},
		{"forged msg_signature", setQ(safe(), "msg_signature", strings.Repeat("b", 40)), 403},
		{"missing msg_signature", setQ(safe(), "msg_signature", ""), 401},
		{"forged plain signature beside a good msg_signature", setQ(safe(), "signature", strings.Repeat("c", 40)), 403},
		{"body swapped under a good signature", withBody(safe(), oaSafe(t, "cy", textMsg("o-evil", "7000000002", "你好")).body), 403},
		{"oversized body", withBody(plain(), []byte("<xml>"+strings.Repeat("x", wxproto.MaxBodySize)+"</xml>")), 413},
		{"malformed XML", withBody(plain(), []byte("<xml><Content>")), 400},
		{"entity expansion", withBody(plain(), []byte(`<!DOCTYPE xml [<!ENTITY a "b">]><xml><Content>&a;</Content></xml>`)), 400},
		{"encrypted to a plaintext account", func() wxCall { c := safe(); c.path = "/wechat/plain"; return c }(), 400},
		{"encrypted with another key", otherKey(), 400},
		{"unknown account", func() wxCall { c := plain(); c.path = "/wechat/nope"; return c }(), 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cs.serve(tt.call)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
		})
	}
	if n := len(cs.tickets(t)); n != 0 {
		t.Errorf("refused requests opened %d tickets", n)
	}
	if n := len(cs.platform.messages()); n != 0 {
		t.Errorf("refused requests caused %d pushes", n)
	}
	keys, err := cs.env.Redis.Keys(context.Background(), cs.env.Keys.Prefix+"*").Result()
	if err != nil || len(keys) != 0 {
		t.Errorf("refused requests left keys in Redis: %v %v", keys, err)
	}
}

func setQ(c wxCall, key, value string) wxCall {
	c.query = with(c.query, key, value)
	return c
}

func withBody(c wxCall, body []byte) wxCall {
	c.body = body
	return c
}

// signedAt re-signs a plaintext call at another time.
func signedAt(c wxCall, at time.Time) wxCall {
	c.query = signedQuery(wxTestToken, at)
	return c
}

func TestWeChatMessageTypes(t *testing.T) {
	cs := newChannelServer(t, chOptions{})
	now := time.Now().Unix()
	media := "请直接输入文字描述您的问题"
	tests := []struct {
		name    string
		account string
		body    []byte
		// ack wants a bare success; otherwise want is in the reply.
		ack  bool
		want string
		// kind is the kind of ticket the message must open, if any.
		kind ticket.Kind
	}{
		{name: "voice with recognition", account: "demo", body: voiceMsg("o-voice", "8000000001", wxPolicyQuestion), want: wxPolicyFigure},
		{name: "voice without recognition", account: "demo", body: voiceMsg("o-voice2", "8000000002", ""), want: "请发送文字"},
		{name: "image", account: "demo", body: typedMsg("o-img", "8000000003", "image"), want: media},
		{name: "location", account: "demo", body: typedMsg("o-img", "8000000004", "location"), want: media},
		{name: "link", account: "demo", body: typedMsg("o-img", "8000000005", "link"), want: media},
		{name: "video", account: "demo", body: typedMsg("o-img", "8000000006", "video"), want: media},
		{name: "short video", account: "demo", body: typedMsg("o-img", "8000000007", "shortvideo"), want: media},
		{name: "unknown type", account: "demo", body: typedMsg("o-img", "8000000008", "miniprogrampage"), want: media},
		{name: "empty text", account: "demo", body: textMsg("o-empty", "8000000009", "  "), want: "请发送文字"},
		{name: "subscribe", account: "demo", body: eventMsg("o-sub", now, "subscribe", ""), want: "欢迎关注"},
		{name: "subscribe by QR code", account: "demo", body: eventMsg("o-sub2", now, "subscribe", "qrscene_1"), want: "转人工"},
		{name: "unsubscribe", account: "demo", body: eventMsg("o-sub", now+1, "unsubscribe", ""), ack: true},
		{name: "view event", account: "demo", body: eventMsg("o-sub", now+2, "VIEW", "https://example.com"), ack: true},
		{name: "menu 政策查询", account: "demo", body: eventMsg("o-menu", now, "CLICK", "政策查询"), want: "政策"},
		{name: "menu POLICY", account: "demo", body: eventMsg("o-menu", now+1, "CLICK", "POLICY"), want: "政策"},
		{name: "menu 我要投诉", account: "demo", body: eventMsg("o-menu", now+2, "CLICK", "我要投诉"), want: "投诉"},
		{name: "menu COMPLAINT", account: "demo", body: eventMsg("o-menu", now+3, "CLICK", "COMPLAINT"), want: "投诉"},
		{name: "menu unknown key", account: "demo", body: eventMsg("o-menu", now+4, "CLICK", "WHATEVER"), want: "转人工"},
		{name: "menu 转人工", account: "hgt", body: eventMsg("o-human", now, "CLICK", "转人工"), kind: ticket.Handoff},
		{name: "menu HUMAN", account: "hgt", body: eventMsg("o-human2", now, "CLICK", "HUMAN"), kind: ticket.Handoff},
		{name: "menu 办理进度 without requests", account: "hgt", body: eventMsg("o-prog0", now, "CLICK", "办理进度")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cs.serve(oaSafe(t, tt.account, tt.body))
			if tt.ack {
				if !isAck(r) {
					t.Fatalf("want a bare success, got %d %s", r.status, r.body)
				}
				return
			}
			m := oaReply(t, r)
			if m.Content == "" || !strings.Contains(m.Content, tt.want) {
				t.Errorf("reply %q does not contain %q", m.Content, tt.want)
			}
			if tt.kind == "" {
				return
			}
			ts, err := cs.env.Tickets.List(context.Background(), ticket.Query{Tenant: "demo", User: m.ToUserName})
			if err != nil || len(ts) != 1 || ts[0].Kind != tt.kind || ts[0].Channel != bot.ChannelWeChat || ts[0].Account != tt.account {
				t.Fatalf("tickets = %v, %v; want one %s on wechat/%s", ts, err, tt.kind, tt.account)
			}
		})
	}
	t.Run("menu 办理进度 names the open request", func(t *testing.T) {
		oaReply(t, cs.serve(oaSafe(t, "cy", textMsg("o-prog", "8000000100", wxComplaintText))))
		m := oaReply(t, cs.serve(oaSafe(t, "cy", eventMsg("o-prog", now, "CLICK", "PROGRESS"))))
		ts, _ := cs.env.Tickets.List(context.Background(), ticket.Query{Tenant: "demo", User: "o-prog"})
		if len(ts) != 1 || !strings.Contains(m.Content, ts[0].ID) {
			t.Errorf("progress reply %q does not name the ticket", m.Content)
		}
	})
}

func TestWeChatRateLimited(t *testing.T) {
	cs := newChannelServer(t, chOptions{config: bot.Config{UserRate: bot.Rate{PerSecond: 0.01, Burst: 1}}})
	first := oaReply(t, cs.serve(oaPlain("demo", textMsg("o-rl", "8100000001", "你好"))))
	if strings.Contains(first.Content, "频繁") {
		t.Fatalf("first message limited: %s", first.Content)
	}
	second := cs.serve(oaPlain("demo", textMsg("o-rl", "8100000002", "你好")))
	if m := oaReply(t, second); m.Content != bot.RateLimitedText {
		t.Errorf("second message: %q, want %q", m.Content, bot.RateLimitedText)
	}
}

// TestWeChatRedisDown: with Redis away a callback gets a polite passive
// text, never a 5xx that would make the platform retry and show an error.
func TestWeChatRedisDown(t *testing.T) {
	rs := storetest.StartServer(t)
	rdb := redis.NewClient(&redis.Options{Addr: strings.TrimSuffix(strings.TrimPrefix(rs.URL(), "redis://"), "/0"),
		DialTimeout: 200 * time.Millisecond, ReadTimeout: 200 * time.Millisecond, MaxRetries: 0})
	t.Cleanup(func() { rdb.Close() })
	cs := newChannelServer(t, chOptions{redis: rdb})
	rs.Stop()
	tests := []struct {
		name string
		call wxCall
	}{
		{"plaintext", oaPlain("demo", textMsg("o-down", "8200000001", wxPolicyQuestion))},
		{"safe mode", oaSafe(t, "demo", textMsg("o-down", "8200000002", wxPolicyQuestion))},
		{"wecom", wecomPost(t, "demo", textMsg("o-down", "8200000003", wxPolicyQuestion))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cs.serve(tt.call)
			var m wxproto.Message
			if strings.HasPrefix(tt.call.path, "/wecom/") {
				m = encryptedReply(t, r, wcTestToken, wcTestAESKey, wcTestCorpID)
			} else {
				m = oaReply(t, r)
			}
			if m.Content != bot.BusyText {
				t.Errorf("reply during outage = %q, want %q", m.Content, bot.BusyText)
			}
		})
	}
}

// TestWeChatEndToEnd plays the platform against a running server: URL
// verification, an encrypted question answered within the budget, a
// message retried with the same MsgId, a slow answer delivered by push,
// and a forged signature refused.
func TestWeChatEndToEnd(t *testing.T) {
	cs := newChannelServer(t, chOptions{budget: 800 * time.Millisecond,
		phraser: slowPhraser{marker: wxSlowMarker, delay: 1500 * time.Millisecond}})

	t.Run("URL verification", func(t *testing.T) {
		q := signedQuery(wxTestToken, time.Now())
		q.Set("echostr", "e2e-echo")
		r := cs.overHTTP(t, wxCall{method: http.MethodGet, path: "/wechat/demo", query: q})
		if r.status != 200 || string(r.body) != "e2e-echo" {
			t.Fatalf("verification: %d %q", r.status, r.body)
		}
	})
	t.Run("encrypted question answered within budget", func(t *testing.T) {
		start := time.Now()
		m := oaReply(t, cs.overHTTP(t, oaSafe(t, "demo", textMsg("o-e2e", "9900000001", wxPolicyQuestion))))
		if !strings.Contains(m.Content, wxPolicyFigure) {
			t.Errorf("answer %q lacks %s", m.Content, wxPolicyFigure)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("answered in %v", d)
		}
	})
	t.Run("retried message answered once", func(t *testing.T) {
		body := textMsg("o-e2e-2", "9900000002", wxComplaintText)
		first := oaReply(t, cs.overHTTP(t, oaSafe(t, "cy", body)))
		for i := range 3 {
			if got := oaReply(t, cs.overHTTP(t, oaSafe(t, "cy", body))); got != first {
				t.Errorf("retry %d = %+v, want %+v", i+1, got, first)
			}
		}
		if n := len(cs.tickets(t)); n != 1 {
			t.Errorf("%d tickets, want 1", n)
		}
	})
	t.Run("slow answer delivered by push", func(t *testing.T) {
		body := textMsg("o-e2e-3", "9900000003", wxSlowQuestion)
		r := cs.overHTTP(t, oaSafe(t, "demo", body))
		if !isAck(r) {
			t.Fatalf("want success, got %d %s", r.status, r.body)
		}
		if r := cs.overHTTP(t, oaSafe(t, "demo", body)); !isAck(r) {
			t.Fatalf("retry: want success, got %d %s", r.status, r.body)
		}
		sent := cs.platform.waitSent(t, 1)
		if sent[0].ToUser != "o-e2e-3" || sent[0].Content == "" {
			t.Fatalf("push = %+v", sent[0])
		}
		time.Sleep(300 * time.Millisecond)
		if n := len(cs.platform.messages()); n != 1 {
			t.Errorf("%d pushes, want 1", n)
		}
	})
	t.Run("forged signature refused", func(t *testing.T) {
		before := len(cs.tickets(t))
		c := oaSafe(t, "cy", textMsg("o-e2e-4", "9900000004", wxComplaintText))
		c.query.Set("msg_signature", strings.Repeat("f", 40))
		if r := cs.overHTTP(t, c); r.status != http.StatusForbidden {
			t.Fatalf("forged: %d %s", r.status, r.body)
		}
		if n := len(cs.tickets(t)); n != before {
			t.Errorf("forged message opened a ticket")
		}
	})
}

// FuzzWeChatCallback posts arbitrary, validly signed bodies: in plaintext
// mode, as a safe-mode envelope, and as the plaintext inside a valid
// encryption. The server must never answer 5xx (a recovered panic is a 500).
func FuzzWeChatCallback(f *testing.F) {
	for _, s := range []string{
		string(textMsg("o-fz", "1", "你好")), string(textMsg("o-fz", "2", wxPolicyQuestion)),
		string(eventMsg("o-fz", 1, "CLICK", "转人工")), string(voiceMsg("o-fz", "3", "")),
		"", "<xml/>", "<xml><MsgType>text</MsgType></xml>", "<xml><Encrypt>AAAA</Encrypt></xml>",
		`<!DOCTYPE xml [<!ENTITY a "b">]><xml/>`, "<xml><FromUserName>u</FromUserName><MsgType>event</MsgType></xml>",
	} {
		for mode := range byte(3) {
			f.Add([]byte(s), mode)
		}
	}
	cs := newChannelServer(f, chOptions{budget: 50 * time.Millisecond})
	f.Fuzz(func(t *testing.T, body []byte, mode byte) {
		var c wxCall
		switch mode % 3 {
		case 0:
			c = oaPlain("demo", body)
		case 1:
			c = oaPlain("demo", body)
			c.query.Set("encrypt_type", "aes")
			env, _ := wxproto.ParseEnvelope(body)
			c.query.Set("msg_signature", wxproto.Sign(wxTestToken, c.query.Get("timestamp"), c.query.Get("nonce"), env.Encrypt))
		default:
			c = oaSafe(t, "demo", body)
		}
		start := time.Now()
		r := cs.serve(c)
		if r.status >= 500 {
			t.Fatalf("status %d for %q: %s", r.status, body, r.body)
		}
		// The platform gives up after 5 s; the budget here is 50 ms.
		if d := time.Since(start); d > 4*time.Second {
			t.Fatalf("answered after %v for %q", d, body)
		}
	})
}

// BenchmarkWeChatSafeModeCallback measures safe-mode callbacks through the
// real router and engine: decrypt, answer a policy question, encrypt.
func BenchmarkWeChatSafeModeCallback(b *testing.B) {
	cs := newChannelServer(b, chOptions{})
	var seq int64
	var mu sync.Mutex
	next := func() int64 {
		mu.Lock()
		defer mu.Unlock()
		seq++
		return seq
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := next()
			user := "o-bench-" + strconv.FormatInt(n%64, 10)
			r := cs.serve(oaSafe(b, "demo", textMsg(user, strconv.FormatInt(1e12+n, 10), wxPolicyQuestion)))
			if r.status != http.StatusOK || !strings.Contains(string(r.body), "<Encrypt>") {
				b.Fatalf("status %d: %s", r.status, r.body)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// TestWeChatAnswerWaitsForReplicas: with every reply waiting for a
// replica, a complaint whose write the replica confirms only after a
// while is still answered, passively and with its ticket, instead of
// with "busy, send it again", which would open a second ticket.
func TestWeChatAnswerWaitsForReplicas(t *testing.T) {
	primary := storetest.StartServer(t)
	replica := storetest.StartReplica(t, primary)
	rdb, err := storetest.Open(context.Background(), primary.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	cs := newChannelServer(t, chOptions{redis: rdb,
		replication: store.Replication{Replicas: 1, Timeout: 200 * time.Millisecond}})
	replica.Pause()
	time.AfterFunc(700*time.Millisecond, replica.Resume)
	m := oaReply(t, cs.overHTTP(t, oaSafe(t, "cy", textMsg("o-replica", "6000000001", wxComplaintText))))
	ts := cs.tickets(t)
	if len(ts) != 1 || !strings.Contains(m.Content, ts[0].ID) {
		t.Fatalf("answered %q with %d tickets; want the one ticket's number", m.Content, len(ts))
	}
}
