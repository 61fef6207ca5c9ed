package dial_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"frontdoor/bot/store"
	"frontdoor/bot/store/dial"
	"frontdoor/bot/store/storetest"
)

// TestBreakerFailsFastWhileRedisIsAway: once Redis is found gone (killed,
// or stopped so that replies time out), commands are refused without
// touching the network — store.ErrUnreachable, which the HTTP layer turns
// into a 503 at once — and when it is back they go through again without
// a restart.
func TestBreakerFailsFastWhileRedisIsAway(t *testing.T) {
	outages := []struct {
		name      string
		down, up  func(*storetest.Server)
		unpausing bool
	}{
		{"killed", (*storetest.Server).Stop, (*storetest.Server).Start, false},
		{"not answering", (*storetest.Server).Pause, (*storetest.Server).Resume, true},
	}
	for _, o := range outages {
		for _, pipelined := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/autopipeline=%v", o.name, pipelined), func(t *testing.T) {
				srv := storetest.StartServer(t)
				if o.unpausing {
					t.Cleanup(func() { srv.Resume() })
				}
				conn, err := dial.Open(context.Background(), srv.URL()+"?read_timeout=300ms&dial_timeout=300ms", dial.Settings{AutoPipeline: pipelined})
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				rdb := conn.Client()
				ctx := context.Background()
				if err := rdb.Set(ctx, "breaker-test", "1", time.Minute).Err(); err != nil {
					t.Fatal(err)
				}

				o.down(srv)
				if err := rdb.Get(ctx, "breaker-test").Err(); !store.IsUnavailable(err) {
					t.Fatalf("first command after the outage: %v, want an outage error", err)
				}
				for i := range 20 {
					err := rdb.Get(ctx, "breaker-test").Err()
					if !errors.Is(err, store.ErrUnreachable) {
						t.Fatalf("command %d during the outage: %v, want it refused without trying (store.ErrUnreachable)", i, err)
					}
				}
				if err := rdb.Eval(ctx, "return 1", nil).Err(); !errors.Is(err, store.ErrUnreachable) {
					t.Errorf("script during the outage: %v, want store.ErrUnreachable", err)
				}

				o.up(srv)
				deadline := time.Now().Add(5 * time.Second)
				for {
					v, err := rdb.Get(ctx, "breaker-test").Result()
					if err == nil && v == "1" {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("Redis is back but commands still fail: %v", err)
					}
					time.Sleep(20 * time.Millisecond)
				}
			})
		}
	}
}

// TestGoRedisLogsThroughSlog: go-redis's complaints arrive as JSON records,
// not as plain-text lines in the middle of the log.
func TestGoRedisLogsThroughSlog(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	dial.UseLogger(slog.New(slog.NewJSONHandler(lockedWriter{&mu, &buf}, nil)))
	// go-redis's logger is one per process and read without a lock, so it
	// is not put back: later tests' messages land in buf, under mu.

	conn, _ := dial.Open(context.Background(), "redis://127.0.0.1:"+storetest.ClosedPort(t)+"?dial_timeout=100ms", dial.Settings{})
	if conn == nil {
		t.Fatal("no connection")
	}
	defer conn.Close()
	_ = conn.Client().Ping(context.Background()).Err()
	mu.Lock()
	defer mu.Unlock()
	if buf.Len() == 0 {
		t.Fatal("go-redis's complaint about a refused dial did not reach the slog logger")
	}
	for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		var rec map[string]any
		if err := json.Unmarshal(line, &rec); err != nil || rec["component"] != "go-redis" {
			t.Errorf("log line %q is not a go-redis JSON record (%v)", line, err)
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
