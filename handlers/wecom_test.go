package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"frontdoor/handlers/wxproto"
)

// wecomVerifyQuery is the URL-verification query WeCom sends.
func wecomVerifyQuery(t testing.TB, echo string, at time.Time) url.Values {
	t.Helper()
	enc := mustEncrypt(t, wcTestAESKey, wcTestCorpID, []byte(echo))
	ts := strconv.FormatInt(at.Unix(), 10)
	return url.Values{"msg_signature": {wxproto.Sign(wcTestToken, ts, "1372623149", enc)}, "timestamp": {ts},
		"nonce": {"1372623149"}, "echostr": {enc}}
}

func TestWeComVerify(t *testing.T) {
	cs := newChannelServer(t, chOptions{})
	otherKey := func() url.Values {
		enc := mustEncrypt(t, wxTestAESKey, wcTestCorpID, []byte("x"))
		q := wecomVerifyQuery(t, "x", time.Now())
		q.Set("echostr", enc)
		q.Set("msg_signature", wxproto.Sign(wcTestToken, q.Get("timestamp"), q.Get("nonce"), enc))
		return q
	}
	tests := []struct {
		name    string
		account string
		query   url.Values
		status  int
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
			r := cs.serve(wxCall{method: http.MethodGet, path: "/wecom/" + tt.account, query: tt.query})
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.status == 200 && string(r.body) != "1616140317555161061" {
				t.Fatalf("echo = %q", r.body)
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
			req := wxCall{method: http.MethodGet, path: "/wecom/demo"}
			req.query, _ = url.ParseQuery(raw)
			if r := cs.serve(req); r.status != 200 || string(r.body) != "echo-"+strconv.Itoa(i) {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			return
		}
		t.Skip("no echostr with '+' found")
	})
}

func TestWeComMessages(t *testing.T) {
	cs := newChannelServer(t, chOptions{})
	reply := func(t *testing.T, r wxResult) wxproto.Message {
		return encryptedReply(t, r, wcTestToken, wcTestAESKey, wcTestCorpID)
	}
	t.Run("text answered with an encrypted reply", func(t *testing.T) {
		m := reply(t, cs.serve(wecomPost(t, "demo", textMsg("zhangsan", "1234567890123456", wxPolicyQuestion))))
		if m.ToUserName != "zhangsan" || !strings.Contains(m.Content, wxPolicyFigure) {
			t.Errorf("reply = %+v", m)
		}
	})
	t.Run("retry answered the same", func(t *testing.T) {
		body := textMsg("lisi", "1234567890123457", wxPolicyQuestion)
		first := reply(t, cs.serve(wecomPost(t, "demo", body)))
		if again := reply(t, cs.serve(wecomPost(t, "demo", body))); again != first {
			t.Errorf("retry = %+v, want %+v", again, first)
		}
	})
	t.Run("enter_agent is acknowledged with an empty body", func(t *testing.T) {
		r := cs.serve(wecomPost(t, "demo", eventMsg("zhangsan", time.Now().Unix(), "enter_agent", "")))
		if r.status != 200 || len(r.body) != 0 {
			t.Errorf("got %d %q", r.status, r.body)
		}
	})
	t.Run("subscribe is welcomed", func(t *testing.T) {
		m := reply(t, cs.serve(wecomPost(t, "demo", eventMsg("wangwu", time.Now().Unix(), "subscribe", ""))))
		if !strings.Contains(m.Content, "欢迎") {
			t.Errorf("reply = %q", m.Content)
		}
	})
	refused := []struct {
		name   string
		call   func() wxCall
		status int
	}{
		{"forged signature", func() wxCall {
			return setQ(wecomPost(t, "demo", textMsg("evil", "1", wxComplaintText)), "msg_signature", strings.Repeat("a", 40))
		}, 403},
		{"missing signature", func() wxCall {
			return setQ(wecomPost(t, "demo", textMsg("evil", "1", wxComplaintText)), "msg_signature", "")
		}, 401},
		{"plaintext body", func() wxCall {
			return withBody(wecomPost(t, "demo", textMsg("evil", "1", wxComplaintText)), textMsg("evil", "1", wxComplaintText))
		}, 400},
		{"oversized body", func() wxCall {
			return withBody(wecomPost(t, "demo", nil), []byte(strings.Repeat("x", wxproto.MaxBodySize+1)))
		}, 413},
		{"unknown account", func() wxCall {
			c := wecomPost(t, "demo", textMsg("evil", "1", wxComplaintText))
			c.path = "/wecom/nope"
			return c
		}, 404},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			if r := cs.serve(tt.call()); r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
		})
	}
	if n := len(cs.tickets(t)); n != 0 {
		t.Errorf("%d tickets, want 0", n)
	}
}

func TestWeComSlowAnswerIsPushed(t *testing.T) {
	cs := newChannelServer(t, chOptions{budget: time.Millisecond,
		phraser: slowPhraser{marker: wxSlowMarker, delay: 50 * time.Millisecond}})
	r := cs.serve(wecomPost(t, "demo", textMsg("zhaoliu", "2234567890123456", wxSlowQuestion)))
	if r.status != 200 || len(r.body) != 0 {
		t.Fatalf("want an empty 200, got %d %q", r.status, r.body)
	}
	sent := cs.platform.waitSent(t, 1)
	if sent[0].Path != "/cgi-bin/message/send" || sent[0].ToUser != "zhaoliu" || sent[0].AgentID != 1000002 ||
		sent[0].Content == "" {
		t.Fatalf("push = %+v", sent[0])
	}
}
