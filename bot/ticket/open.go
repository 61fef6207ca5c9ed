package ticket

import (
	"context"
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
	// Contact is what the business told the bot of itself before, if
	// anything; Conversation the exchanges of its session so far.
	Contact      *Contact
	Conversation []Turn
	// MsgID makes opening idempotent: the same user and message id never
	// open a second ticket.
	MsgID string
	// Announce, if set, is given the new ticket; the message it returns is
	// published on its channel by the write that opens the ticket, so that
	// telling the consoles costs no round trip of its own.
	Announce func(*Ticket) (channel string, payload []byte)
}

// msgTicketTTL is how long a message id remembers its ticket.
const msgTicketTTL = 7 * 24 * time.Hour

// Open opens a ticket routed to its units, with its clocks running. It
// reports created=false and the existing ticket when the message had
// already opened one.
func (s *Store) Open(ctx context.Context, r Request) (*Ticket, bool, error) {
	t, o, err := s.Prepare(ctx, r)
	if err != nil || o == nil {
		return t, false, err
	}
	return o.Commit(ctx)
}

// Opening is a ticket numbered and built but not yet written. The caller
// may add writes of its own (With); they are applied in the same step as
// the ticket, and only if the ticket is, which saves the caller a round
// trip and leaves no state where one was written without the other.
type Opening struct {
	s *Store
	t *Ticket
	b *batch
}

// Prepare numbers and builds the ticket a request opens. When the message
// had already opened a ticket it returns that ticket and no Opening.
func (s *Store) Prepare(ctx context.Context, r Request) (*Ticket, *Opening, error) {
	if r.Tenant == "" || r.User == "" || strings.TrimSpace(r.Text) == "" {
		return nil, nil, fault.Invalidf("ticket_incomplete", "a ticket needs a tenant, a user and the business's words")
	}
	if len(r.Units) == 0 && r.Desk == "" {
		return nil, nil, fault.Invalidf("ticket_unrouted", "a ticket must be routed to a unit or a desk")
	}
	now := s.now()
	id, prior, err := s.reserve(ctx, r, now)
	if err != nil {
		return nil, nil, err
	}
	if prior != "" {
		existing, err := s.Get(ctx, r.Tenant, prior)
		return existing, nil, err
	}
	if r.Class == "" {
		r.Class = General
	}
	t := &Ticket{
		ID: id, Tenant: r.Tenant, Region: r.Region, User: r.User, Channel: r.Channel, Account: r.Account,
		Kind: r.Kind, Class: r.Class, Status: Routed, Text: r.Text, Units: r.Units, Desk: r.Desk, Item: r.Item,
		Contact: r.Contact, Conversation: clipTurns(r.Conversation),
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
	if r.Announce != nil {
		b.publish(r.Announce(t))
	}
	return t, &Opening{s: s, t: t, b: b}, nil
}

// Ticket is the ticket the opening will write.
func (o *Opening) Ticket() *Ticket { return o.t }

// With adds writes to the opening. Their keys must share the ticket's
// hash slot (the tenant's keys do), so that the step runs on Cluster.
func (o *Opening) With(w Writes) {
	for _, x := range w.Set {
		o.b.set(x.Key, x.Value, x.TTL)
	}
	for _, x := range w.HSet {
		o.b.hset(x.Key, x.Field, x.Value)
	}
	for _, x := range w.HDel {
		o.b.hdel(x.Key, x.Field)
	}
	for _, x := range w.Expire {
		o.b.pexpire(x.Key, x.TTL)
	}
}

// Writes are plain writes that go along with an opening.
type Writes struct {
	Set    []KeyValue // SET key value PX ttl
	HSet   []KeyValue // HSET key field value
	HDel   []KeyValue // HDEL key field
	Expire []KeyValue // PEXPIRE key ttl
}

// KeyValue is one write of Writes; each kind uses the fields it needs.
type KeyValue struct {
	Key, Field, Value string
	TTL               time.Duration
}

// Commit writes the ticket, its clocks, indexes and events, and the added
// writes, in one step. created=false means a concurrent delivery of the
// same message opened a ticket first: that ticket is returned and nothing
// of this opening, the added writes included, was applied.
func (o *Opening) Commit(ctx context.Context) (*Ticket, bool, error) {
	prior, err := o.s.write(ctx, o.t, -1, o.b)
	if err != nil {
		return nil, false, err
	}
	if prior != "" {
		existing, err := o.s.Get(ctx, o.t.Tenant, prior)
		return existing, false, err
	}
	return o.t, true, nil
}

// reserveScript numbers a new ticket, unless the message already opened
// one (a redelivered message must not use up a number; the write script
// still decides when two deliveries race). KEYS: the tenant's day
// sequence, then the message's ticket key if the message has an id.
// ARGV: the sequence's lifetime in seconds. Returns {0, prior ticket id}
// or {1, number}.
var reserveScript = redis.NewScript(`
if KEYS[2] then
  local prior = redis.call('GET', KEYS[2])
  if prior then return {0, prior} end
end
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {1, n}
`)

// seqTTL keeps a day's ticket sequence past the day in every time zone.
const seqTTL = 72 * time.Hour

// reserve numbers tickets per tenant and day, YH20261122-0001, in one
// round trip with the check for a ticket the message already opened.
func (s *Store) reserve(ctx context.Context, r Request, now time.Time) (id, prior string, err error) {
	day := now.In(s.policy.Calendar().Location()).Format("20060102")
	keys := []string{s.seqKey(r.Tenant, day)}
	if r.MsgID != "" {
		keys = append(keys, s.msgKey(r.Tenant, r.User, r.MsgID))
	}
	res, err := reserveScript.Run(ctx, s.rdb, keys, int(seqTTL/time.Second)).Slice()
	if err != nil {
		return "", "", storeErr(err)
	}
	if len(res) != 2 {
		return "", "", fmt.Errorf("ticket numbering: unexpected reply %v", res)
	}
	if fresh, _ := res[0].(int64); fresh == 0 {
		return "", fmt.Sprint(res[1]), nil
	}
	n, _ := res[1].(int64)
	return fmt.Sprintf("YH%s-%04d", day, n), "", nil
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

// clipTurns keeps the last MaxTurns turns, each of at most MaxTurnRunes.
func clipTurns(ts []Turn) []Turn {
	if len(ts) > MaxTurns {
		ts = ts[len(ts)-MaxTurns:]
	}
	out := make([]Turn, 0, len(ts))
	for _, t := range ts {
		t.Text = fault.Clip(t.Text, MaxTurnRunes)
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
