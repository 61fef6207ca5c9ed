// Package handlertest serves the handlers' tests: the real router on a
// real engine and Redis, a headless browser, and a stand-in for the WeChat
// and WeCom platforms with the callbacks they send.
package handlertest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"frontdoor/bot/bottest"
	"frontdoor/handlers"
	"frontdoor/handlers/api"
)

// Key is the demo tenant's API key in every test server.
const Key = "dev-key"

// Quiet is a logger that writes nowhere.
func Quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// Server is the real router served over HTTP.
type Server struct {
	*httptest.Server
	Env *bottest.Env
}

// Deps are the router's dependencies on env with the demo tenant's key,
// a readiness check on its Redis and a fresh registry; tests change them
// before building a server.
func Deps(env *bottest.Env) handlers.Deps {
	return handlers.Deps{Engine: env.Engine, API: api.Deps{Tenants: []api.Tenant{{ID: "demo", APIKey: Key}}},
		Ready:    func(ctx context.Context) error { return env.Redis.Ping(ctx).Err() },
		Registry: prometheus.NewRegistry(), Logger: Quiet()}
}

// New drives the real router over HTTP, backed by a real Redis; with
// changes the dependencies first (to add the console, say).
func New(t testing.TB, opts bottest.Options, with ...func(*handlers.Deps, *bottest.Env)) *Server {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	env := bottest.New(t, opts)
	d := Deps(env)
	for _, f := range with {
		f(&d, env)
	}
	ts := httptest.NewServer(handlers.New(d).Handler())
	t.Cleanup(ts.Close)
	return &Server{Server: ts, Env: env}
}

// Do sends a request with an optional bearer key and content type and
// decodes a JSON object answer.
func (s *Server) Do(t testing.TB, method, path, key, contentType string, body []byte) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
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

// Post sends body as a business's message to the JSON API.
func (s *Server) Post(t testing.TB, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	code, _, out := s.Do(t, "POST", "/api/v1/messages", Key, "application/json", b)
	return code, out
}
