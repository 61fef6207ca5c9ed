package ticket

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/fault"
)

// Request is what opens a ticket.
type Request struct {
	Tenant, Region, User string
	Channel, Account     string
	Kind                 Kind
	Class                Class
	Text                 string
	Units                []string // lead units, owner first
	Desk                 string   // the region's hand-off desk
	Item                 *ItemRef
	// MsgID makes opening idempotent: the same user and message id never
	// open a second ticket.
	MsgID string
}

// msgTicketTTL is how long a message id remembers its ticket.
const msgTicketTTL = 7 * 24 * time.Hour

// Open opens a ticket routed to its units, with its clocks running. It
// reports created=false and the existing ticket when the message had
// already opened one.
func (s *Store) Open(ctx context.Context, r Request) (*Ticket, bool, error) {
	if r.Tenant == "" || r.User == "" || strings.TrimSpace(r.Text) == "" {
		return nil, false, fault.Invalidf("ticket_incomplete", "a ticket needs a tenant, a user and the business's words")
	}
	if len(r.Units) == 0 && r.Desk == "" {
		return nil, false, fault.Invalidf("ticket_unrouted", "a ticket must be routed to a unit or a desk")
	}
	if r.MsgID != "" {
		// A redelivered message must not use up a ticket number; the write
		// script still decides when two deliveries race.
		prior, err := s.rdb.Get(ctx, s.msgKey(r.Tenant, r.User, r.MsgID)).Result()
		if err == nil {
			existing, err := s.Get(ctx, r.Tenant, prior)
			return existing, false, err
		}
		if !errors.Is(err, redis.Nil) {
			return nil, false, storeErr(err)
		}
	}
	now := s.now()
	id, err := s.nextID(ctx, r.Tenant, now)
	if err != nil {
		return nil, false, err
	}
	if r.Class == "" {
		r.Class = General
	}
	t := &Ticket{
		ID: id, Tenant: r.Tenant, Region: r.Region, User: r.User, Channel: r.Channel, Account: r.Account,
		Kind: r.Kind, Class: r.Class, Status: Routed, Text: r.Text, Units: r.Units, Desk: r.Desk, Item: r.Item,
		Created: now, Updated: now, Version: 1,
	}
	t.Clocks = s.startClocks(t, now)
	b := newBatch(s.ticketKey(r.Tenant, id), s.eventsKey(r.Tenant, id))
	if r.MsgID != "" {
		k := s.msgKey(r.Tenant, r.User, r.MsgID)
		b.dedupe = b.key(k)
		b.set(k, id, msgTicketTTL)
	}
	b.event(Event{Type: EvOpened, Actor: "business:" + r.User, Text: r.Text, At: now,
		Data: map[string]string{"kind": string(r.Kind), "channel": r.Channel}})
	b.event(Event{Type: EvRouted, Actor: "bot", At: now,
		Data: map[string]string{"units": strings.Join(r.Units, "、"), "desk": r.Desk}})
	s.indexOps(nil, t, b)
	prior, err := s.write(ctx, t, -1, b)
	if err != nil {
		return nil, false, err
	}
	if prior != "" {
		existing, err := s.Get(ctx, r.Tenant, prior)
		return existing, false, err
	}
	return t, true, nil
}

// nextID numbers tickets per tenant and day: YH20261122-0001.
func (s *Store) nextID(ctx context.Context, tenant string, now time.Time) (string, error) {
	day := now.In(s.policy.Calendar().Location()).Format("20060102")
	key := s.seqKey(tenant, day)
	pipe := s.rdb.TxPipeline()
	incr := pipe.Incr(ctx, key)
	pipe.Expire(ctx, key, 72*time.Hour)
	if _, err := pipe.Exec(ctx); err != nil {
		return "", storeErr(err)
	}
	return fmt.Sprintf("YH%s-%04d", day, incr.Val()), nil
}

// startClocks starts the first-response and resolution clocks.
func (s *Store) startClocks(t *Ticket, now time.Time) map[string]*Clock {
	rules := s.policy.Rules(t.Region)
	resolve := rules.General
	if t.Class == Difficult {
		resolve = rules.Difficult
	}
	return map[string]*Clock{
		ClockFirstResponse: s.newClock(t.Region, ClockFirstResponse, now, s.policy.Deadline(t.Region, now, rules.FirstResponse)),
		ClockResolution:    s.newClock(t.Region, ClockResolution, now, s.policy.Deadline(t.Region, now, resolve)),
	}
}

func (s *Store) newClock(region, name string, start, due time.Time) *Clock {
	return &Clock{Name: name, Start: start, Due: due, WarnAt: s.policy.WarnAt(region, start, due)}
}
