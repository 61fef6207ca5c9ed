package store_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"frontdoor/bot/store"
	"frontdoor/bot/store/storetest"
)

// replyError stands in for a server reply; go-redis keeps its own type internal.
type replyError string

func (e replyError) Error() string { return string(e) }
func (replyError) RedisError()     {}

func TestIsUnavailableSynthetic(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"redis.Nil", redis.Nil, false},
		{"wrapped redis.Nil", fmt.Errorf("get ticket: %w", redis.Nil), false},
		{"plain error", errors.New("boom"), false},
		{"context canceled", context.Canceled, false},
		{"deadline exceeded", context.DeadlineExceeded, true},
		{"wrapped deadline", fmt.Errorf("save: %w", context.DeadlineExceeded), true},
		{"eof", io.EOF, true},
		{"unexpected eof", io.ErrUnexpectedEOF, true},
		{"connection refused", syscall.ECONNREFUSED, true},
		{"connection reset", &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, true},
		{"broken pipe", fmt.Errorf("write: %w", syscall.EPIPE), true},
		{"net timeout", os.ErrDeadlineExceeded, true},
		{"dns error", &net.DNSError{Err: "no such host", Name: "redis.invalid", IsNotFound: true}, true},
		{"client closed", redis.ErrClosed, true},
		{"pool timeout", redis.ErrPoolTimeout, true},
		{"pool exhausted", redis.ErrPoolExhausted, true},
		{"no sentinel answers", errors.New("redis: all sentinels specified in configuration are unreachable"), true},
		{"no cluster node", fmt.Errorf("get: %w", errors.New("redis: cluster has no nodes")), true},
		{"loading", replyError("LOADING Redis is loading the dataset in memory"), true},
		{"readonly", replyError("READONLY You can't write against a read only replica."), true},
		{"masterdown", replyError("MASTERDOWN Link with MASTER is down"), true},
		{"clusterdown", replyError("CLUSTERDOWN The cluster is down"), true},
		{"tryagain", fmt.Errorf("eval: %w", replyError("TRYAGAIN Multiple keys request during rehashing of slot")), true},
		{"wrongtype", replyError("WRONGTYPE Operation against a key holding the wrong kind of value"), false},
		{"noscript", redis.ErrNoScript, false},
		{"err", replyError("ERR unknown command 'FOO'"), false},
		{"script error", replyError("ERR user_script:1: Script attempted to access nonexistent global variable"), false},
		{"prefix is a whole word", replyError("LOADINGX not a real reply"), false},
		{"text without reply type", errors.New("LOADING but not from a server"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := store.IsUnavailable(tt.err); got != tt.want {
				t.Errorf("IsUnavailable(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestIsUnavailableReal(t *testing.T) {
	mr := miniredis.RunT(t)
	tests := []struct {
		name string
		do   func(ctx context.Context) error
		want bool
	}{
		{
			name: "dial a closed port",
			do: func(ctx context.Context) error {
				c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + storetest.ClosedPort(t), MaxRetries: -1})
				defer c.Close()
				return c.Ping(ctx).Err()
			},
			want: true,
		},
		{
			name: "server never answers",
			do: func(ctx context.Context) error {
				addr := silentServer(t)
				c := redis.NewClient(&redis.Options{Addr: addr, ReadTimeout: 100 * time.Millisecond, MaxRetries: -1})
				defer c.Close()
				return c.Ping(ctx).Err()
			},
			want: true,
		},
		{
			name: "context deadline",
			do: func(ctx context.Context) error {
				addr := silentServer(t)
				c := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true, MaxRetries: -1})
				defer c.Close()
				ctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
				defer cancel()
				return c.Ping(ctx).Err()
			},
			want: true,
		},
		{
			name: "closed client",
			do: func(ctx context.Context) error {
				c := redis.NewClient(&redis.Options{Addr: mr.Addr()})
				c.Close()
				return c.Ping(ctx).Err()
			},
			want: true,
		},
		{
			name: "server loading",
			do: func(ctx context.Context) error {
				mr.SetError("LOADING Redis is loading the dataset in memory")
				defer mr.SetError("")
				return withClient(mr, func(c *redis.Client) error { return c.Get(ctx, "k").Err() })
			},
			want: true,
		},
		{
			name: "missing key",
			do: func(ctx context.Context) error {
				return withClient(mr, func(c *redis.Client) error { return c.Get(ctx, "missing").Err() })
			},
			want: false,
		},
		{
			name: "wrong type",
			do: func(ctx context.Context) error {
				return withClient(mr, func(c *redis.Client) error {
					c.Set(ctx, "str", "v", 0)
					return c.LPush(ctx, "str", "x").Err()
				})
			},
			want: false,
		},
		{
			name: "unknown script",
			do: func(ctx context.Context) error {
				return withClient(mr, func(c *redis.Client) error {
					return c.EvalSha(ctx, "0000000000000000000000000000000000000000", nil).Err()
				})
			},
			want: false,
		},
		{
			name: "script error",
			do: func(ctx context.Context) error {
				return withClient(mr, func(c *redis.Client) error {
					return c.Eval(ctx, "return redis.call('INCR', KEYS[1])", []string{"str"}).Err()
				})
			},
			want: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do(context.Background())
			if err == nil {
				t.Fatal("got no error")
			}
			if got := store.IsUnavailable(err); got != tt.want {
				t.Errorf("IsUnavailable(%v) = %v, want %v", err, got, tt.want)
			}
		})
	}
}

func withClient(mr *miniredis.Miniredis, do func(*redis.Client) error) error {
	c := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
	defer c.Close()
	return do(c)
}

// silentServer accepts connections and never replies, like a hung Redis.
func silentServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { conn.Close() })
		}
	}()
	return l.Addr().String()
}
