package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"frontdoor/bot"
	"frontdoor/bot/bottest"
	"frontdoor/bot/store/storetest"
)

const testKey = "dev-key"

type testServer struct {
	*httptest.Server
	env *bottest.Env
}

// newTestServer drives the real router over HTTP, backed by a real Redis.
func newTestServer(t testing.TB, opts bottest.Options) *testServer {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	env := bottest.New(t, opts)
	srv := New(Deps{Engine: env.Engine, Tenants: []Tenant{{ID: "demo", APIKey: testKey}},
		Ready: func(ctx context.Context) error { return env.Redis.Ping(ctx).Err() }, Registry: prometheus.NewRegistry(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &testServer{Server: ts, env: env}
}

func (ts *testServer) do(t *testing.T, method, path, key, contentType string, body []byte) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("response is not JSON: %s", raw)
		}
	}
	return resp.StatusCode, resp.Header, out
}

func (ts *testServer) post(t *testing.T, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	code, _, out := ts.do(t, "POST", "/api/v1/messages", testKey, "application/json", b)
	return code, out
}

func TestPostMessageAnswers(t *testing.T) {
	ts := newTestServer(t, bottest.Options{})
	code, out := ts.post(t, map[string]string{"user": "u-1", "region": "葛店开发区", "text": "厂里要新装一路低压电,不用外线施工,从申请到通电大概几天?"})
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
	ts := newTestServer(t, bottest.Options{})
	msg := map[string]string{"user": "u-2", "region": "朝阳区", "msg_id": "m-1",
		"text": "我们公司信用评级是A类,这半年被市场监管抽查了三次,每次都要停产陪着,严重影响生产,我要投诉"}
	code, first := ts.post(t, msg)
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
	_, again := ts.post(t, msg)
	if again["ticket"].(map[string]any)["id"] != tk["id"] || again["reply"] != first["reply"] {
		t.Errorf("retry differs: %v vs %v", again, first)
	}
	n, err := ts.env.Redis.ZCard(context.Background(), ts.env.Keys.Tenant("demo", "idx", "all")).Result()
	if err != nil || n != 1 {
		t.Errorf("tickets in Redis = %d (%v), want 1", n, err)
	}
}

func TestBadInput(t *testing.T) {
	ts := newTestServer(t, bottest.Options{})
	long := strings.Repeat("字", 2001)
	huge := []byte(`{"user":"u","text":"` + strings.Repeat("a", 70<<10) + `"}`)
	tests := []struct {
		name       string
		key, ctype string
		body       []byte
		wantStatus int
		wantCode   string
	}{
		{"malformed json", testKey, "application/json", []byte(`{"user":`), 400, "malformed_json"},
		{"not an object", testKey, "application/json", []byte(`[1,2]`), 400, "malformed_json"},
		{"wrong types", testKey, "application/json", []byte(`{"user":1,"text":"hi"}`), 400, "malformed_json"},
		{"trailing data", testKey, "application/json", []byte(`{"user":"u","text":"hi"} {}`), 400, "malformed_json"},
		{"wrong content type", testKey, "text/plain", []byte(`{"user":"u","text":"hi"}`), 400, "not_json"},
		{"empty body", testKey, "application/json", nil, 400, "empty_body"},
		{"missing text", testKey, "application/json", []byte(`{"user":"u"}`), 400, "empty_text"},
		{"blank text", testKey, "application/json", []byte(`{"user":"u","text":"   "}`), 400, "empty_text"},
		{"missing user", testKey, "application/json", []byte(`{"text":"你好"}`), 400, "missing_user"},
		{"over-long text", testKey, "application/json", []byte(`{"user":"u","text":"` + long + `"}`), 400, "text_too_long"},
		{"unknown region", testKey, "application/json", []byte(`{"user":"u","region":"火星区","text":"你好"}`), 400, "unknown_region"},
		{"oversized body", testKey, "application/json", huge, 413, "body_too_large"},
		{"missing key", "", "application/json", []byte(`{"user":"u","text":"你好"}`), 401, "missing_api_key"},
		{"wrong key", "nope-key", "application/json", []byte(`{"user":"u","text":"你好"}`), 401, "bad_api_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, out := ts.do(t, "POST", "/api/v1/messages", tt.key, tt.ctype, tt.body)
			if code != tt.wantStatus || out["code"] != tt.wantCode {
				t.Errorf("got %d %v, want %d %s", code, out, tt.wantStatus, tt.wantCode)
			}
			if msg, _ := out["error"].(string); msg == "" {
				t.Errorf("no error message: %v", out)
			}
		})
	}
	// nothing above may leave state behind
	keys, err := ts.env.Redis.Keys(context.Background(), ts.env.Keys.Prefix+"*").Result()
	if err != nil || len(keys) != 0 {
		t.Errorf("bad requests left keys in Redis: %v %v", keys, err)
	}
}

// TestMessageIDsOfDifferentUsersNeverMeet: the dedupe key keeps user and
// message id apart however they are spelt, so no business's message is
// taken for another's retry.
func TestMessageIDsOfDifferentUsersNeverMeet(t *testing.T) {
	ts := newTestServer(t, bottest.Options{})
	pairs := [][2]map[string]string{
		{{"user": "col", "msg_id": "x:1"}, {"user": "col:x", "msg_id": "1"}},
		{{"user": "a b", "msg_id": "1"}, {"user": "a_b", "msg_id": "1"}},
	}
	for _, p := range pairs {
		t.Run(p[0]["user"]+"|"+p[1]["user"], func(t *testing.T) {
			texts := []string{"你好", "研发费用加计扣除怎么享受"}
			for i, m := range p {
				m["region"], m["text"] = "河池市", texts[i]
				code, out := ts.post(t, m)
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

// TestMethodsAndEchoes: a wrong method is a 405, and no error quotes more
// than a short prefix of what the client sent.
func TestMethodsAndEchoes(t *testing.T) {
	ts := newTestServer(t, bottest.Options{})
	for _, m := range []string{"PUT", "DELETE", "PATCH"} {
		code, h, out := ts.do(t, m, "/api/v1/messages", testKey, "application/json", []byte(`{}`))
		if code != http.StatusMethodNotAllowed || out["code"] != "method_not_allowed" {
			t.Errorf("%s /api/v1/messages = %d %v, want 405", m, code, out)
		}
		if allow := h.Get("Allow"); !strings.Contains(allow, "POST") || !strings.Contains(allow, "GET") {
			t.Errorf("%s /api/v1/messages: Allow = %q, want GET and POST named", m, allow)
		}
	}
	region := strings.Repeat("区", 10000)
	b, _ := json.Marshal(map[string]string{"user": "u-echo", "region": region, "text": "你好"})
	code, _, out := ts.do(t, "POST", "/api/v1/messages", testKey, "application/json", b)
	msg, _ := out["error"].(string)
	if code != 400 || len([]rune(msg)) > 200 {
		t.Errorf("unknown 10,000-rune region: %d, error of %d runes", code, len([]rune(msg)))
	}
	cursor := strings.Repeat("9", 5000) + "-0"
	code, _, out = ts.do(t, "GET", "/api/v1/messages?user=u-echo&after="+cursor, testKey, "", nil)
	if msg, _ := out["error"].(string); code != 400 || strings.Contains(msg, strings.Repeat("9", 100)) {
		t.Errorf("long cursor: %d %q", code, msg)
	}
}

func TestRateLimit(t *testing.T) {
	ts := newTestServer(t, bottest.Options{Config: bot.Config{UserRate: bot.Rate{PerSecond: 0.01, Burst: 2}}})
	msg := map[string]string{"user": "u-rl", "region": "河池市", "text": "你好"}
	for i := 0; i < 2; i++ {
		if code, out := ts.post(t, msg); code != 200 {
			t.Fatalf("message %d: %d %v", i, code, out)
		}
	}
	b, _ := json.Marshal(msg)
	code, h, out := ts.do(t, "POST", "/api/v1/messages", testKey, "application/json", b)
	if code != http.StatusTooManyRequests || out["code"] != "rate_limited" || h.Get("Retry-After") == "" {
		t.Errorf("third message: %d %v Retry-After=%q", code, out, h.Get("Retry-After"))
	}
	other := map[string]string{"user": "u-other", "region": "河池市", "text": "你好"}
	if code, _ := ts.post(t, other); code != 200 {
		t.Errorf("another user was limited too: %d", code)
	}
}

func TestOutbox(t *testing.T) {
	ts := newTestServer(t, bottest.Options{})
	code, out := ts.post(t, map[string]string{"user": "u-ob", "region": "红谷滩区", "text": "不想跟机器人聊了,帮我转人工客服"})
	if code != 200 || out["handoff"] != true {
		t.Fatalf("hand-off: %d %v", code, out)
	}
	id := out["ticket"].(map[string]any)["id"].(string)
	ctx := context.Background()
	if _, err := ts.env.Engine.StaffReply(ctx, "demo", id, "staff-a", "您好,我是政务服务小哥,请讲。"); err != nil {
		t.Fatal(err)
	}
	code, _, list := ts.do(t, "GET", "/api/v1/messages?user=u-ob", testKey, "", nil)
	if code != 200 {
		t.Fatalf("outbox: %d %v", code, list)
	}
	msgs := list["messages"].([]any)
	if len(msgs) != 1 || msgs[0].(map[string]any)["from"] != "staff" {
		t.Fatalf("outbox = %v", msgs)
	}
	cursor := list["cursor"].(string)
	_, _, next := ts.do(t, "GET", "/api/v1/messages?user=u-ob&after="+cursor, testKey, "", nil)
	if n := len(next["messages"].([]any)); n != 0 {
		t.Errorf("after cursor: %d messages, want 0", n)
	}
	for _, bad := range []string{"/api/v1/messages", "/api/v1/messages?user=u&after=abc", "/api/v1/messages?user=u&limit=9999",
		"/api/v1/messages?user=u-ob&after=99999999999999999999-0", "/api/v1/messages?user=u-ob&after=1-99999999999999999999"} {
		if code, _, _ := ts.do(t, "GET", bad, testKey, "", nil); code != 400 {
			t.Errorf("GET %s: %d, want 400", bad, code)
		}
	}
}

func TestHealthAndMetrics(t *testing.T) {
	ts := newTestServer(t, bottest.Options{})
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 200, "/nope": 404} {
		if code, _, _ := ts.do(t, "GET", path, "", "", nil); code != want {
			t.Errorf("GET %s = %d, want %d", path, code, want)
		}
	}
	ts.post(t, map[string]string{"user": "u-m", "text": "你好", "region": "徐州市"})
	resp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"frontdoor_http_requests_total", "frontdoor_http_request_duration_seconds", "frontdoor_http_rejected_total"} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestRedisDown: while Redis is away readyz is red and messages get 503
// with Retry-After; when it returns the server recovers without a restart.
// The client is built as the server builds it, breaker included (its own
// test shows that commands are refused without waiting).
func TestRedisDown(t *testing.T) {
	rs := storetest.StartServer(t)
	rdb, err := storetest.Open(context.Background(), rs.URL()+"?dial_timeout=200ms&read_timeout=200ms")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	ts := newTestServer(t, bottest.Options{Redis: rdb})
	msg := map[string]string{"user": "u-down", "region": "河池市", "text": "研发费用加计扣除怎么享受"}
	if code, out := ts.post(t, msg); code != 200 {
		t.Fatalf("before outage: %d %v", code, out)
	}
	rs.Stop()
	if code, _, _ := ts.do(t, "GET", "/readyz", "", "", nil); code != http.StatusServiceUnavailable {
		t.Errorf("readyz during outage = %d, want 503", code)
	}
	complaint, _ := json.Marshal(map[string]string{"user": "u-down", "region": "河池市",
		"text": "窗口工作人员态度恶劣,材料被退回五次,严重影响生产,我要投诉"})
	b, _ := json.Marshal(msg)
	for i, body := range [][]byte{b, complaint, b, complaint, b} {
		code, h, out := ts.do(t, "POST", "/api/v1/messages", testKey, "application/json", body)
		if code != http.StatusServiceUnavailable || out["code"] != "store_unavailable" || h.Get("Retry-After") == "" {
			t.Errorf("message %d during outage: %d %v", i, code, out)
		}
	}
	if code, _, _ := ts.do(t, "GET", "/readyz", "", "", nil); code != http.StatusServiceUnavailable {
		t.Errorf("readyz later in the outage = %d, want 503", code)
	}
	rs.Start()
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, out := ts.post(t, msg)
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("did not recover: %d %v", code, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, _, _ := ts.do(t, "GET", "/readyz", "", "", nil); code != 200 {
		t.Errorf("readyz after recovery = %d", code)
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
	ts := newTestServer(f, bottest.Options{})
	f.Fuzz(func(t *testing.T, body []byte) {
		code, _, out := ts.do(t, "POST", "/api/v1/messages", testKey, "application/json", body)
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
	ts := newTestServer(t, bottest.Options{Config: bot.Config{ClaimTTL: 300 * time.Millisecond}})
	key := ts.env.Keys.Tenant("demo", "msg", "u-held", "m-held")
	if err := ts.env.Redis.Set(context.Background(), key, "pending:another-replica", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"user": "u-held", "region": "朝阳区", "msg_id": "m-held", "text": "你好"})
	code, hdr, out := ts.do(t, "POST", "/api/v1/messages", testKey, "application/json", body)
	if code != http.StatusConflict || out["code"] != "message_in_progress" || hdr.Get("Retry-After") != "1" {
		t.Fatalf("status %d, Retry-After %q: %v", code, hdr.Get("Retry-After"), out)
	}
}

// TestMetricsAccess: /metrics asks for its key when one is set, and is
// absent from the main listener when a listener of its own serves it.
func TestMetricsAccess(t *testing.T) {
	env := bottest.New(t, bottest.Options{})
	const key = "metrics-9f86d081884c7d65"
	tests := []struct {
		name   string
		access MetricsAccess
		auth   string
		want   int
	}{
		{"open", MetricsAccess{}, "", 200},
		{"key missing", MetricsAccess{Key: key}, "", 401},
		{"key wrong", MetricsAccess{Key: key}, "Bearer nope", 401},
		{"key right", MetricsAccess{Key: key}, "Bearer " + key, 200},
		{"elsewhere", MetricsAccess{Elsewhere: true}, "Bearer " + key, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := New(Deps{Engine: env.Engine, Metrics: tt.access, Registry: prometheus.NewRegistry(),
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			req := httptest.NewRequest("GET", "/metrics", nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Errorf("GET /metrics = %d, want %d", rec.Code, tt.want)
			}
			if tt.access.Elsewhere {
				rec := httptest.NewRecorder()
				srv.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
				if rec.Code != 200 || !strings.Contains(rec.Body.String(), "frontdoor_http") {
					t.Errorf("the metrics listener's handler = %d", rec.Code)
				}
			}
		})
	}
}
