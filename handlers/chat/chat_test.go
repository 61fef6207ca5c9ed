package chat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"

	"frontdoor/handlers/handlertest"

	"github.com/chromedp/chromedp"

	"frontdoor/bot"
	"frontdoor/bot/bottest"
	"frontdoor/bot/ticket"
)

// chatClient is a browser: it keeps the web chat's cookie.
type chatClient struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newChatClient(t *testing.T, base string) *chatClient {
	jar, _ := cookiejar.New(nil)
	return &chatClient{t: t, base: base, c: &http.Client{Jar: jar}}
}

func (cc *chatClient) do(method, path, contentType string, body []byte) (*http.Response, []byte) {
	cc.t.Helper()
	req, err := http.NewRequest(method, cc.base+path, bytes.NewReader(body))
	if err != nil {
		cc.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := cc.c.Do(req)
	if err != nil {
		cc.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, raw
}

func (cc *chatClient) post(v any) (int, map[string]any) {
	cc.t.Helper()
	b, _ := json.Marshal(v)
	resp, raw := cc.do("POST", "/chat/api/messages", "application/json", b)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// The visitor's cookie and the prefix that keeps web visitors apart
// from other channels' users.
const (
	chatCookie     = "fd_chat"
	chatUserPrefix = "web-"
)

// visitorID is what the server issues: 32 lowercase hex digits.
var visitorID = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestWebChatPage(t *testing.T) {
	ts := handlertest.New(t, bottest.Options{})
	cc := newChatClient(t, ts.URL)
	resp, page := cc.do("GET", "/chat", "", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /chat: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	html := string(page)
	for _, want := range []string{`<select id="region"`, `lang="zh-CN"`, `name="viewport"`, "/chat/static/chat.js",
		"/chat/static/chat.css", "发送"} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, region := range ts.Env.KB.Regions() {
		if !strings.Contains(html, `<option value="`+region+`">`) {
			t.Errorf("region picker lacks %s", region)
		}
	}
	if strings.Contains(html, "http://") || strings.Contains(html, "https://") {
		t.Errorf("page loads something from another site")
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == chatCookie {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || len(cookie.Value) != 32 {
		t.Fatalf("visitor cookie = %+v", cookie)
	}
	for path, ctype := range map[string]string{"/chat/static/chat.js": "text/javascript", "/chat/static/chat.css": "text/css"} {
		resp, body := cc.do("GET", path, "", nil)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), ctype) || len(body) == 0 {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	if resp, _ := cc.do("GET", "/chat/static/nope.js", "", nil); resp.StatusCode != 404 {
		t.Errorf("unknown asset: %d", resp.StatusCode)
	}
}

func TestWebChatConversation(t *testing.T) {
	ts := handlertest.New(t, bottest.Options{})
	cc := newChatClient(t, ts.URL)
	cc.do("GET", "/chat", "", nil)

	code, out := cc.post(map[string]string{"region": "葛店开发区", "text": handlertest.PolicyQuestion, "msg_id": "w1"})
	if code != 200 || !strings.Contains(out["reply"].(string), handlertest.PolicyFigure) || out["intent"] != "policy_query" {
		t.Fatalf("policy question: %d %v", code, out)
	}
	if code, again := cc.post(map[string]string{"region": "葛店开发区", "text": handlertest.PolicyQuestion, "msg_id": "w1"}); code != 200 ||
		again["reply"] != out["reply"] {
		t.Errorf("resent message answered differently: %v", again)
	}

	code, out = cc.post(map[string]string{"region": "红谷滩区", "text": "不想跟机器人聊了,帮我转人工客服"})
	if code != 200 || out["handoff"] != true {
		t.Fatalf("hand-off: %d %v", code, out)
	}
	id := out["ticket"].(map[string]any)["id"].(string)
	tk, err := ts.Env.Tickets.Get(context.Background(), "demo", id)
	if err != nil || tk.Channel != bot.ChannelWeb || !strings.HasPrefix(tk.User, chatUserPrefix) {
		t.Fatalf("ticket = %+v, %v", tk, err)
	}
	if _, err := ts.Env.Engine.StaffReply(context.Background(), "demo", id, "staff-a", "您好,我是政务服务小哥。"); err != nil {
		t.Fatal(err)
	}
	resp, raw := cc.do("GET", "/chat/api/messages", "", nil)
	var list struct {
		Messages []struct{ Text, From string }
		Cursor   string
	}
	if err := json.Unmarshal(raw, &list); err != nil || resp.StatusCode != 200 || len(list.Messages) != 1 ||
		list.Messages[0].From != "staff" {
		t.Fatalf("outbox: %d %s", resp.StatusCode, raw)
	}
	_, raw = cc.do("GET", "/chat/api/messages?after="+list.Cursor, "", nil)
	if err := json.Unmarshal(raw, &list); err != nil || len(list.Messages) != 0 {
		t.Errorf("after the cursor: %s", raw)
	}

	var h struct {
		Turns   []struct{ From, Text string }
		Tickets []struct{ ID string }
	}
	if _, raw = cc.do("GET", "/chat/api/history", "", nil); json.Unmarshal(raw, &h) != nil || len(h.Turns) != 4 || // the resent message is not a turn of its own

		h.Turns[0].From != "business" || len(h.Tickets) != 1 || h.Tickets[0].ID != id {
		t.Errorf("history: %s", raw)
	}

	// Another visitor sees none of it.
	other := newChatClient(t, ts.URL)
	if _, raw := other.do("GET", "/chat/api/messages", "", nil); !strings.Contains(string(raw), `"messages":[]`) {
		t.Errorf("another visitor's outbox: %s", raw)
	}
	if _, raw := other.do("GET", "/chat/api/history", "", nil); string(raw) != `{"turns":[],"tickets":[]}` {
		t.Errorf("another visitor's history: %s", raw)
	}
	hs, _ := ts.Env.Tickets.List(context.Background(), ticket.Query{Tenant: "demo"})
	if len(hs) != 1 {
		t.Errorf("%d tickets, want 1", len(hs))
	}
}

func TestWebChatBadInput(t *testing.T) {
	ts := handlertest.New(t, bottest.Options{Config: bot.Config{UserRate: bot.Rate{PerSecond: 0.01, Burst: 2}}})
	cc := newChatClient(t, ts.URL)
	cc.do("GET", "/chat", "", nil)
	tests := []struct {
		name        string
		contentType string
		body        string
		status      int
		code        string
	}{
		{"not JSON", "text/plain", `{"text":"你好"}`, 400, "not_json"},
		{"malformed", "application/json", `{"text":`, 400, "malformed_json"},
		{"empty text", "application/json", `{"text":"  "}`, 400, "empty_text"},
		{"unknown region", "application/json", `{"region":"火星区","text":"你好"}`, 400, "unknown_region"},
		{"too long", "application/json", `{"text":"` + strings.Repeat("字", 2001) + `"}`, 400, "text_too_long"},
		{"oversized", "application/json", `{"text":"` + strings.Repeat("a", 70<<10) + `"}`, 413, "body_too_large"},
		{"bad cursor", "", "zzz", 400, "bad_cursor"},
		{"cursor out of range", "", "99999999999999999999-0", 400, "bad_cursor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method, path := "POST", "/chat/api/messages"
			if tt.code == "bad_cursor" {
				method, path, tt.body = "GET", "/chat/api/messages?after="+tt.body, ""
			}
			resp, raw := cc.do(method, path, tt.contentType, []byte(tt.body))
			var out map[string]any
			_ = json.Unmarshal(raw, &out)
			if resp.StatusCode != tt.status || out["code"] != tt.code {
				t.Errorf("got %d %s, want %d %s", resp.StatusCode, raw, tt.status, tt.code)
			}
		})
	}
	t.Run("rate limited", func(t *testing.T) {
		var last int
		var resp *http.Response
		for range 3 {
			resp, _ = cc.do("POST", "/chat/api/messages", "application/json", []byte(`{"region":"河池市","text":"你好"}`))
			last = resp.StatusCode
		}
		if last != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
			t.Errorf("third message: %d Retry-After=%q", last, resp.Header.Get("Retry-After"))
		}
	})
	t.Run("a forged cookie gets a fresh identity", func(t *testing.T) {
		req, _ := http.NewRequest("GET", ts.URL+"/chat/api/messages", nil)
		req.AddCookie(&http.Cookie{Name: chatCookie, Value: "../../admin"})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || len(resp.Cookies()) != 1 || !visitorID.MatchString(resp.Cookies()[0].Value) {
			t.Errorf("got %d, cookies %v", resp.StatusCode, resp.Cookies())
		}
	})
}

// TestWebChatFloodFromOneAddress: 60 complaints in a row from one
// address, each without the cookie (a new visitor every time), open at
// most 10 tickets; every other one gets a 429 or a request for a phone
// number. The limits are the shipped defaults (config.go).
func TestWebChatFloodFromOneAddress(t *testing.T) {
	shipped := bot.Config{AddressRate: bot.Rate{PerSecond: 20.0 / 60, Burst: 10}, AddressTickets: 5}
	floods := []struct {
		name string
		cfg  bot.Config
		text func(i int) string
	}{
		{"different complaints", shipped, func(i int) string {
			return fmt.Sprintf("第%d次反映:窗口工作人员态度恶劣,材料被退回五次,严重影响生产,我要投诉", i)
		}},
		{"the same complaint", shipped, func(int) string {
			return "窗口工作人员态度恶劣,材料被退回五次,严重影响生产,我要投诉"
		}},
		{"with phone numbers, address rate off", bot.Config{AddressTickets: 5}, func(i int) string {
			return fmt.Sprintf("第%d次反映:窗口工作人员态度恶劣,材料被退回五次,我要投诉,电话139%08d", i, i)
		}},
	}
	for _, f := range floods {
		t.Run(f.name, func(t *testing.T) {
			ts := handlertest.New(t, bottest.Options{Config: f.cfg})
			tickets := map[string]bool{}
			var limited, asked int
			for i := range 60 {
				cc := newChatClient(t, ts.URL)
				cc.c.Jar = nil // drops the cookie: a new visitor every time
				code, out := cc.post(map[string]string{"region": "红谷滩区", "text": f.text(i)})
				switch {
				case code == http.StatusTooManyRequests:
					limited++
				case code != 200:
					t.Fatalf("complaint %d: %d %v", i, code, out)
				case out["ticket"] != nil:
					tickets[out["ticket"].(map[string]any)["id"].(string)] = true
				case out["intent"] == "complaint":
					asked++
				default:
					t.Fatalf("complaint %d answered as %v", i, out["intent"])
				}
			}
			all, err := ts.Env.Tickets.List(context.Background(), ticket.Query{Tenant: "demo", Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d tickets, %d rate-limited, %d asked for contact details or refused", len(all), limited, asked)
			if len(all) > 10 || len(tickets) != len(all) {
				t.Errorf("%d tickets opened (%d named in replies), want at most 10", len(all), len(tickets))
			}
		})
	}
}

// TestWebChatInBrowser: a visitor in a real browser picks a region, asks,
// and reads the answer; a message over the limit shows the text the bot
// gives for it, which the page takes from the server.
func TestWebChatInBrowser(t *testing.T) {
	ts := handlertest.New(t, bottest.Options{})
	ctx := handlertest.Browser(t)
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return s
	}
	const reply = `//div[contains(@class,"msg") and contains(@class,"bot") and contains(., "3个工作日")]`
	step("open the page", chromedp.Navigate(ts.URL+"/chat"), chromedp.WaitVisible(chromedp.ID("text")))
	step("ask", chromedp.SetValue(chromedp.ID("region"), "葛店开发区"),
		chromedp.SendKeys(chromedp.ID("text"), "厂里要新装一路低压电,不用外线施工,从申请到通电大概几天?"),
		chromedp.Click(chromedp.ID("send")), chromedp.WaitVisible(reply))
	answer := text(reply)
	step("send too much", chromedp.SetValue(chromedp.ID("text"), strings.Repeat("字", 2001)),
		chromedp.Click(chromedp.ID("send")), chromedp.WaitVisible(`//div[contains(@class,"error")]`))
	tooLong := text(`//div[contains(@class,"error")]`)
	if !strings.Contains(answer, "3个工作日") {
		t.Errorf("answer = %q", answer)
	}
	if !strings.Contains(tooLong, bot.TooLongText) {
		t.Errorf("over-long message shows %q, want %q", tooLong, bot.TooLongText)
	}

	// a complaint opens a ticket; a reload shows the conversation again,
	// the staff's answer in its place, and the request still open
	const opened = `//div[contains(@class,"msg") and contains(@class,"bot") and contains(., "联系电话")]`
	step("complain", chromedp.SetValue(chromedp.ID("text"), "营业执照变更跑了五趟窗口,每次说缺不同的材料,工作人员态度很差,我要投诉"),
		chromedp.Click(chromedp.ID("send")), chromedp.WaitVisible(opened))
	hs, err := ts.Env.Tickets.List(context.Background(), ticket.Query{Tenant: "demo"})
	if err != nil || len(hs) != 1 {
		t.Fatalf("tickets: %d %v", len(hs), err)
	}
	id := hs[0].ID
	if _, err := ts.Env.Engine.StaffReply(context.Background(), "demo", id, "staff-a", "您好,材料清单已发您,请核对。"); err != nil {
		t.Fatal(err)
	}
	step("reload", chromedp.Reload(), chromedp.WaitVisible(`//div[contains(@class,"tickets") and contains(., "`+id+`")]`))
	restored := text(`#log`)
	for _, want := range []string{"从申请到通电大概几天", "3个工作日", "我要投诉", "材料清单已发您", id} {
		if !strings.Contains(restored, want) {
			t.Errorf("after a reload the chat lacks %q:\n%s", want, restored)
		}
	}
	if strings.Index(restored, "我要投诉") > strings.Index(restored, "材料清单已发您") {
		t.Errorf("the staff answer is shown before the complaint it answers:\n%s", restored)
	}
}
