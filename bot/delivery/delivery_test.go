package delivery_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"frontdoor/bot/delivery"
	"frontdoor/bot/store/storetest"
)

func TestRecords(t *testing.T) {
	rdb, keys := storetest.Client(t)
	r := delivery.New(rdb, keys, time.Hour, time.Second)
	ctx := context.Background()
	key := r.Key("demo", "wechat", "demo", "o-1", "42")

	steps := []struct {
		name string
		do   func() (any, error)
		want any
	}{
		{"get before any claim", func() (any, error) { return r.Get(ctx, key) }, ""},
		{"first claim creates", func() (any, error) { return r.Claim(ctx, key, "pending:a") }, ""},
		{"the same claim again counts as created", func() (any, error) { return r.Claim(ctx, key, "pending:a") }, ""},
		{"another claim finds the first", func() (any, error) { return r.Claim(ctx, key, "pending:b") }, "pending:a"},
		{"swap from a value it no longer holds", func() (any, error) { return r.Swap(ctx, key, "pending:b", "push") }, false},
		{"swap from the value it holds", func() (any, error) { return r.Swap(ctx, key, "pending:a", "reply:1:好") }, true},
		{"get sees the swap", func() (any, error) { return r.Get(ctx, key) }, "reply:1:好"},
		{"a claim after the swap finds the reply", func() (any, error) { return r.Claim(ctx, key, "pending:a") }, "reply:1:好"},
	}
	for _, s := range steps {
		got, err := s.do()
		if err != nil || got != s.want {
			t.Fatalf("%s: got %v, %v; want %v", s.name, got, err, s.want)
		}
	}
	ttl, err := rdb.PTTL(ctx, key).Result()
	if err != nil || ttl <= 59*time.Minute || ttl > time.Hour {
		t.Errorf("record lives %v (%v), want about an hour", ttl, err)
	}
}

func TestRecordsSwapAfterCancel(t *testing.T) {
	rdb, keys := storetest.Client(t)
	r := delivery.New(rdb, keys, time.Hour, time.Second)
	key := r.Key("demo", "wecom", "demo", "u", "m")
	if _, err := r.Claim(context.Background(), key, "pending:x"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the platform hung up; the outcome must still be recorded
	if ok, err := r.Swap(ctx, key, "pending:x", "push"); !ok || err != nil {
		t.Fatalf("swap on a cancelled context: %v, %v", ok, err)
	}
	if v, _ := r.Get(context.Background(), key); v != "push" {
		t.Fatalf("record %q, want push", v)
	}
}

func TestRecordsWithoutRedis(t *testing.T) {
	var r delivery.Records
	ctx := context.Background()
	if _, err := r.Claim(ctx, "k", "c"); !errors.Is(err, delivery.ErrNoRedis) {
		t.Errorf("Claim: %v", err)
	}
	if _, err := r.Swap(ctx, "k", "a", "b"); !errors.Is(err, delivery.ErrNoRedis) {
		t.Errorf("Swap: %v", err)
	}
	if _, err := r.Get(ctx, "k"); !errors.Is(err, delivery.ErrNoRedis) {
		t.Errorf("Get: %v", err)
	}
}
