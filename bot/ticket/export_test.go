package ticket

import (
	"context"
	"strconv"
	"time"
)

// ClaimLease runs the scheduler's claim step alone, the way a scheduler
// that crashes right after claiming would leave things.
func (sc *Scheduler) ClaimLease(ctx context.Context, tenant string, now time.Time, limit int, lease time.Duration) ([]string, error) {
	return claimScript.Run(ctx, sc.Store.rdb, []string{sc.Store.ClocksKey(tenant), sc.leaseKey(tenant)},
		strconv.FormatInt(now.UnixMilli(), 10), limit, lease.Milliseconds()).StringSlice()
}

// LeaseKey exposes the lease set's key.
func (sc *Scheduler) LeaseKey(tenant string) string { return sc.leaseKey(tenant) }

// Key layout, for tests that seed tickets in bulk.
func (s *Store) TicketKey(tenant, id string) string { return s.ticketKey(tenant, id) }
func (s *Store) EventsKey(tenant, id string) string { return s.eventsKey(tenant, id) }
func (s *Store) UnitIndexKey(tenant, unit string) string {
	return s.unitIndex(tenant, unit)
}
func (s *Store) OpenIndexKey(tenant string) string { return s.openIndex(tenant) }
