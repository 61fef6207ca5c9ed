// Package storetest gives tests a real Redis: the one REDIS_URL names, or
// the local default, with a key prefix of the test's own that is deleted
// when the test ends. Tests never talk to a mock of Redis.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/store"
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
	rdb, err := store.Open(ctx, URL())
	if err != nil {
		t.Fatalf("tests need a real Redis at %s (set REDIS_URL or run `make test`): %v", store.Redact(URL()), err)
	}
	keys := store.Keys{Prefix: "fdtest-" + randomID()}
	t.Cleanup(func() {
		Clean(rdb, keys.Prefix)
		_ = rdb.Close()
	})
	return rdb, keys
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
