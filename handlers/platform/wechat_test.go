package platform_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"frontdoor/bot/bottest"
	"frontdoor/handlers/handlertest"

	"frontdoor/bot"
	"frontdoor/bot/store"
	"frontdoor/bot/store/storetest"
	"frontdoor/bot/ticket"
	"frontdoor/bot/wxapi"
	"frontdoor/handlers/platform/wxproto"

	"github.com/redis/go-redis/v9"
)

func TestWeChatVerify(t *testing.T) {
	cs := handlertest.NewChannels(t, handlertest.ChannelOptions{})
	good := func(at time.Time) url.Values {
		q := handlertest.SignedQuery(handlertest.WxToken, at)
		q.Set("echostr", "4785937520390384")
		return q
	}
	tests := []struct {
		name    string
		account string
		Query   url.Values
		Status  int
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
			r := cs.Serve(handlertest.Call{Method: http.MethodGet, Path: "/wechat/" + tt.account, Query: tt.Query})
			if r.Status != tt.Status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.Status, r.Body)
			}
			if tt.Status == 200 && string(r.Body) != "4785937520390384" {
				t.Fatalf("echo = %q", r.Body)
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
	cs := handlertest.NewChannels(t, handlertest.ChannelOptions{})
	tests := []struct {
		name      string
		call      func(t *testing.T, body []byte) handlertest.Call
		encrypted bool
	}{
		{"plaintext mode", func(t *testing.T, b []byte) handlertest.Call { return handlertest.OAPlain("demo", b) }, false},
		{"plaintext account", func(t *testing.T, b []byte) handlertest.Call { return handlertest.OAPlain("plain", b) }, false},
		{"safe mode", func(t *testing.T, b []byte) handlertest.Call { return handlertest.OASafe(t, "demo", b) }, true},
		{"compatible mode, encrypted", func(t *testing.T, b []byte) handlertest.Call { return handlertest.OACompatible(t, "demo", b) }, true},
		{"safe mode without the plain signature", func(t *testing.T, b []byte) handlertest.Call {
			c := handlertest.OASafe(t, "demo", b)
			c.Query.Del("signature")
			return c
		}, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user := "o-text-" + strconv.Itoa(i)
			r := cs.Serve(tt.call(t, handlertest.TextMsg(user, "9100"+strconv.Itoa(i), handlertest.PolicyQuestion)))
			if got := strings.Contains(string(r.Body), "<Encrypt>"); got != tt.encrypted {
				t.Fatalf("encrypted reply = %v, want %v: %s", got, tt.encrypted, r.Body)
			}
			m := handlertest.OAReply(t, r)
			if m.MsgType != "text" || m.ToUserName != user || m.FromUserName != handlertest.WxGhID {
				t.Errorf("reply header = %+v", m)
			}
			if !strings.Contains(m.Content, handlertest.PolicyFigure) {
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
		call     func(t *testing.T, body []byte) handlertest.Call
	}{
		{"plaintext, one replica", 1, false, func(t *testing.T, b []byte) handlertest.Call { return handlertest.OAPlain("cy", b) }},
		{"safe mode, three replicas", 3, false, func(t *testing.T, b []byte) handlertest.Call { return handlertest.OASafe(t, "cy", b) }},
		{"safe mode, retries at once on three replicas", 3, true, func(t *testing.T, b []byte) handlertest.Call { return handlertest.OASafe(t, "cy", b) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := handlertest.NewChannels(t, handlertest.ChannelOptions{Replicas: tt.replicas})
			body := handlertest.TextMsg("o-retry", "5000000001", handlertest.ComplaintText)
			results := make([]handlertest.Result, 4) // the delivery and three retries
			var wg sync.WaitGroup
			for i := range results {
				c := tt.call(t, body)
				c.Replica = i
				if !tt.parallel {
					results[i] = cs.Serve(c)
					continue
				}
				wg.Add(1)
				go func() { defer wg.Done(); results[i] = cs.Serve(c) }()
			}
			wg.Wait()
			first := handlertest.OAReply(t, results[0])
			if !strings.Contains(first.Content, "市市场监管局朝阳分局") {
				t.Errorf("complaint not routed in the reply: %s", first.Content)
			}
			for i, r := range results[1:] {
				if got := handlertest.OAReply(t, r); got != first {
					t.Errorf("retry %d answered\n%+v\nwant\n%+v", i+1, got, first)
				}
				if !tt.parallel && tt.replicas == 1 && string(r.Body) != string(results[0].Body) {
					t.Errorf("plaintext retry %d is not byte-identical", i+1)
				}
			}
			if n := len(cs.Tickets(t)); n != 1 {
				t.Errorf("%d tickets, want 1", n)
			}
			if n := len(cs.Platform.Messages()); n != 0 {
				t.Errorf("%d pushes for a passively answered message", n)
			}
		})
	}
}

func TestWeChatSlowAnswerIsPushed(t *testing.T) {
	tests := []struct {
		name string
		call func(t *testing.T, body []byte) handlertest.Call
	}{
		{"plaintext", func(t *testing.T, b []byte) handlertest.Call { return handlertest.OAPlain("demo", b) }},
		{"safe mode", func(t *testing.T, b []byte) handlertest.Call { return handlertest.OASafe(t, "demo", b) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := handlertest.NewChannels(t, handlertest.ChannelOptions{Budget: time.Millisecond, Replicas: 2,
				Phraser: handlertest.SlowPhraser{Marker: handlertest.SlowMarker, Delay: 50 * time.Millisecond}})
			body := handlertest.TextMsg("o-slow", "6000000001", handlertest.SlowQuestion)
			if r := cs.Serve(tt.call(t, body)); !handlertest.IsAck(r) {
				t.Fatalf("slow answer: want a bare success, got %d %s", r.Status, r.Body)
			}
			sent := cs.Platform.WaitSent(t, 1)
			if sent[0].ToUser != "o-slow" || !strings.Contains(sent[0].Content, "水") ||
				sent[0].Path != "/cgi-bin/message/custom/send" {
				t.Fatalf("push = %+v", sent[0])
			}
			for i := range 3 {
				c := tt.call(t, body)
				c.Replica = i
				if r := cs.Serve(c); !handlertest.IsAck(r) {
					t.Errorf("retry %d: want success, got %d %s", i, r.Status, r.Body)
				}
			}
			time.Sleep(300 * time.Millisecond)
			if n := len(cs.Platform.Messages()); n != 1 {
				t.Errorf("%d pushes, want 1", n)
			}
			if n := cs.Platform.TokenFetches(); n != 1 {
				t.Errorf("%d token fetches, want 1", n)
			}
			msgs, _, err := cs.Env.Outbox.List(context.Background(), "demo", "o-slow", "", 10)
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
		run  func(t *testing.T, cs *handlertest.Channels, body []byte) []handlertest.Result
	}{
		{"first replica still waiting", func(t *testing.T, cs *handlertest.Channels, body []byte) []handlertest.Result {
			// Replica 0 waits up to 3 s, replica 1 gives up after 100 ms.
			results := make([]handlertest.Result, 2)
			var wg sync.WaitGroup
			for i := range results {
				wg.Add(1)
				go func() {
					defer wg.Done()
					time.Sleep(time.Duration(i) * 50 * time.Millisecond)
					c := handlertest.OASafe(t, "demo", body)
					c.Replica = i
					results[i] = cs.Serve(c)
				}()
			}
			wg.Wait()
			return results
		}},
		{"first replica died after claiming", func(t *testing.T, cs *handlertest.Channels, body []byte) []handlertest.Result {
			key := cs.Env.Keys.Tenant("demo", "wx", bot.ChannelWeChat, "demo", "o-take", "6100000001")
			// a pending claim of the first delivery, as package desk writes it
			if err := cs.Env.Redis.Set(context.Background(), key, "pending", time.Hour).Err(); err != nil {
				t.Fatal(err)
			}
			c := handlertest.OASafe(t, "demo", body)
			c.Replica = 1
			return []handlertest.Result{cs.Serve(c)}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := handlertest.NewChannels(t, handlertest.ChannelOptions{Budgets: []time.Duration{3 * time.Second, 100 * time.Millisecond},
				Phraser: handlertest.SlowPhraser{Marker: handlertest.SlowMarker, Delay: 600 * time.Millisecond}})
			for i, r := range tt.run(t, cs, handlertest.TextMsg("o-take", "6100000001", handlertest.SlowQuestion)) {
				if !handlertest.IsAck(r) {
					t.Errorf("delivery %d: want success, got %d %s", i, r.Status, r.Body)
				}
			}
			cs.Platform.WaitSent(t, 1)
			time.Sleep(800 * time.Millisecond)
			if n := len(cs.Platform.Messages()); n != 1 {
				t.Errorf("%d pushes, want 1", n)
			}
		})
	}
}

func TestWeChatSlowAnswerUndeliverable(t *testing.T) {
	cs := handlertest.NewChannels(t, handlertest.ChannelOptions{Budget: time.Millisecond,
		Phraser: handlertest.SlowPhraser{Marker: handlertest.SlowMarker, Delay: 50 * time.Millisecond}})
	cs.Platform.Set(func(p *handlertest.Platform) { p.FailAlways = 45015 })
	if r := cs.Serve(handlertest.OASafe(t, "demo", handlertest.TextMsg("o-gone", "6200000001", handlertest.SlowQuestion))); !handlertest.IsAck(r) {
		t.Fatalf("want success, got %d %s", r.Status, r.Body)
	}
	key := cs.Env.Keys.Tenant("demo", "wx", bot.ChannelWeChat, "demo", "o-gone", "6200000001")
	deadline := time.Now().Add(10 * time.Second)
	for {
		v, _ := cs.Env.Redis.Get(context.Background(), key).Result()
		if v == "push:undeliverable" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery record = %q, want push:undeliverable", v)
		}
		time.Sleep(20 * time.Millisecond)
	}
	msgs, _, err := cs.Env.Outbox.List(context.Background(), "demo", "o-gone", "", 10)
	if err != nil || len(msgs) != 1 || msgs[0].Status != "undelivered" || !strings.Contains(msgs[0].Text, "水") {
		t.Errorf("outbox = %+v, %v; want the answer marked undelivered", msgs, err)
	}
}

func TestWeChatSlowAnswerWithoutPushCredentials(t *testing.T) {
	cs := handlertest.NewChannels(t, handlertest.ChannelOptions{Budget: time.Millisecond,
		Phraser: handlertest.SlowPhraser{Marker: handlertest.SlowMarker, Delay: 50 * time.Millisecond}})
	body := handlertest.TextMsg("o-nopush", "6300000001", handlertest.SlowQuestion)
	first := handlertest.PlainReply(t, cs.Serve(handlertest.OAPlain("plain", body)))
	if first.Content != bot.StillWorkingText {
		t.Fatalf("reply = %q, want the still-working text", first.Content)
	}
	if again := handlertest.PlainReply(t, cs.Serve(handlertest.OAPlain("plain", body))); again != first {
		t.Errorf("retry = %+v, want %+v", again, first)
	}
}

func TestWeChatRefused(t *testing.T) {
	cs := handlertest.NewChannels(t, handlertest.ChannelOptions{})
	complaint := handlertest.TextMsg("o-evil", "7000000001", handlertest.ComplaintText)
	safe := func() handlertest.Call { return handlertest.OASafe(t, "cy", complaint) }
	plain := func() handlertest.Call { return handlertest.OAPlain("cy", complaint) }
	otherKey := func() handlertest.Call {
		c := safe()
		enc := handlertest.MustEncrypt(t, handlertest.WcAESKey, handlertest.WxAppID, complaint)
		c.Query.Set("msg_signature", wxproto.Sign(handlertest.WxToken, c.Query.Get("timestamp"), c.Query.Get("nonce"), enc))
		c.Body = []byte("<xml><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>")
		return c
	}
	tests := []struct {
		name   string
		call   handlertest.Call
		Status int
	}{
		{"forged signature", setQ(plain(), "signature", strings.Repeat("a", 40)), 403},
		{"signature in upper case", setQ(plain(), "signature", strings.ToUpper(plain().Query.Get("signature"))), 403},
		{"missing signature", setQ(plain(), "signature", ""), 401},
		{"missing timestamp", setQ(plain(), "timestamp", ""), 403},
		{"stale timestamp", signedAt(plain(), time.Now().Add(-6*time.Minute)), 403},
		{"forged msg_signature", setQ(safe(), "msg_signature", strings.Repeat("b", 40)), 403},
		{"missing msg_signature", setQ(safe(), "msg_signature", ""), 401},
		{"forged plain signature beside a good msg_signature", setQ(safe(), "signature", strings.Repeat("c", 40)), 403},
		{"body swapped under a good signature", withBody(safe(), handlertest.OASafe(t, "cy", handlertest.TextMsg("o-evil", "7000000002", "你好")).Body), 403},
		{"oversized body", withBody(plain(), []byte("<xml>"+strings.Repeat("x", wxproto.MaxBodySize)+"</xml>")), 413},
		{"malformed XML", withBody(plain(), []byte("<xml><Content>")), 400},
		{"entity expansion", withBody(plain(), []byte(`<!DOCTYPE xml [<!ENTITY a "b">]><xml><Content>&a;</Content></xml>`)), 400},
		{"encrypted to a plaintext account", func() handlertest.Call { c := safe(); c.Path = "/wechat/plain"; return c }(), 400},
		{"encrypted with another key", otherKey(), 400},
		{"unknown account", func() handlertest.Call { c := plain(); c.Path = "/wechat/nope"; return c }(), 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cs.Serve(tt.call)
			if r.Status != tt.Status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.Status, r.Body)
			}
		})
	}
	if n := len(cs.Tickets(t)); n != 0 {
		t.Errorf("refused requests opened %d tickets", n)
	}
	if n := len(cs.Platform.Messages()); n != 0 {
		t.Errorf("refused requests caused %d pushes", n)
	}
	keys, err := cs.Env.Redis.Keys(context.Background(), cs.Env.Keys.Prefix+"*").Result()
	if err != nil || len(keys) != 0 {
		t.Errorf("refused requests left keys in Redis: %v %v", keys, err)
	}
}

func setQ(c handlertest.Call, key, value string) handlertest.Call {
	c.Query = with(c.Query, key, value)
	return c
}

func withBody(c handlertest.Call, body []byte) handlertest.Call {
	c.Body = body
	return c
}

// signedAt re-signs a plaintext call at another time.
func signedAt(c handlertest.Call, at time.Time) handlertest.Call {
	c.Query = handlertest.SignedQuery(handlertest.WxToken, at)
	return c
}

func TestWeChatMessageTypes(t *testing.T) {
	cs := handlertest.NewChannels(t, handlertest.ChannelOptions{})
	now := time.Now().Unix()
	media := "请直接输入文字描述您的问题"
	tests := []struct {
		name    string
		account string
		Body    []byte
		// ack wants a bare success; otherwise want is in the reply.
		ack  bool
		want string
		// kind is the kind of ticket the message must open, if any.
		kind ticket.Kind
	}{
		{name: "voice with recognition", account: "demo", Body: handlertest.VoiceMsg("o-voice", "8000000001", handlertest.PolicyQuestion), want: handlertest.PolicyFigure},
		{name: "voice without recognition", account: "demo", Body: handlertest.VoiceMsg("o-voice2", "8000000002", ""), want: "请发送文字"},
		{name: "image", account: "demo", Body: handlertest.TypedMsg("o-img", "8000000003", "image"), want: media},
		{name: "location", account: "demo", Body: handlertest.TypedMsg("o-img", "8000000004", "location"), want: media},
		{name: "link", account: "demo", Body: handlertest.TypedMsg("o-img", "8000000005", "link"), want: media},
		{name: "video", account: "demo", Body: handlertest.TypedMsg("o-img", "8000000006", "video"), want: media},
		{name: "short video", account: "demo", Body: handlertest.TypedMsg("o-img", "8000000007", "shortvideo"), want: media},
		{name: "unknown type", account: "demo", Body: handlertest.TypedMsg("o-img", "8000000008", "miniprogrampage"), want: media},
		{name: "empty text", account: "demo", Body: handlertest.TextMsg("o-empty", "8000000009", "  "), want: "请发送文字"},
		{name: "subscribe", account: "demo", Body: handlertest.EventMsg("o-sub", now, "subscribe", ""), want: "欢迎关注"},
		{name: "subscribe by QR code", account: "demo", Body: handlertest.EventMsg("o-sub2", now, "subscribe", "qrscene_1"), want: "转人工"},
		{name: "unsubscribe", account: "demo", Body: handlertest.EventMsg("o-sub", now+1, "unsubscribe", ""), ack: true},
		{name: "view event", account: "demo", Body: handlertest.EventMsg("o-sub", now+2, "VIEW", "https://example.com"), ack: true},
		{name: "menu 政策查询", account: "demo", Body: handlertest.EventMsg("o-menu", now, "CLICK", "政策查询"), want: "政策"},
		{name: "menu POLICY", account: "demo", Body: handlertest.EventMsg("o-menu", now+1, "CLICK", "POLICY"), want: "政策"},
		{name: "menu 我要投诉", account: "demo", Body: handlertest.EventMsg("o-menu", now+2, "CLICK", "我要投诉"), want: "投诉"},
		{name: "menu COMPLAINT", account: "demo", Body: handlertest.EventMsg("o-menu", now+3, "CLICK", "COMPLAINT"), want: "投诉"},
		{name: "menu unknown key", account: "demo", Body: handlertest.EventMsg("o-menu", now+4, "CLICK", "WHATEVER"), want: "转人工"},
		{name: "menu 转人工", account: "hgt", Body: handlertest.EventMsg("o-human", now, "CLICK", "转人工"), kind: ticket.Handoff},
		{name: "menu HUMAN", account: "hgt", Body: handlertest.EventMsg("o-human2", now, "CLICK", "HUMAN"), kind: ticket.Handoff},
		{name: "menu 办理进度 without requests", account: "hgt", Body: handlertest.EventMsg("o-prog0", now, "CLICK", "办理进度")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cs.Serve(handlertest.OASafe(t, tt.account, tt.Body))
			if tt.ack {
				if !handlertest.IsAck(r) {
					t.Fatalf("want a bare success, got %d %s", r.Status, r.Body)
				}
				return
			}
			m := handlertest.OAReply(t, r)
			if m.Content == "" || !strings.Contains(m.Content, tt.want) {
				t.Errorf("reply %q does not contain %q", m.Content, tt.want)
			}
			if tt.kind == "" {
				return
			}
			ts, err := cs.Env.Tickets.List(context.Background(), ticket.Query{Tenant: "demo", User: m.ToUserName})
			if err != nil || len(ts) != 1 || ts[0].Kind != tt.kind || ts[0].Channel != bot.ChannelWeChat || ts[0].Account != tt.account {
				t.Fatalf("tickets = %v, %v; want one %s on wechat/%s", ts, err, tt.kind, tt.account)
			}
		})
	}
	t.Run("menu 办理进度 names the open request", func(t *testing.T) {
		handlertest.OAReply(t, cs.Serve(handlertest.OASafe(t, "cy", handlertest.TextMsg("o-prog", "8000000100", handlertest.ComplaintText))))
		m := handlertest.OAReply(t, cs.Serve(handlertest.OASafe(t, "cy", handlertest.EventMsg("o-prog", now, "CLICK", "PROGRESS"))))
		ts, _ := cs.Env.Tickets.List(context.Background(), ticket.Query{Tenant: "demo", User: "o-prog"})
		if len(ts) != 1 || !strings.Contains(m.Content, ts[0].ID) {
			t.Errorf("progress reply %q does not name the ticket", m.Content)
		}
	})
}

func TestWeChatRateLimited(t *testing.T) {
	cs := handlertest.NewChannels(t, handlertest.ChannelOptions{Config: bot.Config{UserRate: bot.Rate{PerSecond: 0.01, Burst: 1}}})
	first := handlertest.OAReply(t, cs.Serve(handlertest.OAPlain("demo", handlertest.TextMsg("o-rl", "8100000001", "你好"))))
	if strings.Contains(first.Content, "频繁") {
		t.Fatalf("first message limited: %s", first.Content)
	}
	second := cs.Serve(handlertest.OAPlain("demo", handlertest.TextMsg("o-rl", "8100000002", "你好")))
	if m := handlertest.OAReply(t, second); m.Content != bot.RateLimitedText {
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
	cs := handlertest.NewChannels(t, handlertest.ChannelOptions{Redis: rdb})
	rs.Stop()
	tests := []struct {
		name string
		call handlertest.Call
	}{
		{"plaintext", handlertest.OAPlain("demo", handlertest.TextMsg("o-down", "8200000001", handlertest.PolicyQuestion))},
		{"safe mode", handlertest.OASafe(t, "demo", handlertest.TextMsg("o-down", "8200000002", handlertest.PolicyQuestion))},
		{"wecom", handlertest.WeComPost(t, "demo", handlertest.TextMsg("o-down", "8200000003", handlertest.PolicyQuestion))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cs.Serve(tt.call)
			var m wxproto.Message
			if strings.HasPrefix(tt.call.Path, "/wecom/") {
				m = handlertest.EncryptedReply(t, r, handlertest.WcToken, handlertest.WcAESKey, handlertest.WcCorpID)
			} else {
				m = handlertest.OAReply(t, r)
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
	cs := handlertest.NewChannels(t, handlertest.ChannelOptions{Budget: 800 * time.Millisecond,
		Phraser: handlertest.SlowPhraser{Marker: handlertest.SlowMarker, Delay: 1500 * time.Millisecond}})

	t.Run("URL verification", func(t *testing.T) {
		q := handlertest.SignedQuery(handlertest.WxToken, time.Now())
		q.Set("echostr", "e2e-echo")
		r := cs.OverHTTP(t, handlertest.Call{Method: http.MethodGet, Path: "/wechat/demo", Query: q})
		if r.Status != 200 || string(r.Body) != "e2e-echo" {
			t.Fatalf("verification: %d %q", r.Status, r.Body)
		}
	})
	t.Run("encrypted question answered within budget", func(t *testing.T) {
		start := time.Now()
		m := handlertest.OAReply(t, cs.OverHTTP(t, handlertest.OASafe(t, "demo", handlertest.TextMsg("o-e2e", "9900000001", handlertest.PolicyQuestion))))
		if !strings.Contains(m.Content, handlertest.PolicyFigure) {
			t.Errorf("answer %q lacks %s", m.Content, handlertest.PolicyFigure)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("answered in %v", d)
		}
	})
	t.Run("retried message answered once", func(t *testing.T) {
		body := handlertest.TextMsg("o-e2e-2", "9900000002", handlertest.ComplaintText)
		first := handlertest.OAReply(t, cs.OverHTTP(t, handlertest.OASafe(t, "cy", body)))
		for i := range 3 {
			if got := handlertest.OAReply(t, cs.OverHTTP(t, handlertest.OASafe(t, "cy", body))); got != first {
				t.Errorf("retry %d = %+v, want %+v", i+1, got, first)
			}
		}
		if n := len(cs.Tickets(t)); n != 1 {
			t.Errorf("%d tickets, want 1", n)
		}
	})
	t.Run("slow answer delivered by push", func(t *testing.T) {
		body := handlertest.TextMsg("o-e2e-3", "9900000003", handlertest.SlowQuestion)
		r := cs.OverHTTP(t, handlertest.OASafe(t, "demo", body))
		if !handlertest.IsAck(r) {
			t.Fatalf("want success, got %d %s", r.Status, r.Body)
		}
		if r := cs.OverHTTP(t, handlertest.OASafe(t, "demo", body)); !handlertest.IsAck(r) {
			t.Fatalf("retry: want success, got %d %s", r.Status, r.Body)
		}
		sent := cs.Platform.WaitSent(t, 1)
		if sent[0].ToUser != "o-e2e-3" || sent[0].Content == "" {
			t.Fatalf("push = %+v", sent[0])
		}
		time.Sleep(300 * time.Millisecond)
		if n := len(cs.Platform.Messages()); n != 1 {
			t.Errorf("%d pushes, want 1", n)
		}
	})
	t.Run("forged signature refused", func(t *testing.T) {
		before := len(cs.Tickets(t))
		c := handlertest.OASafe(t, "cy", handlertest.TextMsg("o-e2e-4", "9900000004", handlertest.ComplaintText))
		c.Query.Set("msg_signature", strings.Repeat("f", 40))
		if r := cs.OverHTTP(t, c); r.Status != http.StatusForbidden {
			t.Fatalf("forged: %d %s", r.Status, r.Body)
		}
		if n := len(cs.Tickets(t)); n != before {
			t.Errorf("forged message opened a ticket")
		}
	})
}

// FuzzWeChatCallback posts arbitrary, validly signed bodies: in plaintext
// mode, as a safe-mode envelope, and as the plaintext inside a valid
// encryption. The server must never answer 5xx (a recovered panic is a 500).
func FuzzWeChatCallback(f *testing.F) {
	for _, s := range []string{
		string(handlertest.TextMsg("o-fz", "1", "你好")), string(handlertest.TextMsg("o-fz", "2", handlertest.PolicyQuestion)),
		string(handlertest.EventMsg("o-fz", 1, "CLICK", "转人工")), string(handlertest.VoiceMsg("o-fz", "3", "")),
		"", "<xml/>", "<xml><MsgType>text</MsgType></xml>", "<xml><Encrypt>AAAA</Encrypt></xml>",
		`<!DOCTYPE xml [<!ENTITY a "b">]><xml/>`, "<xml><FromUserName>u</FromUserName><MsgType>event</MsgType></xml>",
	} {
		for mode := range byte(3) {
			f.Add([]byte(s), mode)
		}
	}
	cs := handlertest.NewChannels(f, handlertest.ChannelOptions{Budget: 50 * time.Millisecond})
	f.Fuzz(func(t *testing.T, body []byte, mode byte) {
		var c handlertest.Call
		switch mode % 3 {
		case 0:
			c = handlertest.OAPlain("demo", body)
		case 1:
			c = handlertest.OAPlain("demo", body)
			c.Query.Set("encrypt_type", "aes")
			env, _ := wxproto.ParseEnvelope(body)
			c.Query.Set("msg_signature", wxproto.Sign(handlertest.WxToken, c.Query.Get("timestamp"), c.Query.Get("nonce"), env.Encrypt))
		default:
			c = handlertest.OASafe(t, "demo", body)
		}
		start := time.Now()
		r := cs.Serve(c)
		if r.Status >= 500 {
			t.Fatalf("status %d for %q: %s", r.Status, body, r.Body)
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
	cs := handlertest.NewChannels(b, handlertest.ChannelOptions{})
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
			r := cs.Serve(handlertest.OASafe(b, "demo", handlertest.TextMsg(user, strconv.FormatInt(1e12+n, 10), handlertest.PolicyQuestion)))
			if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "<Encrypt>") {
				b.Fatalf("status %d: %s", r.Status, r.Body)
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
	cs := handlertest.NewChannels(t, handlertest.ChannelOptions{Redis: rdb,
		Engine: func(o *bottest.Options) {
			o.Replication = store.Replication{Replicas: 1, Timeout: 200 * time.Millisecond}
		}})
	replica.Pause()
	time.AfterFunc(700*time.Millisecond, replica.Resume)
	m := handlertest.OAReply(t, cs.OverHTTP(t, handlertest.OASafe(t, "cy", handlertest.TextMsg("o-replica", "6000000001", handlertest.ComplaintText))))
	ts := cs.Tickets(t)
	if len(ts) != 1 || !strings.Contains(m.Content, ts[0].ID) {
		t.Fatalf("answered %q with %d tickets; want the one ticket's number", m.Content, len(ts))
	}
}

// TestStaffReplyOutsideTheWindowIsKept: a staff reply the platform
// refuses (45015: the business last wrote more than 48 hours ago) marks
// the ticket unreached for staff to call, and goes to the business in the
// passive reply to its next message, which opens the window again.
func TestStaffReplyOutsideTheWindowIsKept(t *testing.T) {
	cs := handlertest.NewChannels(t, handlertest.ChannelOptions{Budget: 3 * time.Second})
	ctx := context.Background()
	first := handlertest.OAReply(t, cs.Serve(handlertest.OASafe(t, "cy", handlertest.TextMsg("o-late", "8100000001", handlertest.ComplaintText))))
	ts := cs.Tickets(t)
	if len(ts) != 1 || !strings.Contains(first.Content, ts[0].ID) {
		t.Fatalf("complaint reply %q, tickets %d", first.Content, len(ts))
	}
	id := ts[0].ID
	cs.Platform.Set(func(p *handlertest.Platform) { p.FailAlways = 45015 })
	const answer = "您好,抽查安排已调整,请留意通知。"
	if _, err := cs.Env.Engine.StaffReply(ctx, "demo", id, "staff-a", answer); err != nil {
		t.Fatal(err)
	}
	tk, _ := cs.Env.Tickets.Get(ctx, "demo", id)
	if !tk.Unreached {
		t.Fatal("the ticket does not say the business was not reached")
	}

	cs.Platform.Set(func(p *handlertest.Platform) { p.FailAlways = 0 })
	next := handlertest.OAReply(t, cs.Serve(handlertest.OASafe(t, "cy", handlertest.TextMsg("o-late", "8100000002", "你好"))))
	if !strings.HasPrefix(next.Content, "您有未收到的消息") || !strings.Contains(next.Content, answer) {
		t.Fatalf("next reply = %q", next.Content)
	}
	tk, _ = cs.Env.Tickets.Get(ctx, "demo", id)
	if tk.Unreached {
		t.Error("still unreached after the hand-over")
	}
	msgs, _, _ := cs.Env.Outbox.List(ctx, "demo", "o-late", "", 10)
	if len(msgs) != 1 || msgs[0].Status != "delivered" {
		t.Errorf("outbox = %+v", msgs)
	}
	again := handlertest.OAReply(t, cs.Serve(handlertest.OASafe(t, "cy", handlertest.TextMsg("o-late", "8100000003", "你好"))))
	if strings.Contains(again.Content, answer) {
		t.Errorf("handed over twice: %q", again.Content)
	}
}
