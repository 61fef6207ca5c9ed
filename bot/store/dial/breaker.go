package dial

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/store"
)

// Breaker makes commands fail at once while Redis cannot be reached.
// Without it every request during an outage waits out a dial or read
// timeout and the client's retries (two seconds and more) before its 503,
// holding a connection and a goroutine the whole time. Once a dial fails
// or a reply times out the breaker opens: commands fail with
// store.ErrUnreachable without touching the network, and one background
// probe pings Redis, more slowly the longer it stays away, until a ping
// answers and the breaker closes. No client request is spent as a probe.
type Breaker struct {
	open atomic.Bool
	// ping reaches Redis past the breaker.
	ping func(ctx context.Context) error

	mu      sync.Mutex
	probing bool
	// Probe bounds the probe's waits; tests shorten them.
	Probe ProbeTimes
}

// ProbeTimes are the probe's first pause, its longest pause and how long
// one ping may take.
type ProbeTimes struct {
	First, Max, Ping time.Duration
}

// DefaultProbe pings 50 ms after the failure, then backs off to one ping a
// second: an outage of a few seconds is noticed ending within 1 s.
var DefaultProbe = ProbeTimes{First: 50 * time.Millisecond, Max: time.Second, Ping: 500 * time.Millisecond}

// bypass marks the probe's own commands, which must reach Redis while the
// breaker is open.
type bypass struct{}

// NewBreaker returns a closed breaker that probes through ping.
func NewBreaker(ping func(ctx context.Context) error) *Breaker {
	return &Breaker{ping: ping, Probe: DefaultProbe}
}

// Open reports whether commands are being refused.
func (b *Breaker) Open() bool { return b.open.Load() }

// DialHook implements redis.Hook. It only watches: the pool dials on
// contexts of its own, so refusing is left to the command hooks, which
// can tell the probe's commands from the rest.
func (b *Breaker) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := next(ctx, network, addr)
		if err != nil && ctx.Err() == nil {
			b.trip()
		}
		return conn, err
	}
}

// ProcessHook implements redis.Hook.
func (b *Breaker) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if b.refuse(ctx) {
			cmd.SetErr(store.ErrUnreachable)
			return store.ErrUnreachable
		}
		err := next(ctx, cmd)
		b.judge(ctx, err)
		return err
	}
}

// ProcessPipelineHook implements redis.Hook. A refused batch fails every
// command in it, so that none reads as an empty success.
func (b *Breaker) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if b.refuse(ctx) {
			for _, c := range cmds {
				c.SetErr(store.ErrUnreachable)
			}
			return store.ErrUnreachable
		}
		err := next(ctx, cmds)
		b.judge(ctx, err)
		return err
	}
}

func (b *Breaker) refuse(ctx context.Context) bool {
	return b.open.Load() && ctx.Value(bypass{}) == nil
}

// judge opens the breaker on a reply that timed out on its own: one the
// caller's deadline cut short says nothing about Redis. Refused and reset
// connections are left to the dial that follows them, which go-redis's
// retry makes at once.
func (b *Breaker) judge(ctx context.Context, err error) {
	if err == nil || ctx.Err() != nil || errors.Is(err, store.ErrUnreachable) {
		return
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, redis.ErrPoolTimeout) {
		b.trip()
	}
}

// trip opens the breaker and starts the probe, once.
func (b *Breaker) trip() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.open.Store(true)
	if b.probing {
		return
	}
	b.probing = true
	go b.probe()
}

// probe pings until Redis answers, then closes the breaker.
func (b *Breaker) probe() {
	wait := b.Probe.First
	for {
		time.Sleep(wait)
		ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), bypass{}, true), b.Probe.Ping)
		err := b.ping(ctx)
		cancel()
		if errors.Is(err, redis.ErrClosed) {
			return // the client is closed: nobody is left to serve
		}
		if err == nil {
			b.mu.Lock()
			b.open.Store(false)
			b.probing = false
			b.mu.Unlock()
			return
		}
		wait = min(2*wait, b.Probe.Max)
	}
}
