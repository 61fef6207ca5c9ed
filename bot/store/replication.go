package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Replication is how many replicas must hold a write before it is
// acknowledged to anyone. The zero value acknowledges a write once the
// primary has it, which with `appendfsync always` means once it is on the
// primary's disk.
//
// Replication under Sentinel is asynchronous: a primary that dies right
// after acknowledging a write can take the write with it when a replica
// is promoted. Asking for Replicas > 0 closes that window. Every write
// that answers a business is followed, in the same round trip and on the
// same connection, by WAIT; a write that fewer replicas confirm within
// Timeout is reported as ErrUnconfirmed, which callers turn into "retry
// later" instead of an answer. On a Redis Cluster the same holds for the
// replicas of the primary that holds the written keys' slot, which
// Primaries finds: a Cluster client's own pipeline would send the WAIT,
// which names no key, to whichever node it pleases.
type Replication struct {
	// Replicas is how many replicas must confirm each write (0: none).
	Replicas int
	// Timeout is how long a write waits for them.
	Timeout time.Duration
	// Primaries, on a Cluster, finds where a write and its WAIT go; nil
	// elsewhere.
	Primaries Primaries
}

// Primaries finds, on a Redis Cluster, the primary that holds a key's slot.
type Primaries interface {
	Primary(ctx context.Context, key string) (Client, error)
}

// ErrUnconfirmed means a write reached the primary but not enough of its
// replicas in time. The write stands; only its durability is in doubt,
// so the caller keeps what it wrote and asks its client to retry.
var ErrUnconfirmed = errors.New("store: write not confirmed by enough replicas in time")

// Run runs script as script.Run does and, when r asks for replicas,
// waits for them in the same round trip. The returned command carries
// ErrUnconfirmed when too few replicas confirmed.
func (r Replication) Run(ctx context.Context, rdb Client, script *redis.Script, keys []string, args ...any) *redis.Cmd {
	if r.Replicas <= 0 {
		return script.Run(ctx, rdb, keys, args...)
	}
	key := ""
	if len(keys) > 0 {
		key = keys[0]
	}
	cmd := r.wait(ctx, rdb, key, func(p redis.Pipeliner) *redis.Cmd { return script.EvalSha(ctx, p, keys, args...) })
	if err := cmd.Err(); err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") {
		// The first use on this server, or after a failover to a replica
		// that never loaded the script: nothing ran, send the body.
		cmd = r.wait(ctx, rdb, key, func(p redis.Pipeliner) *redis.Cmd { return script.Eval(ctx, p, keys, args...) })
	}
	return cmd
}

// Confirm waits, when r asks for replicas, until they hold the write of
// key that an earlier caller made, for example a stored reply about to be
// sent again. WAIT counts the writes of its own connection, so Confirm
// writes too: it sets key's lifetime to ttl, which also keeps a record
// that is still being asked for.
func (r Replication) Confirm(ctx context.Context, rdb Client, key string, ttl time.Duration) error {
	if r.Replicas <= 0 {
		return nil
	}
	return r.wait(ctx, rdb, key, func(p redis.Pipeliner) *redis.Cmd { return p.Do(ctx, "pexpire", key, ttl.Milliseconds()) }).Err()
}

// wait sends the command add queues and a WAIT in one pipeline, to the
// primary that holds key on a Cluster.
func (r Replication) wait(ctx context.Context, rdb Client, key string, add func(redis.Pipeliner) *redis.Cmd) *redis.Cmd {
	if r.Primaries != nil && key != "" {
		primary, err := r.Primaries.Primary(ctx, key)
		if err != nil {
			cmd := redis.NewCmd(ctx)
			cmd.SetErr(err)
			return cmd
		}
		rdb = primary
	}
	pipe := rdb.Pipeline()
	cmd := add(pipe)
	// A pipeline reads with the connection's read timeout, which Timeout
	// must stay under (the configuration checks it).
	acks := pipe.Do(ctx, "wait", r.Replicas, r.Timeout.Milliseconds())
	_, _ = pipe.Exec(ctx) // each command keeps its own error
	if cmd.Err() != nil {
		return cmd
	}
	n, err := acks.Int()
	switch {
	case err != nil:
		cmd.SetErr(err)
	case n < r.Replicas:
		cmd.SetErr(fmt.Errorf("%w: %d of %d replicas within %v", ErrUnconfirmed, n, r.Replicas, r.Timeout))
	}
	return cmd
}
