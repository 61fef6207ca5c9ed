package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestHealthCommand(t *testing.T) {
	var status atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(int(status.Load()))
		w.Write([]byte(`{"status":"redis: connection refused"}`))
	}))
	defer ts.Close()
	tests := []struct {
		name   string
		status int
		url    string
		code   int
		says   string
	}{
		{"ready", http.StatusOK, ts.URL + "/readyz", 0, "ready"},
		{"not ready", http.StatusServiceUnavailable, ts.URL + "/readyz", 1, "503 Service Unavailable"},
		{"nothing listening", http.StatusOK, "http://127.0.0.1:1/readyz", 1, "not ready"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status.Store(int32(tt.status))
			var out, errw bytes.Buffer
			code := run([]string{"health", "--url", tt.url, "--timeout", "1s"}, &out, &errw)
			if code != tt.code || !strings.Contains(out.String()+errw.String(), tt.says) {
				t.Errorf("exit %d, printed %q %q; want %d and %q", code, out.String(), errw.String(), tt.code, tt.says)
			}
		})
	}
}
