package httpkit

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"io"
	"log/slog"

	"frontdoor/bot/fault"
)

// serve runs the handler behind a kit's middleware, with a 16-byte body
// limit, and returns the recorded answer.
func serve(t *testing.T, handler func(k *Kit) Handler, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	k := New(slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry(), 16)
	r := gin.New()
	r.Use(k.Middleware()...)
	r.Any("/x", k.Wrap(handler(k)))
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	return rec
}

func fails(err error) func(*Kit) Handler {
	return func(*Kit) Handler { return func(*gin.Context) error { return err } }
}

func TestWrapMapsFaults(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		code   string
		retry  string
	}{
		{"invalid", fault.Invalidf("bad_x", "x is bad"), 400, "bad_x", ""},
		{"rate limited", fault.New(fault.RateLimited, "rate_limited", "slow down"), 429, "rate_limited", "1"},
		{"retry after", &fault.Error{Kind: fault.Conflict, Code: "busy", Msg: "busy", RetryAfter: 2500 * time.Millisecond}, 409, "busy", "3"},
		{"unavailable", fault.New(fault.Unavailable, "store_unavailable", "later"), 503, "store_unavailable", "1"},
		{"not allowed", ErrNoMethod, 405, "method_not_allowed", ""},
		{"our bug", errors.New("secret cause"), 500, "internal", ""},
		{"oversized body", &http.MaxBytesError{Limit: 16}, 413, "body_too_large", ""},
		{"long message", fault.New(fault.Invalid, "long", strings.Repeat("长", 1000)), 400, "long", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(t, fails(tt.err), httptest.NewRequest("GET", "/x", nil))
			var body errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("not JSON: %s", rec.Body)
			}
			if rec.Code != tt.status || body.Code != tt.code || rec.Header().Get("Retry-After") != tt.retry {
				t.Errorf("= %d %q Retry-After %q, want %d %q %q", rec.Code, body.Code, rec.Header().Get("Retry-After"),
					tt.status, tt.code, tt.retry)
			}
			if body.RequestID == "" || body.RequestID != rec.Header().Get("X-Request-ID") {
				t.Errorf("request id %q, header %q", body.RequestID, rec.Header().Get("X-Request-ID"))
			}
			if strings.Contains(body.Error, "secret") || len([]rune(body.Error)) > maxErrorRunes+1 { // the cut is marked with "…"
				t.Errorf("error says too much: %q", body.Error)
			}
		})
	}
}

func TestPanicIsA500(t *testing.T) {
	rec := serve(t, func(*Kit) Handler { return func(*gin.Context) error { panic("boom") } }, httptest.NewRequest("GET", "/x", nil))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "boom") {
		t.Errorf("= %d %s", rec.Code, rec.Body)
	}
}

func TestReadJSON(t *testing.T) {
	tests := []struct {
		name, ctype, body, code string
	}{
		{"good", "application/json", `{"a":"b"}`, ""},
		{"with charset", "application/json; charset=utf-8", `{"a":"b"}`, ""},
		{"form", "application/x-www-form-urlencoded", `a=b`, "not_json"},
		{"empty", "application/json", ` `, "empty_body"},
		{"broken", "application/json", `{"a":`, "malformed_json"},
		{"wrong type", "application/json", `{"a":1}`, "malformed_json"},
		{"trailing", "application/json", `{"a":"b"} {}`, "malformed_json"},
		{"too large", "application/json", `{"a":"bbbbbbbbbbbbbbbbbbbb"}`, "body_too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			echo := func(k *Kit) Handler {
				return func(c *gin.Context) error {
					var v struct {
						A string `json:"a"`
					}
					if err := k.ReadJSON(c, &v); err != nil {
						return err
					}
					c.JSON(200, v)
					return nil
				}
			}
			req := httptest.NewRequest("POST", "/x", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", tt.ctype)
			rec := serve(t, echo, req)
			var body errorBody
			_ = json.Unmarshal(rec.Body.Bytes(), &body)
			if body.Code != tt.code {
				t.Errorf("= %d %s, want code %q", rec.Code, rec.Body, tt.code)
			}
		})
	}
}

func TestBearer(t *testing.T) {
	tests := []struct {
		header, token string
		ok            bool
	}{
		{"Bearer abc", "abc", true},
		{"bearer  abc ", "abc", true},
		{"Bearer ", "", false},
		{"Basic abc", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			c, _ := gin.CreateTestContext(httptest.NewRecorder())
			c.Request = httptest.NewRequest("GET", "/", nil)
			c.Request.Header.Set("Authorization", tt.header)
			if tok, ok := Bearer(c); tok != tt.token || ok != tt.ok {
				t.Errorf("= %q %v", tok, ok)
			}
			if Presents(c, "abc") != (tt.ok && tt.token == "abc") {
				t.Errorf("Presents disagrees")
			}
		})
	}
}
