package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"frontdoor/bot/bottest"
	"frontdoor/bot/store/storetest"
	"frontdoor/handlers"
	"frontdoor/handlers/handlertest"
)

// TestMethodsAndEchoes: a wrong method is a 405, and no error quotes more
// than a short prefix of what the client sent.
func TestMethodsAndEchoes(t *testing.T) {
	ts := handlertest.New(t, bottest.Options{})
	for _, m := range []string{"PUT", "DELETE", "PATCH"} {
		code, h, out := ts.Do(t, m, "/api/v1/messages", handlertest.Key, "application/json", []byte(`{}`))
		if code != http.StatusMethodNotAllowed || out["code"] != "method_not_allowed" {
			t.Errorf("%s /api/v1/messages = %d %v, want 405", m, code, out)
		}
		if allow := h.Get("Allow"); !strings.Contains(allow, "POST") || !strings.Contains(allow, "GET") {
			t.Errorf("%s /api/v1/messages: Allow = %q, want GET and POST named", m, allow)
		}
	}
	region := strings.Repeat("区", 10000)
	b, _ := json.Marshal(map[string]string{"user": "u-echo", "region": region, "text": "你好"})
	code, _, out := ts.Do(t, "POST", "/api/v1/messages", handlertest.Key, "application/json", b)
	msg, _ := out["error"].(string)
	if code != 400 || len([]rune(msg)) > 200 {
		t.Errorf("unknown 10,000-rune region: %d, error of %d runes", code, len([]rune(msg)))
	}
	cursor := strings.Repeat("9", 5000) + "-0"
	code, _, out = ts.Do(t, "GET", "/api/v1/messages?user=u-echo&after="+cursor, handlertest.Key, "", nil)
	if msg, _ := out["error"].(string); code != 400 || strings.Contains(msg, strings.Repeat("9", 100)) {
		t.Errorf("long cursor: %d %q", code, msg)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	ts := handlertest.New(t, bottest.Options{})
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 200, "/nope": 404} {
		if code, _, _ := ts.Do(t, "GET", path, "", "", nil); code != want {
			t.Errorf("GET %s = %d, want %d", path, code, want)
		}
	}
	ts.Post(t, map[string]string{"user": "u-m", "text": "你好", "region": "徐州市"})
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
	ts := handlertest.New(t, bottest.Options{Redis: rdb})
	msg := map[string]string{"user": "u-down", "region": "河池市", "text": "研发费用加计扣除怎么享受"}
	if code, out := ts.Post(t, msg); code != 200 {
		t.Fatalf("before outage: %d %v", code, out)
	}
	rs.Stop()
	if code, _, _ := ts.Do(t, "GET", "/readyz", "", "", nil); code != http.StatusServiceUnavailable {
		t.Errorf("readyz during outage = %d, want 503", code)
	}
	complaint, _ := json.Marshal(map[string]string{"user": "u-down", "region": "河池市",
		"text": "窗口工作人员态度恶劣,材料被退回五次,严重影响生产,我要投诉"})
	b, _ := json.Marshal(msg)
	for i, body := range [][]byte{b, complaint, b, complaint, b} {
		code, h, out := ts.Do(t, "POST", "/api/v1/messages", handlertest.Key, "application/json", body)
		if code != http.StatusServiceUnavailable || out["code"] != "store_unavailable" || h.Get("Retry-After") == "" {
			t.Errorf("message %d during outage: %d %v", i, code, out)
		}
	}
	if code, _, _ := ts.Do(t, "GET", "/readyz", "", "", nil); code != http.StatusServiceUnavailable {
		t.Errorf("readyz later in the outage = %d, want 503", code)
	}
	rs.Start()
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, out := ts.Post(t, msg)
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("did not recover: %d %v", code, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, _, _ := ts.Do(t, "GET", "/readyz", "", "", nil); code != 200 {
		t.Errorf("readyz after recovery = %d", code)
	}
}

// TestMetricsAccess: /metrics asks for its key when one is set, and is
// absent from the main listener when a listener of its own serves it.
func TestMetricsAccess(t *testing.T) {
	env := bottest.New(t, bottest.Options{})
	const key = "metrics-9f86d081884c7d65"
	tests := []struct {
		name   string
		access handlers.MetricsAccess
		auth   string
		want   int
	}{
		{"open", handlers.MetricsAccess{}, "", 200},
		{"key missing", handlers.MetricsAccess{Key: key}, "", 401},
		{"key wrong", handlers.MetricsAccess{Key: key}, "Bearer nope", 401},
		{"key right", handlers.MetricsAccess{Key: key}, "Bearer " + key, 200},
		{"elsewhere", handlers.MetricsAccess{Elsewhere: true}, "Bearer " + key, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := handlers.New(handlers.Deps{Engine: env.Engine, Metrics: tt.access, Registry: prometheus.NewRegistry(),
				Logger: handlertest.Quiet()})
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
