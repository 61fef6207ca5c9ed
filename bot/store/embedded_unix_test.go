//go:build unix

package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/redis/go-redis/v9"
)

func requireRedisServer(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("skipping: redis-server is not on PATH")
	}
	return bin
}

func TestEmbeddedRedisServerKeepsData(t *testing.T) {
	requireRedisServer(t)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")

	first := startEmbedded(t, EmbeddedOptions{Dir: dir})
	if first.Kind != KindRedisServer || !first.Durable || !strings.HasPrefix(first.URL, "redis://127.0.0.1:") {
		t.Fatalf("got Kind %q Durable %v URL %q", first.Kind, first.Durable, first.URL)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode = %v, %v; want 0700", fi.Mode().Perm(), err)
	}
	client := connect(t, first)
	if err := client.Set(ctx, "ticket:42", "issued", 0).Err(); err != nil {
		t.Fatal(err)
	}
	client.Close()
	pid := first.child.cmd.Process.Pid
	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("redis-server pid %d still exists after Close", pid)
	}
	if err := first.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	second := startEmbedded(t, EmbeddedOptions{Dir: dir})
	if got, err := connect(t, second).Get(ctx, "ticket:42").Result(); err != nil || got != "issued" {
		t.Errorf("after restart GET = %q, %v; want \"issued\"", got, err)
	}
}

func TestEmbeddedRedisServerFailures(t *testing.T) {
	bin := requireRedisServer(t)
	script := filepath.Join(t.TempDir(), "broken-redis")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho 'FATAL: broken on purpose' >&2\nexit 1\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	sameDir := filepath.Join(t.TempDir(), "data")
	startEmbedded(t, EmbeddedOptions{Dir: sameDir})

	tests := []struct {
		name string
		opts EmbeddedOptions
		want string
	}{
		{"binary that exits", EmbeddedOptions{Dir: t.TempDir(), Binary: script}, "broken on purpose"},
		{"named binary missing", EmbeddedOptions{Dir: t.TempDir(), Binary: "/nonexistent/redis-server"}, "/nonexistent/redis-server"},
		{"no data dir", EmbeddedOptions{Binary: bin}, "needs EmbeddedOptions.Dir"},
		{"data dir in use", EmbeddedOptions{Dir: sameDir, Binary: bin}, "in use by another process"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Logger = quietLogger()
			e, err := StartEmbedded(context.Background(), tt.opts)
			if err == nil {
				e.Close()
				t.Fatal("StartEmbedded succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestLaunchOnTakenPort(t *testing.T) {
	bin := requireRedisServer(t)
	tests := []struct {
		name  string
		serve func(l net.Listener)
	}{
		// The child cannot bind and says so in its log.
		{"port bound", func(net.Listener) {}},
		// Whatever answers first, the start must not mistake the other
		// server for its own child.
		{"another redis answers", fakeRedis},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			tt.serve(l)
			dir := t.TempDir()
			lock, err := lockDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer lock.release()
			c, err := launch(context.Background(), bin, dir, l.Addr().(*net.TCPAddr).Port, lock)
			if err == nil {
				c.kill()
				t.Fatal("launch succeeded on a taken port")
			}
			if !errors.Is(err, errPortTaken) {
				t.Errorf("error %v is not errPortTaken", err)
			}
		})
	}
}

func TestProbeRejectsForeignRedis(t *testing.T) {
	addr := "127.0.0.1:6379"
	if u := os.Getenv("REDIS_URL"); u != "" {
		opts, err := redis.ParseURL(u)
		if err != nil {
			t.Skipf("REDIS_URL is not a single node: %v", err)
		}
		addr = opts.Addr
	}
	err := probe(context.Background(), addr, os.Getpid())
	if !errors.Is(err, errPortTaken) {
		t.Errorf("probe of a Redis that is not our child = %v, want errPortTaken", err)
	}
}

func TestServerArgs(t *testing.T) {
	got := strings.Join(serverArgs("/d", 7001, "/d/redis.log"), " ")
	want := "--bind 127.0.0.1 --port 7001 --dir /d --appendonly yes --appendfsync always --save  --daemonize no --protected-mode yes --logfile /d/redis.log --stream-node-max-bytes 1024"
	if got != want {
		t.Errorf("serverArgs = %q\nwant %q", got, want)
	}
}

// fakeRedis answers PING and INFO like a Redis with another pid.
func fakeRedis(l net.Listener) {
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				r := bufio.NewReader(conn)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					reply := "+PONG\r\n"
					if strings.HasPrefix(line, "INFO") {
						info := "# Server\r\nprocess_id:1\r\n"
						reply = fmt.Sprintf("$%d\r\n%s\r\n", len(info), info)
					}
					if _, err := io.WriteString(conn, reply); err != nil {
						return
					}
				}
			}()
		}
	}()
}
