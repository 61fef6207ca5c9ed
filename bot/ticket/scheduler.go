package ticket

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// claimScript takes due tickets off a tenant's clock schedule and leases
// them to one scheduler, atomically, so each due firing is handled by
// exactly one replica. Leases a crashed scheduler never released go back
// on the schedule (unless the ticket was rescheduled meanwhile).
//
// KEYS[1] schedule, KEYS[2] leases; ARGV[1] now ms, ARGV[2] limit,
// ARGV[3] lease ms.
var claimScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 100)
for _, m in ipairs(expired) do
  redis.call('ZREM', KEYS[2], m)
  redis.call('ZADD', KEYS[1], 'NX', now, m)
end
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for _, m in ipairs(due) do
  redis.call('ZREM', KEYS[1], m)
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), m)
end
return due
`)

// Notifier hears about the clock events a firing recorded.
type Notifier func(ctx context.Context, t *Ticket, fired []Event)

// Scheduler fires due clocks. Any number of replicas may run one against
// the same Redis: claiming is atomic, firing is idempotent, and all state
// lives in Redis, so a restart picks up whatever was missed.
type Scheduler struct {
	Store    *Store
	Tenants  func() []string
	Notify   Notifier
	Logger   *slog.Logger
	Interval time.Duration // between polls (default 1 s)
	Batch    int           // tickets claimed per poll (default 100)
	Lease    time.Duration // how long a claim lasts (default 30 s)
	// Fired counts clock events, for metrics.
	Fired func(event string)
}

func (sc *Scheduler) leaseKey(tenant string) string {
	return sc.Store.keys.Tenant(tenant, "clocks", "lease")
}

// Run polls until ctx ends.
func (sc *Scheduler) Run(ctx context.Context) {
	interval := sc.Interval
	if interval <= 0 {
		interval = time.Second
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		for _, tenant := range sc.Tenants() {
			for {
				n, err := sc.RunOnce(ctx, tenant)
				if err != nil {
					if ctx.Err() == nil {
						sc.logger().Warn("clock scheduler", "tenant", tenant, "err", err)
					}
					break
				}
				if n < sc.batch() {
					break
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (sc *Scheduler) batch() int {
	if sc.Batch <= 0 {
		return 100
	}
	return sc.Batch
}

func (sc *Scheduler) logger() *slog.Logger {
	if sc.Logger == nil {
		return slog.Default()
	}
	return sc.Logger
}

// RunOnce claims and fires what is due now for one tenant and reports how
// many tickets it handled.
func (sc *Scheduler) RunOnce(ctx context.Context, tenant string) (int, error) {
	lease := sc.Lease
	if lease <= 0 {
		lease = 30 * time.Second
	}
	now := sc.Store.now()
	ids, err := claimScript.Run(ctx, sc.Store.rdb, []string{sc.Store.ClocksKey(tenant), sc.leaseKey(tenant)},
		strconv.FormatInt(now.UnixMilli(), 10), sc.batch(), lease.Milliseconds()).StringSlice()
	if err != nil {
		return 0, storeErr(err)
	}
	for _, id := range ids {
		t, fired, err := sc.Store.Fire(ctx, tenant, id)
		if err != nil && !errors.Is(err, ErrNotFound) {
			// leave the lease: it expires and the ticket is retried
			sc.logger().Warn("fire clock", "tenant", tenant, "ticket", id, "err", err)
			continue
		}
		if t != nil && len(fired) == 0 {
			// nothing was due after all (the ticket moved meanwhile): put it
			// back at its next fire time, unless a writer already has an
			// earlier one there
			if next := NextFire(t, sc.Store.policy); !next.IsZero() {
				sc.Store.rdb.ZAddLT(ctx, sc.Store.ClocksKey(tenant), redis.Z{Score: float64(next.UnixMilli()), Member: id})
			}
		}
		if err := sc.Store.rdb.ZRem(ctx, sc.leaseKey(tenant), id).Err(); err != nil {
			sc.logger().Warn("release clock lease", "ticket", id, "err", err)
		}
		if t == nil || len(fired) == 0 {
			continue
		}
		for _, e := range fired {
			if sc.Fired != nil {
				sc.Fired(e.Type)
			}
		}
		if sc.Notify != nil {
			sc.Notify(ctx, t, fired)
		}
	}
	return len(ids), nil
}
