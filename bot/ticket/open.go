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
	// Guard is checked in the same step that numbers the ticket.
	Guard Guard
}

// Guard keeps one sender from starting many clocks in a government
// office. Both checks run in the step that numbers a ticket, so that a
// complaint costs no round trip for them, and a message they hold uses up
// no number.
type Guard struct {
	// Same is the key that remembers the ticket the same words from the
	// same sender opened ("" for none): while that ticket is open, the
	// message joins it instead of opening another.
	Same string
	// Share is the counter of the tickets the sender's address opened in
	// the hour ("" for none), and ShareMax how many it may open: past it,
	// only a message with a phone number staff can call back (Phone), and
	// none past twice as many. A ticket counted and then not written still
	// counts: the share errs on the office's side.
	Share    string
	ShareMax int
	Phone    bool
}

// Held says why Prepare opens no ticket.
type Held int

const (
	NotHeld     Held = iota // a ticket is to be opened
	HeldPrior               // the message opened one already: Prepared.Ticket
	HeldSame                // the same words opened one that is open: Prepared.Ticket
	HeldContact             // the address has had its share; a phone number would open one
	HeldRefused             // the address has had twice its share
)

// Prepared is what Prepare decided.
type Prepared struct {
	// Ticket is the ticket to open, or the one a HeldPrior or HeldSame
	// message refers to; nil when the guard held the message.
	Ticket *Ticket
	// Opening writes the new ticket; nil unless Held is NotHeld.
	Opening *Opening
	Held    Held
}

// msgTicketTTL is how long a message id remembers its ticket.
const msgTicketTTL = 7 * 24 * time.Hour

// Open opens a ticket routed to its units, with its clocks running. It
// reports created=false and the existing ticket when the message had
// already opened one.
func (s *Store) Open(ctx context.Context, r Request) (*Ticket, bool, error) {
	p, err := s.Prepare(ctx, r)
	if err != nil || p.Opening == nil {
		return p.Ticket, false, err
	}
	return p.Opening.Commit(ctx)
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

// Prepare numbers and builds the ticket a request opens, unless the
// message opened one already, its words joined an open one, or its
// address has had its share (Prepared.Held).
func (s *Store) Prepare(ctx context.Context, r Request) (Prepared, error) {
	if r.Tenant == "" || r.User == "" || strings.TrimSpace(r.Text) == "" {
		return Prepared{}, fault.Invalidf("ticket_incomplete", "a ticket needs a tenant, a user and the business's words")
	}
	if len(r.Units) == 0 && r.Desk == "" {
		return Prepared{}, fault.Invalidf("ticket_unrouted", "a ticket must be routed to a unit or a desk")
	}
	now := s.now()
	var id string
	for {
		res, err := s.reserve(ctx, r, now)
		if err != nil {
			return Prepared{}, err
		}
		switch res.held {
		case HeldPrior:
			existing, err := s.Get(ctx, r.Tenant, res.ref)
			return Prepared{Ticket: existing, Held: HeldPrior}, err
		case HeldSame:
			// A ticket gone, closed or unreadable is simply not joined.
			if existing, err := s.Get(ctx, r.Tenant, res.ref); err == nil && existing.Status.Open() {
				return Prepared{Ticket: existing, Held: HeldSame}, nil
			}
			r.Guard.Same = ""
			continue
		case HeldContact, HeldRefused:
			return Prepared{Held: res.held}, nil
		}
		id = res.ref
		break
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
	return Prepared{Ticket: t, Opening: &Opening{s: s, t: t, b: b}}, nil
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
// still decides when two deliveries race), the same words from the same
// sender opened one, or the sender's address has had its share.
// KEYS: the tenant's day sequence, the message's ticket key, the same-words
// key, the address's counter (a key the request has not is passed as the
// sequence's and not read). ARGV: the sequence's lifetime in seconds, "1"
// when the message has an id, "1" when the same-words key is given, the
// address's share (0: none), "1" when the message carries a phone number.
// Returns {held, ticket id or number}: held 0 (a new number), 1 (the
// ticket the message opened), 2 (the ticket the same words opened), 3 (ask
// for a phone number) or 4 (refused).
var reserveScript = redis.NewScript(`
if ARGV[2] == '1' then
  local prior = redis.call('GET', KEYS[2])
  if prior then return {1, prior} end
end
if ARGV[3] == '1' then
  local same = redis.call('GET', KEYS[3])
  if same then return {2, same} end
end
local share = tonumber(ARGV[4])
if share > 0 then
  local n = tonumber(redis.call('GET', KEYS[4]) or '0')
  if n >= 2 * share then return {4, ''} end
  if n >= share and ARGV[5] ~= '1' then return {3, ''} end
  if redis.call('INCR', KEYS[4]) == 1 then redis.call('EXPIRE', KEYS[4], 3600) end
end
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {0, n}
`)

// seqTTL keeps a day's ticket sequence past the day in every time zone.
const seqTTL = 72 * time.Hour

// reservation is what reserveScript decided: a new ticket's id (held
// NotHeld), or the ticket a held message refers to.
type reservation struct {
	held Held
	ref  string
}

// reserve numbers tickets per tenant and day, YH20261122-0001, in one
// round trip with the request's guard and the check for a ticket the
// message already opened.
func (s *Store) reserve(ctx context.Context, r Request, now time.Time) (reservation, error) {
	day := now.In(s.policy.Calendar().Location()).Format("20060102")
	seq := s.seqKey(r.Tenant, day)
	keys := []string{seq, seq, seq, seq}
	flag := func(on bool) string {
		if on {
			return "1"
		}
		return "0"
	}
	if r.MsgID != "" {
		keys[1] = s.msgKey(r.Tenant, r.User, r.MsgID)
	}
	if r.Guard.Same != "" {
		keys[2] = r.Guard.Same
	}
	share := 0
	if r.Guard.Share != "" && r.Guard.ShareMax > 0 {
		keys[3], share = r.Guard.Share, r.Guard.ShareMax
	}
	res, err := reserveScript.Run(ctx, s.rdb, keys, int(seqTTL/time.Second), flag(r.MsgID != ""), flag(r.Guard.Same != ""),
		share, flag(r.Guard.Phone)).Slice()
	if err != nil {
		return reservation{}, storeErr(err)
	}
	if len(res) != 2 {
		return reservation{}, fmt.Errorf("ticket numbering: unexpected reply %v", res)
	}
	held, _ := res[0].(int64)
	switch held {
	case 0:
		n, _ := res[1].(int64)
		return reservation{ref: fmt.Sprintf("YH%s-%04d", day, n)}, nil
	case 1:
		return reservation{held: HeldPrior, ref: fmt.Sprint(res[1])}, nil
	case 2:
		return reservation{held: HeldSame, ref: fmt.Sprint(res[1])}, nil
	case 3:
		return reservation{held: HeldContact}, nil
	}
	return reservation{held: HeldRefused}, nil
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
