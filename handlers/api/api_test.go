package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"frontdoor/bot"
	"frontdoor/bot/bottest"
	"frontdoor/handlers/handlertest"
)

func TestPostMessageAnswers(t *testing.T) {
	ts := handlertest.New(t, bottest.Options{})
	code, out := ts.Post(t, map[string]string{"user": "u-1", "region": "葛店开发区", "text": "厂里要新装一路低压电,不用外线施工,从申请到通电大概几天?"})
	if code != http.StatusOK {
		t.Fatalf("status %d: %v", code, out)
	}
	if out["intent"] != "policy_query" {
		t.Errorf("intent = %v", out["intent"])
	}
	if !strings.Contains(out["reply"].(string), "3个工作日") {
		t.Errorf("reply does not state the figure: %v", out["reply"])
	}
	cites := out["citations"].([]any)
	if len(cites) == 0 {
		t.Fatal("no citations")
	}
	first := cites[0].(map[string]any)
	for _, f := range []string{"doc", "item", "title", "text", "lead_units", "responsible_units", "score"} {
		if _, ok := first[f]; !ok {
			t.Errorf("citation lacks %q", f)
		}
	}
	if first["doc"] != "001_ae791fdead5d71ad.txt" || first["item"] != "5" {
		t.Errorf("cited %v #%v, want 001 item 5", first["doc"], first["item"])
	}
	if out["ticket"] != nil {
		t.Errorf("a policy question opened a ticket: %v", out["ticket"])
	}
}

func TestComplaintOpensRoutedTicketOnce(t *testing.T) {
	ts := handlertest.New(t, bottest.Options{})
	msg := map[string]string{"user": "u-2", "region": "朝阳区", "msg_id": "m-1",
		"text": "我们公司信用评级是A类,这半年被市场监管抽查了三次,每次都要停产陪着,严重影响生产,我要投诉"}
	code, first := ts.Post(t, msg)
	if code != http.StatusOK {
		t.Fatalf("status %d: %v", code, first)
	}
	tk, ok := first["ticket"].(map[string]any)
	if !ok {
		t.Fatalf("no ticket: %v", first)
	}
	if units := tk["units"].([]any); len(units) != 1 || units[0] != "市市场监管局朝阳分局" {
		t.Errorf("units = %v", units)
	}
	if _, err := time.Parse(time.RFC3339, tk["due"].(string)); err != nil {
		t.Errorf("due %v: %v", tk["due"], err)
	}
	_, again := ts.Post(t, msg)
	if again["ticket"].(map[string]any)["id"] != tk["id"] || again["reply"] != first["reply"] {
		t.Errorf("retry differs: %v vs %v", again, first)
	}
	n, err := ts.Env.Redis.ZCard(context.Background(), ts.Env.Keys.Tenant("demo", "idx", "all")).Result()
	if err != nil || n != 1 {
		t.Errorf("tickets in Redis = %d (%v), want 1", n, err)
	}
}

func TestBadInput(t *testing.T) {
	ts := handlertest.New(t, bottest.Options{})
	long := strings.Repeat("字", 2001)
	huge := []byte(`{"user":"u","text":"` + strings.Repeat("a", 70<<10) + `"}`)
	tests := []struct {
		name       string
		key, ctype string
		body       []byte
		wantStatus int
		wantCode   string
	}{
		{"malformed json", handlertest.Key, "application/json", []byte(`{"user":`), 400, "malformed_json"},
		{"not an object", handlertest.Key, "application/json", []byte(`[1,2]`), 400, "malformed_json"},
		{"wrong types", handlertest.Key, "application/json", []byte(`{"user":1,"text":"hi"}`), 400, "malformed_json"},
		{"trailing data", handlertest.Key, "application/json", []byte(`{"user":"u","text":"hi"} {}`), 400, "malformed_json"},
		{"wrong content type", handlertest.Key, "text/plain", []byte(`{"user":"u","text":"hi"}`), 400, "not_json"},
		{"empty body", handlertest.Key, "application/json", nil, 400, "empty_body"},
		{"missing text", handlertest.Key, "application/json", []byte(`{"user":"u"}`), 400, "empty_text"},
		{"blank text", handlertest.Key, "application/json", []byte(`{"user":"u","text":"   "}`), 400, "empty_text"},
		{"missing user", handlertest.Key, "application/json", []byte(`{"text":"你好"}`), 400, "missing_user"},
		{"over-long text", handlertest.Key, "application/json", []byte(`{"user":"u","text":"` + long + `"}`), 400, "text_too_long"},
		{"unknown region", handlertest.Key, "application/json", []byte(`{"user":"u","region":"火星区","text":"你好"}`), 400, "unknown_region"},
		{"oversized body", handlertest.Key, "application/json", huge, 413, "body_too_large"},
		{"missing key", "", "application/json", []byte(`{"user":"u","text":"你好"}`), 401, "missing_api_key"},
		{"wrong key", "nope-key", "application/json", []byte(`{"user":"u","text":"你好"}`), 401, "bad_api_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, out := ts.Do(t, "POST", "/api/v1/messages", tt.key, tt.ctype, tt.body)
			if code != tt.wantStatus || out["code"] != tt.wantCode {
				t.Errorf("got %d %v, want %d %s", code, out, tt.wantStatus, tt.wantCode)
			}
			if msg, _ := out["error"].(string); msg == "" {
				t.Errorf("no error message: %v", out)
			}
		})
	}
	// nothing above may leave state behind
	keys, err := ts.Env.Redis.Keys(context.Background(), ts.Env.Keys.Prefix+"*").Result()
	if err != nil || len(keys) != 0 {
		t.Errorf("bad requests left keys in Redis: %v %v", keys, err)
	}
}

// TestMessageIDsOfDifferentUsersNeverMeet: the dedupe key keeps user and
// message id apart however they are spelt, so no business's message is
// taken for another's retry.
func TestMessageIDsOfDifferentUsersNeverMeet(t *testing.T) {
	ts := handlertest.New(t, bottest.Options{})
	pairs := [][2]map[string]string{
		{{"user": "col", "msg_id": "x:1"}, {"user": "col:x", "msg_id": "1"}},
		{{"user": "a b", "msg_id": "1"}, {"user": "a_b", "msg_id": "1"}},
	}
	for _, p := range pairs {
		t.Run(p[0]["user"]+"|"+p[1]["user"], func(t *testing.T) {
			texts := []string{"你好", "研发费用加计扣除怎么享受"}
			for i, m := range p {
				m["region"], m["text"] = "河池市", texts[i]
				code, out := ts.Post(t, m)
				if code != 200 {
					t.Fatalf("%v: %d %v", m, code, out)
				}
				if i == 1 && out["intent"] != "policy_query" {
					t.Errorf("%v was answered with the other user's stored reply: %v", m, out)
				}
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	ts := handlertest.New(t, bottest.Options{Config: bot.Config{UserRate: bot.Rate{PerSecond: 0.01, Burst: 2}}})
	msg := map[string]string{"user": "u-rl", "region": "河池市", "text": "你好"}
	for i := 0; i < 2; i++ {
		if code, out := ts.Post(t, msg); code != 200 {
			t.Fatalf("message %d: %d %v", i, code, out)
		}
	}
	b, _ := json.Marshal(msg)
	code, h, out := ts.Do(t, "POST", "/api/v1/messages", handlertest.Key, "application/json", b)
	if code != http.StatusTooManyRequests || out["code"] != "rate_limited" || h.Get("Retry-After") == "" {
		t.Errorf("third message: %d %v Retry-After=%q", code, out, h.Get("Retry-After"))
	}
	other := map[string]string{"user": "u-other", "region": "河池市", "text": "你好"}
	if code, _ := ts.Post(t, other); code != 200 {
		t.Errorf("another user was limited too: %d", code)
	}
}

func TestOutbox(t *testing.T) {
	ts := handlertest.New(t, bottest.Options{})
	code, out := ts.Post(t, map[string]string{"user": "u-ob", "region": "红谷滩区", "text": "不想跟机器人聊了,帮我转人工客服"})
	if code != 200 || out["handoff"] != true {
		t.Fatalf("hand-off: %d %v", code, out)
	}
	id := out["ticket"].(map[string]any)["id"].(string)
	ctx := context.Background()
	if _, err := ts.Env.Engine.StaffReply(ctx, "demo", id, "staff-a", "您好,我是政务服务小哥,请讲。"); err != nil {
		t.Fatal(err)
	}
	code, _, list := ts.Do(t, "GET", "/api/v1/messages?user=u-ob", handlertest.Key, "", nil)
	if code != 200 {
		t.Fatalf("outbox: %d %v", code, list)
	}
	msgs := list["messages"].([]any)
	if len(msgs) != 1 || msgs[0].(map[string]any)["from"] != "staff" {
		t.Fatalf("outbox = %v", msgs)
	}
	cursor := list["cursor"].(string)
	_, _, next := ts.Do(t, "GET", "/api/v1/messages?user=u-ob&after="+cursor, handlertest.Key, "", nil)
	if n := len(next["messages"].([]any)); n != 0 {
		t.Errorf("after cursor: %d messages, want 0", n)
	}
	for _, bad := range []string{"/api/v1/messages", "/api/v1/messages?user=u&after=abc", "/api/v1/messages?user=u&limit=9999",
		"/api/v1/messages?user=u-ob&after=99999999999999999999-0", "/api/v1/messages?user=u-ob&after=1-99999999999999999999"} {
		if code, _, _ := ts.Do(t, "GET", bad, handlertest.Key, "", nil); code != 400 {
			t.Errorf("GET %s: %d, want 400", bad, code)
		}
	}
}

// FuzzPostMessage sends arbitrary bodies to the JSON message API: whatever
// arrives, the answer is a JSON error or a reply, never a 5xx.
func FuzzPostMessage(f *testing.F) {
	for _, s := range []string{
		`{"user":"u","region":"葛店开发区","text":"开个公司要多久"}`,
		`{"user":"u","region":"朝阳区","text":"投诉:审批一直拖着不办","msg_id":"m"}`,
		`{"user":"u","text":"转人工"}`, `{"user":"u","region":"海淀区","text":"你好"}`,
		`{"user":1,"text":["a"]}`, `{"user":"u","text":""}`, `{"user":"u","text":"\u0000\ud800"}`,
		`{`, `null`, `[]`, `""`, "\xff\xfe", `{"user":"u","text":"a","extra":{"deep":[[[[[[1]]]]]]}}`,
	} {
		f.Add([]byte(s))
	}
	ts := handlertest.New(f, bottest.Options{})
	f.Fuzz(func(t *testing.T, body []byte) {
		code, _, out := ts.Do(t, "POST", "/api/v1/messages", handlertest.Key, "application/json", body)
		if code >= 500 {
			t.Fatalf("status %d for %q: %v", code, body, out)
		}
		if out == nil {
			t.Fatalf("status %d for %q: the answer is not a JSON object", code, body)
		}
	})
}

// TestMessageHeldElsewhereAsksForARetry: a message another replica claimed
// and never finished (it died) is answered 409 with Retry-After once the
// claim has been waited out, so that the client's next try handles it.
func TestMessageHeldElsewhereAsksForARetry(t *testing.T) {
	ts := handlertest.New(t, bottest.Options{Config: bot.Config{ClaimTTL: 300 * time.Millisecond}})
	key := ts.Env.Keys.Tenant("demo", "msg", "u-held", "m-held")
	if err := ts.Env.Redis.Set(context.Background(), key, "pending:another-replica", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"user": "u-held", "region": "朝阳区", "msg_id": "m-held", "text": "你好"})
	code, hdr, out := ts.Do(t, "POST", "/api/v1/messages", handlertest.Key, "application/json", body)
	if code != http.StatusConflict || out["code"] != "message_in_progress" || hdr.Get("Retry-After") != "1" {
		t.Fatalf("status %d, Retry-After %q: %v", code, hdr.Get("Retry-After"), out)
	}
}

// TestBusinessProfile: the tenant's system sets a business's profile and
// reads it back; bad profiles are refused with the field named.
func TestBusinessProfile(t *testing.T) {
	ts := handlertest.New(t, bottest.Options{})
	good := []byte(`{"industry":"食品制造","size":"small","registered_year":2019,"region":"葛店","opt_in":true}`)
	code, _, out := ts.Do(t, "PUT", "/api/v1/businesses/biz-p", handlertest.Key, "application/json", good)
	if code != http.StatusOK || out["region"] != "葛店开发区" || out["opt_in"] != true {
		t.Fatalf("put: %d %v", code, out)
	}
	if code, _, out := ts.Do(t, "GET", "/api/v1/businesses/biz-p", handlertest.Key, "", nil); code != 200 || out["industry"] != "食品制造" {
		t.Errorf("get: %d %v", code, out)
	}
	for body, wantCode := range map[string]string{
		`{"industry":"食品制造","size":"tiny","registered_year":2019,"region":"葛店"}`:                      "bad_size",
		`{"industry":"食品制造","size":"small","registered_year":2019,"region":"葛店","credit_code":"123"}`: "bad_credit_code",
		`{"industry":"","size":"small","registered_year":2019,"region":"葛店"}`:                         "bad_industry",
		`{"industry":"食品制造","size":"small","registered_year":"2019","region":"葛店"}`:                   "malformed_json",
	} {
		if code, _, out := ts.Do(t, "PUT", "/api/v1/businesses/biz-p", handlertest.Key, "application/json", []byte(body)); code != 400 || out["code"] != wantCode {
			t.Errorf("%s: %d %v, want 400 %s", body, code, out, wantCode)
		}
	}
	if code, _, _ := ts.Do(t, "GET", "/api/v1/businesses/nobody", handlertest.Key, "", nil); code != http.StatusNotFound {
		t.Errorf("missing profile: %d", code)
	}
	if code, _, _ := ts.Do(t, "PUT", "/api/v1/businesses/biz-p", "", "application/json", good); code != http.StatusUnauthorized {
		t.Errorf("without a key: %d", code)
	}
}
