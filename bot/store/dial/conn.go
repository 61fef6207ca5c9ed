package dial

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/store"
)

// Conn is an open Redis connection: commands for the stores, Pub/Sub for
// live feeds, and Close. Its fields name no go-redis client or Pub/Sub type,
// so that packages holding a Conn do not compile their method sets.
type Conn struct {
	client store.Client
	close  func() error
	listen func(ctx context.Context, channel string) (<-chan string, func(), error)
	// primaries is set for a Cluster.
	primaries store.Primaries
}

// Wrap makes a Conn of a client built elsewhere (tests, tools).
func Wrap(rdb redis.UniversalClient) *Conn {
	c := &Conn{client: rdb, close: rdb.Close, listen: func(ctx context.Context, channel string) (<-chan string, func(), error) {
		return listen(ctx, rdb.Subscribe(ctx, channel))
	}}
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		c.primaries = clusterPrimaries{cc}
	}
	return c
}

// ReplicationInfo returns INFO replication of the primary, or of every
// primary of a Cluster.
func (c *Conn) ReplicationInfo(ctx context.Context) ([]string, error) {
	cp, ok := c.primaries.(clusterPrimaries)
	if !ok {
		info, err := c.client.Info(ctx, "replication").Result()
		return []string{info}, err
	}
	var mu sync.Mutex
	var out []string
	err := cp.cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		info, err := node.Info(ctx, "replication").Result()
		mu.Lock()
		out = append(out, info)
		mu.Unlock()
		return err
	})
	return out, err
}

// Primaries finds a key's primary on a Cluster, for writes that wait for
// its replicas (store.Replication); nil for a single node or Sentinel.
func (c *Conn) Primaries() store.Primaries { return c.primaries }

// Settings are what a Conn needs beyond its URL.
type Settings struct {
	// AutoPipeline makes the stores' commands go out as Commands describes.
	AutoPipeline bool
}

// Open connects to the Redis named by rawURL and pings it once, for at most
// two seconds. A malformed URL returns a nil Conn. When only the ping fails
// Open still returns the Conn along with the error, because the caller, not
// this package, decides whether the server may start degraded and let the
// client reconnect on its own once Redis is back.
func Open(ctx context.Context, rawURL string, s Settings) (*Conn, error) {
	opts, err := Options(rawURL)
	if err != nil {
		return nil, err
	}
	rdb := NewClient(opts)
	c := Wrap(rdb)
	if c.client, err = Commands(rdb, s.AutoPipeline); err != nil {
		_ = rdb.Close()
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, openPingTimeout)
	defer cancel()
	if err := c.client.Ping(pingCtx).Err(); err != nil {
		return c, fmt.Errorf("store: ping %s: %w", Redact(rawURL), err)
	}
	return c, nil
}

// Commands returns the commands the stores send through rdb. With
// autoPipeline, commands that concurrent requests issue while a batch is on
// its way to Redis leave together as the next batch, in one write and one
// read, instead of a round trip each (go-redis's AutoPipeliner, one ordered
// stream). Under load most of a round trip's cost is the system calls on
// both sides of the socket, which a batch shares; a lone command still
// leaves at once, but pays the hand-off to the pipeliner's goroutine and
// back (deployments/PERFORMANCE.md has both figures). Transactions and
// pipelines the stores build themselves keep a connection of their own, so
// a WAIT never holds up the shared stream.
func Commands(rdb redis.UniversalClient, autoPipeline bool) (store.Client, error) {
	if !autoPipeline {
		return rdb, nil
	}
	ap, err := rdb.AutoPipeline()
	if err != nil {
		return nil, fmt.Errorf("store: auto-pipelining: %w", err)
	}
	return ap, nil
}

// Client returns the commands, for the stores.
func (c *Conn) Client() store.Client { return c.client }

// Close closes every connection of the pool.
func (c *Conn) Close() error { return c.close() }

// Listen subscribes to channel and returns its messages' payloads once the
// subscription is confirmed, so that nothing published after Listen returns
// is missed. The channel closes when ctx ends or stop is called; stop must be
// called either way.
func (c *Conn) Listen(ctx context.Context, channel string) (msgs <-chan string, stop func(), err error) {
	return c.listen(ctx, channel)
}

// listen confirms sub and forwards its payloads, for Listen.
func listen(ctx context.Context, sub *redis.PubSub) (<-chan string, func(), error) {
	if _, err := sub.Receive(ctx); err != nil {
		_ = sub.Close()
		return nil, nil, err
	}
	out := make(chan string)
	done := make(chan struct{})
	go func() {
		defer close(out)
		in := sub.Channel()
		for {
			select {
			case <-ctx.Done():
				return
			case <-done:
				return
			case m, ok := <-in:
				if !ok {
					return
				}
				select {
				case out <- m.Payload:
				case <-ctx.Done():
					return
				case <-done:
					return
				}
			}
		}
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			close(done)
			_ = sub.Close()
		})
	}
	return out, stop, nil
}

// Shape is what a Redis URL says about the deployment that configuration
// checks need.
type Shape struct {
	// Cluster is true for a Redis Cluster.
	Cluster bool
	// ReadTimeout is how long a reply may take before the client gives up.
	ReadTimeout time.Duration
}

// Inspect reports the Shape of the deployment rawURL names, or why Open
// would refuse rawURL.
//
// It is kept out of line: inlined, it would bring redis.UniversalOptions and
// its method-laden field types into every caller's compilation.
//
//go:noinline
func Inspect(rawURL string) (Shape, error) {
	o, err := Options(rawURL)
	if err != nil {
		return Shape{}, err
	}
	parts, _ := cutURL(rawURL)
	sch, _ := lookupScheme(parts.scheme)
	return Shape{Cluster: sch.topo == topoCluster, ReadTimeout: o.ReadTimeout}, nil
}
