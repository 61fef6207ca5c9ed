package dial_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"frontdoor/bot/store"
	"frontdoor/bot/store/dial"
	"frontdoor/bot/store/storetest"
)

const secret = "s3cr3t-Pw"

func TestOpen(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		wantErr bool
	}{
		{"the test redis", storetest.URL(), false},
		{"nothing listening", "redis://:" + secret + "@127.0.0.1:" + storetest.ClosedPort(t) + "?dial_timeout=200ms", true},
	}
	for _, tt := range tests {
		for _, s := range []dial.Settings{{AutoPipeline: false}, {AutoPipeline: true}} {
			t.Run(fmt.Sprintf("%s/autopipeline=%v", tt.name, s.AutoPipeline), func(t *testing.T) {
				testOpen(t, tt.url, s, tt.wantErr)
			})
		}
	}
}

func testOpen(t *testing.T, url string, s dial.Settings, wantErr bool) {
	ctx := context.Background()
	conn, err := dial.Open(ctx, url, s)
	if conn == nil {
		t.Fatalf("Open returned no connection (err %v)", err)
	}
	t.Cleanup(func() { conn.Close() })
	if (err != nil) != wantErr {
		t.Fatalf("Open error = %v, want error %v", err, wantErr)
	}
	if err != nil {
		if !store.IsUnavailable(err) {
			t.Errorf("store.IsUnavailable(%v) = false, want true", err)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q reveals the password", err)
		}
		return
	}
	key := store.Keys{Prefix: "fdtest-open-" + storetest.ClosedPort(t)}.Tenant("demo", "open")
	c := conn.Client()
	t.Cleanup(func() { c.Del(context.Background(), key) })
	if err := c.Set(ctx, key, "ok", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Get(ctx, key).Result(); err != nil || got != "ok" {
		t.Errorf("GET = %q, %v", got, err)
	}
}

func TestOpenRejectsBadURL(t *testing.T) {
	conn, err := dial.Open(context.Background(), "http://localhost", dial.Settings{})
	if conn != nil || err == nil {
		t.Fatalf("Open(http://…) = %v, %v; want no connection and an error", conn, err)
	}
	if _, err := dial.Inspect("http://localhost"); err == nil {
		t.Error("Inspect accepted an http URL")
	}
	if _, err := dial.Inspect(storetest.URL()); err != nil {
		t.Errorf("Inspect(%s) = %v", dial.Redact(storetest.URL()), err)
	}
}

func TestListen(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := dial.Open(ctx, storetest.URL(), dial.Settings{AutoPipeline: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	channel := "fdtest-listen-" + storetest.ClosedPort(t)

	msgs, stop, err := conn.Listen(ctx, channel)
	if err != nil {
		t.Fatal(err)
	}
	// Listen returns only once subscribed, so this first message is not lost.
	for _, want := range []string{"one", "two"} {
		if err := conn.Client().Publish(ctx, channel, want).Err(); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-msgs:
			if got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		case <-ctx.Done():
			t.Fatalf("no message %q", want)
		}
	}
	stop()
	stop() // a second stop is harmless
	select {
	case _, ok := <-msgs:
		if ok {
			t.Error("a message after stop")
		}
	case <-ctx.Done():
		t.Fatal("the channel did not close after stop")
	}
}

func TestListenEndsWithContext(t *testing.T) {
	conn, err := dial.Open(context.Background(), storetest.URL(), dial.Settings{AutoPipeline: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	msgs, stop, err := conn.Listen(ctx, "fdtest-listen-ctx-"+storetest.ClosedPort(t))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	cancel()
	select {
	case _, ok := <-msgs:
		if ok {
			t.Error("a message on a channel nobody published to")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the channel did not close when ctx ended")
	}
}

func TestInspect(t *testing.T) {
	tests := []struct {
		name string
		url  string
		want dial.Shape
	}{
		{"single node", "redis://127.0.0.1:6379/0", dial.Shape{ReadTimeout: 2 * time.Second}},
		{"sentinel with a read timeout", "redis+sentinel://s1,s2/mymaster?read_timeout=800ms", dial.Shape{ReadTimeout: 800 * time.Millisecond}},
		{"cluster", "rediss+cluster://n1:7000,n2:7001", dial.Shape{Cluster: true, ReadTimeout: 2 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := dial.Inspect(tt.url)
			if err != nil || got != tt.want {
				t.Errorf("Inspect(%q) = %+v, %v; want %+v", tt.url, got, err, tt.want)
			}
		})
	}
	if _, err := dial.Inspect("http://localhost"); err == nil {
		t.Error("Inspect accepted an http URL")
	}
}
