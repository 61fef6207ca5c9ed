package platform_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"frontdoor/handlers/handlertest"
	"frontdoor/handlers/platform/wxproto"
)

// wecomVerifyQuery is the URL-verification query WeCom sends.
func wecomVerifyQuery(t testing.TB, echo string, at time.Time) url.Values {
	t.Helper()
	enc := handlertest.MustEncrypt(t, handlertest.WcAESKey, handlertest.WcCorpID, []byte(echo))
	ts := strconv.FormatInt(at.Unix(), 10)
	return url.Values{"msg_signature": {wxproto.Sign(handlertest.WcToken, ts, "1372623149", enc)}, "timestamp": {ts},
		"nonce": {"1372623149"}, "echostr": {enc}}
}

func TestWeComVerify(t *testing.T) {
	cs := handlertest.NewChannels(t, handlertest.ChannelOptions{})
	otherKey := func() url.Values {
		enc := handlertest.MustEncrypt(t, handlertest.WxAESKey, handlertest.WcCorpID, []byte("x"))
		q := wecomVerifyQuery(t, "x", time.Now())
		q.Set("echostr", enc)
		q.Set("msg_signature", wxproto.Sign(handlertest.WcToken, q.Get("timestamp"), q.Get("nonce"), enc))
		return q
	}
	tests := []struct {
		name    string
		account string
		Query   url.Values
		Status  int
	}{
		{"good", "demo", wecomVerifyQuery(t, "1616140317555161061", time.Now()), 200},
		{"forged signature", "demo", with(wecomVerifyQuery(t, "1", time.Now()), "msg_signature", strings.Repeat("0", 40)), 403},
		{"missing signature", "demo", with(wecomVerifyQuery(t, "1", time.Now()), "msg_signature", ""), 401},
		{"stale timestamp", "demo", wecomVerifyQuery(t, "1", time.Now().Add(-time.Hour)), 403},
		{"echostr under another key", "demo", otherKey(), 400},
		{"unknown account", "nope", wecomVerifyQuery(t, "1", time.Now()), 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cs.Serve(handlertest.Call{Method: http.MethodGet, Path: "/wecom/" + tt.account, Query: tt.Query})
			if r.Status != tt.Status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.Status, r.Body)
			}
			if tt.Status == 200 && string(r.Body) != "1616140317555161061" {
				t.Fatalf("echo = %q", r.Body)
			}
		})
	}
	t.Run("unescaped plus signs", func(t *testing.T) {
		// Find an echostr with a '+' and send it with the '+' unescaped,
		// as a hand-written URL would.
		for i := range 200 {
			q := wecomVerifyQuery(t, "echo-"+strconv.Itoa(i), time.Now())
			if !strings.Contains(q.Get("echostr"), "+") {
				continue
			}
			raw := strings.ReplaceAll(q.Encode(), "%2B", "+")
			req := handlertest.Call{Method: http.MethodGet, Path: "/wecom/demo"}
			req.Query, _ = url.ParseQuery(raw)
			if r := cs.Serve(req); r.Status != 200 || string(r.Body) != "echo-"+strconv.Itoa(i) {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			return
		}
		t.Skip("no echostr with '+' found")
	})
}

func TestWeComMessages(t *testing.T) {
	cs := handlertest.NewChannels(t, handlertest.ChannelOptions{})
	reply := func(t *testing.T, r handlertest.Result) wxproto.Message {
		return handlertest.EncryptedReply(t, r, handlertest.WcToken, handlertest.WcAESKey, handlertest.WcCorpID)
	}
	t.Run("text answered with an encrypted reply", func(t *testing.T) {
		m := reply(t, cs.Serve(handlertest.WeComPost(t, "demo", handlertest.TextMsg("zhangsan", "1234567890123456", handlertest.PolicyQuestion))))
		if m.ToUserName != "zhangsan" || !strings.Contains(m.Content, handlertest.PolicyFigure) {
			t.Errorf("reply = %+v", m)
		}
	})
	t.Run("retry answered the same", func(t *testing.T) {
		body := handlertest.TextMsg("lisi", "1234567890123457", handlertest.PolicyQuestion)
		first := reply(t, cs.Serve(handlertest.WeComPost(t, "demo", body)))
		if again := reply(t, cs.Serve(handlertest.WeComPost(t, "demo", body))); again != first {
			t.Errorf("retry = %+v, want %+v", again, first)
		}
	})
	t.Run("enter_agent is acknowledged with an empty body", func(t *testing.T) {
		r := cs.Serve(handlertest.WeComPost(t, "demo", handlertest.EventMsg("zhangsan", time.Now().Unix(), "enter_agent", "")))
		if r.Status != 200 || len(r.Body) != 0 {
			t.Errorf("got %d %q", r.Status, r.Body)
		}
	})
	t.Run("subscribe is welcomed", func(t *testing.T) {
		m := reply(t, cs.Serve(handlertest.WeComPost(t, "demo", handlertest.EventMsg("wangwu", time.Now().Unix(), "subscribe", ""))))
		if !strings.Contains(m.Content, "欢迎") {
			t.Errorf("reply = %q", m.Content)
		}
	})
	refused := []struct {
		name   string
		call   func() handlertest.Call
		Status int
	}{
		{"forged signature", func() handlertest.Call {
			return setQ(handlertest.WeComPost(t, "demo", handlertest.TextMsg("evil", "1", handlertest.ComplaintText)), "msg_signature", strings.Repeat("a", 40))
		}, 403},
		{"missing signature", func() handlertest.Call {
			return setQ(handlertest.WeComPost(t, "demo", handlertest.TextMsg("evil", "1", handlertest.ComplaintText)), "msg_signature", "")
		}, 401},
		{"plaintext body", func() handlertest.Call {
			return withBody(handlertest.WeComPost(t, "demo", handlertest.TextMsg("evil", "1", handlertest.ComplaintText)), handlertest.TextMsg("evil", "1", handlertest.ComplaintText))
		}, 400},
		{"oversized body", func() handlertest.Call {
			return withBody(handlertest.WeComPost(t, "demo", nil), []byte(strings.Repeat("x", wxproto.MaxBodySize+1)))
		}, 413},
		{"unknown account", func() handlertest.Call {
			c := handlertest.WeComPost(t, "demo", handlertest.TextMsg("evil", "1", handlertest.ComplaintText))
			c.Path = "/wecom/nope"
			return c
		}, 404},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			if r := cs.Serve(tt.call()); r.Status != tt.Status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.Status, r.Body)
			}
		})
	}
	if n := len(cs.Tickets(t)); n != 0 {
		t.Errorf("%d tickets, want 0", n)
	}
}

func TestWeComSlowAnswerIsPushed(t *testing.T) {
	cs := handlertest.NewChannels(t, handlertest.ChannelOptions{Budget: time.Millisecond,
		Phraser: handlertest.SlowPhraser{Marker: handlertest.SlowMarker, Delay: 50 * time.Millisecond}})
	r := cs.Serve(handlertest.WeComPost(t, "demo", handlertest.TextMsg("zhaoliu", "2234567890123456", handlertest.SlowQuestion)))
	if r.Status != 200 || len(r.Body) != 0 {
		t.Fatalf("want an empty 200, got %d %q", r.Status, r.Body)
	}
	sent := cs.Platform.WaitSent(t, 1)
	if sent[0].Path != "/cgi-bin/message/send" || sent[0].ToUser != "zhaoliu" || sent[0].AgentID != 1000002 ||
		sent[0].Content == "" {
		t.Fatalf("push = %+v", sent[0])
	}
}
