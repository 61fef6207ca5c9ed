// Package delivery keeps one record per platform message: a small value
// that the first delivery of the message claims and later changes only
// from what it last saw (compare and swap), so that every replica answers
// a platform's retry of the message the way the first delivery was
// answered. What the values mean is the channel's business; this package
// only keeps them, in Redis under the tenant's hash tag.
package delivery

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/store"
)

// ErrNoRedis is returned by every operation of Records built without a
// Redis client.
var ErrNoRedis = errors.New("delivery: no Redis for delivery records")

// Records reads and writes delivery records.
type Records struct {
	rdb  store.Client
	keys store.Keys
	// TTL is how long a record is kept after its last write; it should
	// outlive every platform retry of a message.
	TTL time.Duration
	// Timeout bounds one operation, so that a slow Redis cannot eat the
	// time a platform gives a callback.
	Timeout time.Duration
}

// New returns Records on rdb under keys, each record kept for ttl and each
// operation bounded by timeout.
func New(rdb store.Client, keys store.Keys, ttl, timeout time.Duration) Records {
	return Records{rdb: rdb, keys: keys, TTL: ttl, Timeout: timeout}
}

// Key names the record of the message with dedupe key dedupe, from user,
// to account on channel, for tenant.
func (r Records) Key(tenant, channel, account, user, dedupe string) string {
	return r.keys.Tenant(tenant, "wx", channel, account, user, dedupe)
}

// claimScript returns the record, or creates it as ARGV[1] and returns
// false. Finding ARGV[1] itself means the script ran before and its reply
// was lost (the client sent it again on a new connection): it counts as
// created.
var claimScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then return false end
if v then return v end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
`)

// swapScript replaces the record only if it still holds ARGV[1].
var swapScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`)

// Claim creates the record at key as claim and returns "", or returns the
// record when it exists with another value.
func (r Records) Claim(ctx context.Context, key, claim string) (string, error) {
	if r.rdb == nil {
		return "", ErrNoRedis
	}
	ctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	v, err := claimScript.Run(ctx, r.rdb, []string{key}, claim, r.TTL.Milliseconds()).Text()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return v, err
}

// Swap sets the record at key to new if it holds old, and reports whether
// it did. It runs even when ctx is cancelled: a callback the platform gave
// up on must still leave its outcome for the retry.
func (r Records) Swap(ctx context.Context, key, old, new string) (bool, error) {
	if r.rdb == nil {
		return false, ErrNoRedis
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.Timeout)
	defer cancel()
	n, err := swapScript.Run(ctx, r.rdb, []string{key}, old, new, r.TTL.Milliseconds()).Int()
	return n == 1, err
}

// Get returns the record at key, "" when there is none.
func (r Records) Get(ctx context.Context, key string) (string, error) {
	if r.rdb == nil {
		return "", ErrNoRedis
	}
	ctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	v, err := r.rdb.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return v, err
}
