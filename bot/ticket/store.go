package ticket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/clock"
	"frontdoor/bot/fault"
	"frontdoor/bot/store"
)

// Store keeps tickets in Redis. Every key of a tenant shares its hash tag,
// so each change — the ticket, its events, its indexes and its clock — is
// written by one script, atomically, on a single node or a Cluster.
type Store struct {
	rdb    store.Client
	keys   store.Keys
	policy *clock.Policy
	now    func() time.Time
	// EventsMax caps each ticket's audit stream (approximate trim).
	EventsMax int
	// Replication is how many replicas confirm each write before it is
	// acknowledged (see store.Replication).
	Replication store.Replication
	// Alert, if set, names the alert an event of a change calls for
	// ("" for none). The alert is appended to the tenant's alert stream
	// by the write that records the event, so it exists exactly when the
	// change does, once, whichever replica made it.
	Alert func(t *Ticket, e Event) string
}

// AlertsKey is the tenant's alert stream, read by the alert senders.
func (s *Store) AlertsKey(tenant string) string { return s.keys.Tenant(tenant, "alerts") }

// alertsMax caps the alert stream (approximate trim): senders delete what
// they sent, so it holds only a backlog while the targets are away, or
// while no server runs.
const alertsMax = 10000

// NewStore builds a store; now is injectable so clocks can be tested
// without sleeping.
func NewStore(rdb store.Client, keys store.Keys, policy *clock.Policy, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{rdb: rdb, keys: keys, policy: policy, now: now, EventsMax: 2000}
}

// Policy is the clock policy deadlines are computed with.
func (s *Store) Policy() *clock.Policy { return s.policy }

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.now() }

func (s *Store) ticketKey(tenant, id string) string { return s.keys.Tenant(tenant, "tk", id) }
func (s *Store) eventsKey(tenant, id string) string { return s.keys.Tenant(tenant, "tk", id, "ev") }

// Index keys.
func (s *Store) userIndex(tenant, user string) string {
	return s.keys.Tenant(tenant, "idx", "user", user)
}
func (s *Store) unitIndex(tenant, unit string) string {
	return s.keys.Tenant(tenant, "idx", "unit", unit)
}
func (s *Store) regionIndex(tenant, region string) string {
	return s.keys.Tenant(tenant, "idx", "region", region)
}
func (s *Store) handoffIndex(tenant, region string) string {
	return s.keys.Tenant(tenant, "idx", "handoff", region)
}
func (s *Store) allIndex(tenant string) string  { return s.keys.Tenant(tenant, "idx", "all") }
func (s *Store) openIndex(tenant string) string { return s.keys.Tenant(tenant, "idx", "open") }

// ClocksKey is the sorted set of tickets by the next time one of their
// clocks needs attention.
func (s *Store) ClocksKey(tenant string) string   { return s.keys.Tenant(tenant, "clocks") }
func (s *Store) seqKey(tenant, day string) string { return s.keys.Tenant(tenant, "seq", day) }
func (s *Store) msgKey(tenant, user, msgID string) string {
	return s.keys.Tenant(tenant, "msgticket", user, msgID)
}

// SessionKey is where the conversation engine keeps a user's session; the
// store sets its hand-off field when staff take the conversation over.
func (s *Store) SessionKey(tenant, user string) string { return s.keys.Tenant(tenant, "sess", user) }

// ErrNotFound is returned for an unknown ticket id.
var ErrNotFound = fault.New(fault.NotFound, "ticket_not_found", "no such ticket")

// errConflict means the ticket changed between read and write.
var errConflict = errors.New("ticket changed concurrently")

// writeScript applies a ticket change if the version is still the one
// read: the new data, the events and the index operations, in one step.
//
// KEYS[1] ticket, KEYS[2] events, KEYS[3..] operated keys.
// ARGV[1] expected version (-1: must not exist), ARGV[2] new version,
// ARGV[3] data, ARGV[4] stream cap, ARGV[5] index of a message-dedupe key
// in KEYS (0: none), ARGV[6] a token of this write, kept in the ticket's
// field w, ARGV[7] the number of events. Then each event as its number of
// field and value strings followed by them, then the operations, each its
// name and its arguments (see batch): plain arguments rather than JSON,
// because decoding a reply or an announcement carried in JSON cost Redis
// more than all the writes together.
//
// A write that finds its own token at its version was applied before: the
// connection broke before the reply arrived and the client sent it again.
// It succeeds without applying anything twice.
var writeScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], 'v')
if cur == ARGV[2] and redis.call('HGET', KEYS[1], 'w') == ARGV[6] then
  return {1, ARGV[2]}
end
local exp = tonumber(ARGV[1])
if exp == -1 then
  if cur then return {0, cur} end
elseif (not cur) or tonumber(cur) ~= exp then
  return {0, cur or ''}
end
local mi = tonumber(ARGV[5])
if mi > 0 then
  local prior = redis.call('GET', KEYS[mi])
  if prior then return {2, prior} end
end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'data', ARGV[3], 'w', ARGV[6])
local i = 8
for _ = 1, tonumber(ARGV[7]) do
  local n = tonumber(ARGV[i])
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', unpack(ARGV, i + 1, i + n))
  i = i + n + 1
end
while i <= #ARGV do
  local o, k, a, b = ARGV[i], KEYS[tonumber(ARGV[i + 1])], ARGV[i + 2], ARGV[i + 3]
  if o == 'zadd' then redis.call('ZADD', k, a, b); i = i + 4
  elseif o == 'zrem' then redis.call('ZREM', k, a); i = i + 3
  elseif o == 'hset' then
    local n = tonumber(a)
    redis.call('HSET', k, unpack(ARGV, i + 3, i + 2 + 2 * n)); i = i + 3 + 2 * n
  elseif o == 'hdelif' then
    if redis.call('HGET', k, a) == b then redis.call('HDEL', k, a) end
    i = i + 4
  elseif o == 'hdel' then
    local n = tonumber(a)
    redis.call('HDEL', k, unpack(ARGV, i + 3, i + 2 + n)); i = i + 3 + n
  elseif o == 'pexpire' then redis.call('PEXPIRE', k, a); i = i + 3
  elseif o == 'set' then redis.call('SET', k, a, 'PX', b); i = i + 4
  elseif o == 'publish' then redis.call('PUBLISH', a, b); i = i + 4
  elseif o == 'xadd' then
    local n = tonumber(a)
    redis.call('XADD', k, 'MAXLEN', '~', ARGV[i + 3], '*', unpack(ARGV, i + 4, i + 3 + 2 * n)); i = i + 4 + 2 * n
  else return redis.error_reply('ticket write: unknown operation ' .. tostring(o)) end
end
return {1, ARGV[2]}
`)

// batch collects what one change writes besides the ticket itself: its
// events and its operations, as writeScript reads them.
type batch struct {
	keys   []string
	index  map[string]int
	ops    []any // name, KEYS index (0: none), then the operation's arguments
	last   int   // where the last operation starts in ops (-1: none)
	events []any // per event: the number of strings, then field, value, ...
	nev    int
	// recorded are the events as given, for the alerts they may call for.
	recorded []Event
	dedupe   int
}

func newBatch(ticketKey, eventsKey string) *batch {
	b := &batch{index: map[string]int{}, last: -1}
	b.key(ticketKey)
	b.key(eventsKey)
	return b
}

// key returns the 1-based KEYS index of k, adding it once.
func (b *batch) key(k string) int {
	if i, ok := b.index[k]; ok {
		return i
	}
	b.keys = append(b.keys, k)
	b.index[k] = len(b.keys)
	return len(b.keys)
}

// op appends an operation: its name, the KEYS index of its key, its
// arguments.
func (b *batch) op(name string, key int, args ...any) {
	b.last = len(b.ops)
	b.ops = append(append(b.ops, name, key), args...)
}

// fields appends HSET or HDEL fields (with their values), joining the
// last operation when it is the same one on the same key: each
// redis.call inside the script costs Redis more than the fields it
// carries, so a session's fields go in one call. Such an operation's
// first argument is how many fields it has.
func (b *batch) fields(name, k string, fv ...any) {
	key := b.key(k)
	if l := b.last; l >= 0 && b.ops[l] == name && b.ops[l+1] == key {
		b.ops[l+2] = b.ops[l+2].(int) + 1
		b.ops = append(b.ops, fv...)
		return
	}
	b.op(name, key, append([]any{1}, fv...)...)
}

func (b *batch) zadd(k string, score int64, member string) { b.op("zadd", b.key(k), score, member) }
func (b *batch) zrem(k, member string)                     { b.op("zrem", b.key(k), member) }
func (b *batch) hset(k, field, value string)               { b.fields("hset", k, field, value) }
func (b *batch) hdel(k, field string)                      { b.fields("hdel", k, field) }
func (b *batch) pexpire(k string, ttl time.Duration)       { b.op("pexpire", b.key(k), ttl.Milliseconds()) }
func (b *batch) hdelIf(k, field, value string)             { b.op("hdelif", b.key(k), field, value) }

// publish sends a Pub/Sub message once the write is applied; a channel
// is not a key, so it takes no KEYS slot.
func (b *batch) publish(channel string, payload []byte) { b.op("publish", 0, channel, payload) }

// xadd appends an entry of field, value pairs to a capped stream.
func (b *batch) xadd(k string, max int, fv ...any) {
	b.op("xadd", b.key(k), append([]any{len(fv) / 2, max}, fv...)...)
}

func (b *batch) set(k, value string, ttl time.Duration) {
	b.op("set", b.key(k), value, ttl.Milliseconds())
}

// event appends an audit event.
func (b *batch) event(e Event) {
	f := []any{"type", e.Type, "actor", e.Actor, "at", e.At.UnixMilli()}
	if e.Text != "" {
		f = append(f, "text", e.Text)
	}
	if len(e.Data) > 0 {
		d, _ := json.Marshal(e.Data)
		f = append(f, "data", d)
	}
	b.events = append(append(b.events, len(f)), f...)
	b.nev++
	b.recorded = append(b.recorded, e)
}

// write runs the write script; it reports errConflict when the version
// moved, and the prior ticket id when a message already opened one.
func (s *Store) write(ctx context.Context, t *Ticket, expect int64, b *batch) (prior string, err error) {
	data, err := json.Marshal(t)
	if err != nil {
		return "", err
	}
	token := strconv.FormatUint(rand.Uint64(), 36)
	args := make([]any, 0, 7+len(b.events)+len(b.ops))
	args = append(args, expect, t.Version, data, s.EventsMax, b.dedupe, token, b.nev)
	args = append(append(args, b.events...), b.ops...)
	res, err := s.Replication.Run(ctx, s.rdb, writeScript, b.keys, args...).Slice()
	if err != nil {
		return "", storeErr(err)
	}
	switch res[0].(int64) {
	case 1:
		return "", nil
	case 2:
		return fmt.Sprint(res[1]), nil
	}
	return "", errConflict
}

// storeErr turns Redis errors into the product's errors.
func storeErr(err error) error {
	if err == nil {
		return nil
	}
	if store.IsUnavailable(err) {
		return fault.Wrap(fault.Unavailable, "store_unavailable", "服务暂时不可用,请稍后再试", err)
	}
	return err
}

// Get reads a ticket.
func (s *Store) Get(ctx context.Context, tenant, id string) (*Ticket, error) {
	data, err := s.rdb.HGet(ctx, s.ticketKey(tenant, id), "data").Result()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, storeErr(err)
	}
	var t Ticket
	if err := json.Unmarshal([]byte(data), &t); err != nil {
		return nil, fmt.Errorf("ticket %s: corrupt record: %w", id, err)
	}
	return &t, nil
}

// GetMany reads several tickets in one round trip, skipping missing ones.
func (s *Store) GetMany(ctx context.Context, tenant string, ids []string) ([]*Ticket, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.StringCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HGet(ctx, s.ticketKey(tenant, id), "data")
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, storeErr(err)
	}
	out := make([]*Ticket, 0, len(ids))
	for _, c := range cmds {
		data, err := c.Result()
		if err != nil {
			continue
		}
		var t Ticket
		if json.Unmarshal([]byte(data), &t) == nil {
			out = append(out, &t)
		}
	}
	return out, nil
}

// Events reads a ticket's audit trail, oldest first.
func (s *Store) Events(ctx context.Context, tenant, id string) ([]Event, error) {
	msgs, err := s.rdb.XRange(ctx, s.eventsKey(tenant, id), "-", "+").Result()
	if err != nil {
		return nil, storeErr(err)
	}
	out := make([]Event, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, decodeEvent(m))
	}
	return out, nil
}

func decodeEvent(m redis.XMessage) Event {
	e := Event{ID: m.ID}
	str := func(k string) string { v, _ := m.Values[k].(string); return v }
	e.Type, e.Actor, e.Text = str("type"), str("actor"), str("text")
	if ms, err := strconv.ParseInt(str("at"), 10, 64); err == nil {
		e.At = time.UnixMilli(ms)
	}
	if d := str("data"); d != "" {
		_ = json.Unmarshal([]byte(d), &e.Data)
	}
	return e
}

// Query selects tickets from an index.
type Query struct {
	Tenant string
	// One of: User, Unit, Region (all of a region), Handoffs (a region's
	// hand-off desk), Open (every open ticket), or none (every ticket).
	User, Unit, Region string
	Handoffs           bool
	Open               bool
	From, To           time.Time // creation window (not for Open)
	Limit              int
}

// List returns the tickets a query selects, newest first (Open: due first).
func (s *Store) List(ctx context.Context, q Query) ([]*Ticket, error) {
	key := s.allIndex(q.Tenant)
	switch {
	case q.User != "":
		key = s.userIndex(q.Tenant, q.User)
	case q.Unit != "":
		key = s.unitIndex(q.Tenant, q.Unit)
	case q.Handoffs:
		key = s.handoffIndex(q.Tenant, q.Region)
	case q.Region != "":
		key = s.regionIndex(q.Tenant, q.Region)
	case q.Open:
		key = s.openIndex(q.Tenant)
	}
	limit := int64(q.Limit)
	if limit <= 0 {
		limit = 500
	}
	var ids []string
	var err error
	if q.Open {
		ids, err = s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: key, Start: 0, Stop: limit - 1}).Result()
	} else {
		min, max := "-inf", "+inf"
		if !q.From.IsZero() {
			min = strconv.FormatInt(q.From.UnixMilli(), 10)
		}
		if !q.To.IsZero() {
			max = strconv.FormatInt(q.To.UnixMilli(), 10)
		}
		// With Rev, ZRANGE … BYSCORE REV takes the higher bound first.
		ids, err = s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: key, Start: max, Stop: min, ByScore: true, Rev: true,
			Offset: 0, Count: limit}).Result()
	}
	if err != nil {
		return nil, storeErr(err)
	}
	return s.GetMany(ctx, q.Tenant, ids)
}

// indexOps brings the indexes, the clock schedule and the session's
// hand-off field in line with the new state of a ticket.
func (s *Store) indexOps(old, t *Ticket, b *batch) {
	tn := t.Tenant
	if old == nil {
		created := t.Created.UnixMilli()
		b.zadd(s.allIndex(tn), created, t.ID)
		b.zadd(s.userIndex(tn, t.User), created, t.ID)
		b.zadd(s.regionIndex(tn, t.Region), created, t.ID)
	}
	oldUnits := map[string]bool{}
	if old != nil {
		for _, u := range unitsOf(old) {
			oldUnits[u] = true
		}
	}
	for _, u := range unitsOf(t) {
		if !oldUnits[u] {
			b.zadd(s.unitIndex(tn, u), t.Created.UnixMilli(), t.ID)
		}
		delete(oldUnits, u)
	}
	for u := range oldUnits {
		b.zrem(s.unitIndex(tn, u), t.ID)
	}
	if t.Status.Open() {
		b.zadd(s.openIndex(tn), t.Due().UnixMilli(), t.ID)
	} else {
		b.zrem(s.openIndex(tn), t.ID)
	}
	if t.Kind == Handoff && t.Status.Open() {
		b.zadd(s.handoffIndex(tn, t.Region), t.Created.UnixMilli(), t.ID)
	} else if t.Kind == Handoff {
		b.zrem(s.handoffIndex(tn, t.Region), t.ID)
	}
	if next := NextFire(t, s.policy); !next.IsZero() {
		b.zadd(s.ClocksKey(tn), next.UnixMilli(), t.ID)
	} else {
		b.zrem(s.ClocksKey(tn), t.ID)
	}
	sess := s.SessionKey(tn, t.User)
	if held(t) {
		b.hset(sess, "handoff", t.ID)
	} else {
		b.hdelIf(sess, "handoff", t.ID)
	}
	s.alertOps(t, b)
}

// alertOps appends an alert for each event recorded so far that calls
// for one: the ticket as it stands after the change, and the event.
func (s *Store) alertOps(t *Ticket, b *batch) {
	if s.Alert == nil {
		return
	}
	for _, e := range b.recorded {
		kind := s.Alert(t, e)
		if kind == "" {
			continue
		}
		data, _ := json.Marshal(e.Data)
		b.xadd(s.AlertsKey(t.Tenant), alertsMax, "kind", kind, "ticket", t.ID, "event", e.Type, "text", e.Text,
			"data", data, "at", e.At.UnixMilli())
	}
}

// held reports whether a person holds the conversation: the bot then
// stays silent and relays the business's messages into the ticket.
// Complaints handled by a unit leave the conversation with the bot.
func held(t *Ticket) bool {
	return t.Status.Open() && t.ClaimedBy != "" && (t.Kind == Handoff || t.Kind == Assist)
}

func unitsOf(t *Ticket) []string {
	us := append([]string{}, t.Units...)
	if t.Desk != "" {
		us = append(us, t.Desk)
	}
	sort.Strings(us)
	return us
}
