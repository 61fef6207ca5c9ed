package wxapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/store"
)

const (
	// refreshAhead is how long before expiry a token is replaced, so that
	// no call goes out with a token that expires in flight.
	refreshAhead = 5 * time.Minute
	// lockTTL bounds how long a crashed replica can block refreshes; it
	// exceeds one fetch (DefaultTimeout) with room to store the result.
	lockTTL = 10 * time.Second
	// lockWait is how long a replica without a usable token waits for
	// another one's refresh before fetching itself.
	lockWait = 3 * time.Second
	// pollEvery is how often a waiting replica re-reads the cache.
	pollEvery = 50 * time.Millisecond
)

// fetchFunc asks the platform for a new token and its lifetime.
type fetchFunc func(ctx context.Context) (token string, ttl time.Duration, err error)

// tokenCache keeps one access token in Redis as
// "<refresh at ms>|<expires at ms>|<token>" under a key that expires with
// the token.
type tokenCache struct {
	rdb     store.Client
	key     string
	lockKey string
	fetch   fetchFunc
	now     func() time.Time
	log     *slog.Logger
	what    string // account description for logs, never a secret
}

// cachedToken is a parsed cache entry.
type cachedToken struct {
	raw       string
	token     string
	refreshAt time.Time
	expiresAt time.Time
}

func (t cachedToken) fresh(now time.Time) bool  { return t.token != "" && now.Before(t.refreshAt) }
func (t cachedToken) usable(now time.Time) bool { return t.token != "" && now.Before(t.expiresAt) }

// delIfScript deletes KEYS[1] only while it still holds ARGV[1]: releasing
// a lock or dropping a rejected token must not undo another replica's work.
var delIfScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// get returns a token that is valid now. A token near its expiry is
// replaced by the one replica that takes the lock; the others keep using
// the old one meanwhile. With no usable token a replica waits briefly for
// the lock holder and then fetches on its own, since waiting longer only
// delays the message.
func (tc *tokenCache) get(ctx context.Context) (string, error) {
	deadline := tc.now().Add(lockWait)
	for {
		cur, err := tc.read(ctx)
		if err != nil {
			return "", err
		}
		now := tc.now()
		if cur.fresh(now) {
			return cur.token, nil
		}
		lock, err := tc.lock(ctx)
		if err != nil {
			return "", err
		}
		if lock != "" {
			defer tc.unlock(lock)
			return tc.refresh(ctx, cur)
		}
		if cur.usable(now) {
			return cur.token, nil
		}
		if now.After(deadline) {
			return tc.refresh(ctx, cur)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}

// refresh fetches a new token unless another replica stored one since
// stale was read; a failed fetch falls back to a token that has not
// expired yet.
func (tc *tokenCache) refresh(ctx context.Context, stale cachedToken) (string, error) {
	if cur, err := tc.read(ctx); err == nil && cur.fresh(tc.now()) {
		return cur.token, nil
	}
	tok, ttl, err := tc.fetch(ctx)
	if err != nil {
		if stale.usable(tc.now()) {
			tc.log.Warn("access token refresh failed; using the current token until it expires", "account", tc.what, "err", err)
			return stale.token, nil
		}
		return "", err
	}
	if err := tc.store(ctx, tok, ttl); err != nil {
		tc.log.Warn("access token not cached", "account", tc.what, "err", err)
	}
	tc.log.Info("access token refreshed", "account", tc.what, "ttl_s", int(ttl.Seconds()))
	return tok, nil
}

// invalidate drops token from the cache if it is still the cached one, so
// the next get fetches a new token.
func (tc *tokenCache) invalidate(ctx context.Context, token string) {
	cur, err := tc.read(ctx)
	if err != nil || cur.token != token {
		return
	}
	if err := delIfScript.Run(ctx, tc.rdb, []string{tc.key}, cur.raw).Err(); err != nil {
		tc.log.Warn("drop rejected access token", "account", tc.what, "err", err)
	}
}

func (tc *tokenCache) read(ctx context.Context) (cachedToken, error) {
	raw, err := tc.rdb.Get(ctx, tc.key).Result()
	if errors.Is(err, redis.Nil) {
		return cachedToken{}, nil
	}
	if err != nil {
		return cachedToken{}, fmt.Errorf("wxapi: token cache: %w", err)
	}
	parts := strings.SplitN(raw, "|", 3)
	if len(parts) != 3 {
		return cachedToken{}, nil
	}
	refresh, err1 := strconv.ParseInt(parts[0], 10, 64)
	expires, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil {
		return cachedToken{}, nil
	}
	return cachedToken{raw: raw, token: parts[2], refreshAt: time.UnixMilli(refresh), expiresAt: time.UnixMilli(expires)}, nil
}

// store caches tok for ttl; it is refreshed refreshAhead before expiry, or
// after three quarters of a short lifetime.
func (tc *tokenCache) store(ctx context.Context, tok string, ttl time.Duration) error {
	now := tc.now()
	ahead := min(refreshAhead, ttl/4)
	v := strconv.FormatInt(now.Add(ttl-ahead).UnixMilli(), 10) + "|" + strconv.FormatInt(now.Add(ttl).UnixMilli(), 10) + "|" + tok
	if err := tc.rdb.Set(ctx, tc.key, v, ttl).Err(); err != nil {
		return fmt.Errorf("wxapi: token cache: %w", err)
	}
	return nil
}

// lock takes the refresh lock; it returns the lock's value, or "" when
// another replica holds it.
func (tc *tokenCache) lock(ctx context.Context) (string, error) {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	v := hex.EncodeToString(b)
	ok, err := tc.rdb.SetNX(ctx, tc.lockKey, v, lockTTL).Result()
	if err != nil {
		return "", fmt.Errorf("wxapi: token lock: %w", err)
	}
	if !ok {
		return "", nil
	}
	return v, nil
}

func (tc *tokenCache) unlock(v string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = delIfScript.Run(ctx, tc.rdb, []string{tc.lockKey}, v).Err()
}

// ttlOf converts expires_in, refusing values that would cache a token for
// no time at all.
func ttlOf(op string, seconds int64) (time.Duration, error) {
	if seconds <= 0 {
		return 0, fmt.Errorf("wxapi: %s: no expires_in in the response", op)
	}
	return time.Duration(seconds) * time.Second, nil
}

// tokenOf reads a token endpoint's answer: the token and how long to keep
// it, or why there is none (with the secret scrubbed from the error).
func tokenOf(op string, r apiResult, err error, secret string) (string, time.Duration, error) {
	if err != nil {
		return "", 0, err
	}
	if err := r.err(op); err != nil {
		return "", 0, redactSecret(err, secret)
	}
	if r.AccessToken == "" {
		return "", 0, fmt.Errorf("wxapi: %s: no access_token in the response", op)
	}
	ttl, err := ttlOf(op, r.ExpiresIn)
	return r.AccessToken, ttl, err
}
