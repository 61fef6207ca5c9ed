// Package storetest gives tests a real Redis: the one REDIS_URL names, or
// the local default, with a key prefix of the test's own that is deleted
// when the test ends. Tests never talk to a mock of Redis.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/store"
	"frontdoor/bot/store/dial"
)

// DefaultURL is used when REDIS_URL is not set.
const DefaultURL = "redis://127.0.0.1:6379/0"

// URL is the Redis tests use.
func URL() string {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// Client connects to the test Redis and returns keys under a fresh prefix;
// every key under it is deleted when the test ends. A Redis that cannot be
// reached fails the test: run `make test`, which starts one.
func Client(t testing.TB) (redis.UniversalClient, store.Keys) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rdb, err := Open(ctx, URL())
	if err != nil {
		t.Fatalf("tests need a real Redis at %s (set REDIS_URL or run `make test`): %v", dial.Redact(URL()), err)
	}
	keys := store.Keys{Prefix: "fdtest-" + randomID()}
	t.Cleanup(func() {
		Clean(rdb, keys.Prefix)
		_ = rdb.Close()
	})
	return rdb, keys
}

// Open connects to url as dial.Open does but returns the whole client, for
// tests that reach past the stores (Cluster nodes, INFO, scripts of their
// own). Unlike dial.Open it returns no client when the ping fails.
func Open(ctx context.Context, url string) (redis.UniversalClient, error) {
	opts, err := dial.Options(url)
	if err != nil {
		return nil, err
	}
	rdb := dial.NewClient(opts)
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, err
	}
	return rdb, nil
}

// Clean deletes every key under a prefix, on every master of a Cluster.
func Clean(rdb redis.UniversalClient, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	del := func(ctx context.Context, c *redis.Client) error {
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
		return iter.Err()
	}
	switch c := rdb.(type) {
	case *redis.ClusterClient:
		_ = c.ForEachMaster(ctx, del)
	case *redis.Client:
		_ = del(ctx, c)
	}
}

func randomID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Server is a redis-server process of a test's own, which the test can stop
// and start again on the same port and data directory: the outage a
// production Redis goes through in a failover or restart.
type Server struct {
	t    testing.TB
	dir  string
	port int
	cmd  *exec.Cmd
	args []string // beyond the defaults, e.g. --replicaof
}

// StartServer starts a redis-server on a free loopback port; it is stopped
// when the test ends. Tests that need one fail when redis-server is not
// installed (make test installs it).
func StartServer(t testing.TB) *Server {
	t.Helper()
	return startServer(t)
}

// StartReplica starts a redis-server replicating primary and waits until
// it is in sync. It keeps no files of its own: a replica's fsyncs on a
// busy test machine would make WAIT's timing about the disk.
func StartReplica(t testing.TB, primary *Server) *Server {
	t.Helper()
	// A primary waits 5 s for more replicas before a diskless full sync.
	p := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", primary.port)})
	err := p.ConfigSet(context.Background(), "repl-diskless-sync-delay", "0").Err()
	p.Close()
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, "--replicaof", "127.0.0.1", strconv.Itoa(primary.port), "--appendonly", "no")
	if err := AwaitSync(fmt.Sprintf("127.0.0.1:%d", s.port), 5*time.Second); err != nil {
		t.Fatalf("replica on port %d: %v", s.port, err)
	}
	return s
}

// AwaitSync waits until the replica at addr is in sync with its primary.
func AwaitSync(addr string, within time.Duration) error {
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		info, _ := c.Info(context.Background(), "replication").Result()
		if strings.Contains(info, "master_link_status:up") {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("not in sync with its primary after %v", within)
}

func startServer(t testing.TB, args ...string) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatalf("this test needs redis-server on PATH: %v", err)
	}
	port := freePort(t)
	s := &Server{t: t, dir: t.TempDir(), port: port, args: args}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// taken are the ports this process's servers were given. A server stopped
// to play an outage keeps its port, and the kernel may hand the same free
// port to the next server a parallel test starts; the stopped one would
// then come back to find its port answered by another test's Redis.
var taken = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// freePort is a free loopback port no server of this process was given.
func freePort(t testing.TB) int {
	t.Helper()
	taken.Lock()
	defer taken.Unlock()
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !taken.ports[port] {
			taken.ports[port] = true
			return port
		}
	}
	t.Fatal("no free loopback port that no test server had")
	return 0
}

// URL is the server's redis:// URL.
func (s *Server) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", s.port) }

// Start (re)starts the server and waits until it answers.
func (s *Server) Start() {
	s.t.Helper()
	if s.cmd != nil {
		return
	}
	s.cmd = exec.Command("redis-server", append([]string{"--bind", "127.0.0.1", "--port", strconv.Itoa(s.port), "--dir", s.dir,
		"--appendonly", "yes", "--appendfsync", "always", "--save", ""}, s.args...)...)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	// The server that answers must be this one: another program may have
	// taken the port while it was stopped.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", s.port)})
		info, err := c.Info(context.Background(), "server").Result()
		c.Close()
		if err == nil {
			if own := fmt.Sprintf("process_id:%d\r\n", s.cmd.Process.Pid); !strings.Contains(info, own) {
				s.t.Fatalf("port %d is answered by another redis-server, not the one started (pid %d)", s.port, s.cmd.Process.Pid)
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatalf("redis-server on port %d did not start", s.port)
}

// Stop kills the server (as an outage would) and waits for it to exit.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Pause stops the server's process without killing it (SIGSTOP): it
// keeps its connections but answers nothing, like a replica stuck behind
// a slow link, until Resume.
func (s *Server) Pause() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		s.t.Fatal(err)
	}
}

// Resume continues a paused server (SIGCONT). Unlike Pause it may be
// called from any goroutine.
func (s *Server) Resume() {
	if err := s.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		s.t.Errorf("resume redis-server on port %d: %v", s.port, err)
	}
}

// ClosedPort returns a port on 127.0.0.1 that nothing listens on.
func ClosedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	return port
}
