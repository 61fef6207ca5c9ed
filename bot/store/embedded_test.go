package store

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func quietLogger() *slog.Logger {
	return slog.New(slog.DiscardHandler)
}

func startEmbedded(t *testing.T, opts EmbeddedOptions) *Embedded {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quietLogger()
	}
	e, err := StartEmbedded(context.Background(), opts)
	if err != nil {
		t.Fatalf("StartEmbedded: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func connect(t *testing.T, e *Embedded) redis.UniversalClient {
	t.Helper()
	opts, err := redis.ParseURL(e.URL)
	if err != nil {
		t.Fatalf("ParseURL(%s): %v", e.URL, err)
	}
	client := redis.NewClient(opts)
	t.Cleanup(func() { client.Close() })
	return client
}

func TestEmbeddedMiniredis(t *testing.T) {
	ctx := context.Background()
	e := startEmbedded(t, EmbeddedOptions{Binary: "-"})
	if e.Kind != KindMiniredis || e.Durable {
		t.Fatalf("got Kind %q Durable %v, want miniredis, not durable", e.Kind, e.Durable)
	}
	client := connect(t, e)

	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"ttl expires in real time", func(t *testing.T) {
			if err := client.Set(ctx, "sess:u-1", "v", time.Second).Err(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(1500 * time.Millisecond)
			if n, err := client.Exists(ctx, "sess:u-1").Result(); err != nil || n != 0 {
				t.Errorf("EXISTS after 1.5s = %d, %v; want 0", n, err)
			}
		}},
		{"lua script", func(t *testing.T) {
			script := redis.NewScript("local n = redis.call('INCRBY', KEYS[1], ARGV[1]); return n * 2")
			got, err := script.Run(ctx, client, []string{"counter"}, 21).Int()
			if err != nil || got != 42 {
				t.Errorf("script = %d, %v; want 42", got, err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}

	if err := e.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if conn, err := net.DialTimeout("tcp", strings.TrimPrefix(e.URL, "redis://"), 200*time.Millisecond); err == nil {
		conn.Close()
		t.Error("miniredis still accepts connections after Close")
	}
}

func TestEmbeddedWarnsWhenNotDurable(t *testing.T) {
	var log strings.Builder
	e := startEmbedded(t, EmbeddedOptions{Binary: "-", Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if !strings.Contains(log.String(), "level=WARN") || !strings.Contains(log.String(), "LOST ON RESTART") {
		t.Errorf("log = %q, want a warning that data is lost on restart", log.String())
	}
	if !strings.Contains(log.String(), e.URL) {
		t.Errorf("log = %q, want the URL %s", log.String(), e.URL)
	}
}

func TestStartEmbeddedCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := StartEmbedded(ctx, EmbeddedOptions{Binary: "-"}); !errors.Is(err, context.Canceled) {
		t.Errorf("StartEmbedded with a cancelled context = %v, want context.Canceled", err)
	}
}
