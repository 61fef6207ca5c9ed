// Package outbox keeps what was sent to a business outside a direct reply
// — staff answers, clock notices, requests to rate — in a Redis Stream per
// user. The JSON channel reads it as its push channel; for WeChat-style
// channels it is the record of what was pushed and whether it arrived.
package outbox

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/fault"
	"frontdoor/bot/store"
)

// Message is one message sent to a business.
type Message struct {
	ID     string    `json:"id"`
	Text   string    `json:"text"`
	From   string    `json:"from"` // bot | staff
	Time   time.Time `json:"time"`
	Ticket string    `json:"ticket,omitempty"`
	// Status is "sent" for the JSON channel (read by polling), "delivered"
	// or "undelivered" after a platform push.
	Status string `json:"status,omitempty"`
}

// Outbox stores messages per user.
type Outbox struct {
	rdb  store.Client
	keys store.Keys
	// Max is how many messages a user's outbox keeps (approximately).
	Max int64
	// TTL expires an idle user's outbox.
	TTL time.Duration
}

// New builds an outbox.
func New(rdb store.Client, keys store.Keys) *Outbox {
	return &Outbox{rdb: rdb, keys: keys, Max: 500, TTL: 90 * 24 * time.Hour}
}

func (o *Outbox) key(tenant, user string) string { return o.keys.Tenant(tenant, "out", user) }
func (o *Outbox) statusKey(tenant, user string) string {
	return o.keys.Tenant(tenant, "out", user, "status")
}

// Append adds a message and returns its id (the stream id, also the cursor).
func (o *Outbox) Append(ctx context.Context, tenant, user string, m Message) (string, error) {
	if m.Time.IsZero() {
		m.Time = time.Now()
	}
	key := o.key(tenant, user)
	pipe := o.rdb.TxPipeline()
	add := pipe.XAdd(ctx, &redis.XAddArgs{Stream: key, MaxLen: o.Max, Approx: true, Values: []string{
		"text", m.Text, "from", m.From, "time", strconv.FormatInt(m.Time.UnixMilli(), 10),
		"ticket", m.Ticket, "status", m.Status}})
	pipe.Expire(ctx, key, o.TTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return "", wrap(err)
	}
	return add.Val(), nil
}

// List returns up to limit messages after the cursor (exclusive), oldest
// first, and the cursor to pass next time.
func (o *Outbox) List(ctx context.Context, tenant, user, after string, limit int64) ([]Message, string, error) {
	start := "-"
	if after != "" {
		if !validCursor(after) {
			return nil, "", fault.Invalidf("bad_cursor", "cursor %q is not one this server issued", after)
		}
		start = "(" + after
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	pipe := o.rdb.Pipeline()
	rng := pipe.XRangeN(ctx, o.key(tenant, user), start, "+", limit)
	status := pipe.HGetAll(ctx, o.statusKey(tenant, user))
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, "", wrap(err)
	}
	out := make([]Message, 0, len(rng.Val()))
	cursor := after
	for _, m := range rng.Val() {
		msg := decode(m)
		if st, ok := status.Val()[m.ID]; ok {
			msg.Status = st
		}
		out = append(out, msg)
		cursor = m.ID
	}
	return out, cursor, nil
}

// MarkStatus records a platform delivery outcome on a message.
func (o *Outbox) MarkStatus(ctx context.Context, tenant, user, id, status string) error {
	// Streams are append-only; the status lives beside them in a hash.
	key := o.statusKey(tenant, user)
	pipe := o.rdb.TxPipeline()
	pipe.HSet(ctx, key, id, status)
	pipe.Expire(ctx, key, o.TTL)
	_, err := pipe.Exec(ctx)
	return wrap(err)
}

// Undelivered are the messages a platform refused for the user, oldest
// first: kept for when the user writes again.
func (o *Outbox) Undelivered(ctx context.Context, tenant, user string) ([]Message, error) {
	status, err := o.rdb.HGetAll(ctx, o.statusKey(tenant, user)).Result()
	if err != nil {
		return nil, wrap(err)
	}
	pipe := o.rdb.Pipeline()
	var reads []*redis.XMessageSliceCmd
	for id, st := range status {
		if st == "undelivered" {
			reads = append(reads, pipe.XRange(ctx, o.key(tenant, user), id, id))
		}
	}
	if len(reads) == 0 {
		return nil, nil
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap(err)
	}
	var out []Message
	for _, r := range reads {
		for _, m := range r.Val() {
			msg := decode(m)
			msg.Status = "undelivered"
			out = append(out, msg)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, nil
}

func decode(m redis.XMessage) Message {
	str := func(k string) string { v, _ := m.Values[k].(string); return v }
	msg := Message{ID: m.ID, Text: str("text"), From: str("from"), Ticket: str("ticket"), Status: str("status")}
	if ms, err := strconv.ParseInt(str("time"), 10, 64); err == nil {
		msg.Time = time.UnixMilli(ms)
	}
	return msg
}

// validCursor accepts stream ids this server can have issued: two whole
// numbers that fit 64 bits, joined by a dash. Digits alone are not enough:
// Redis refuses "99999999999999999999-0", and that refusal must be the
// client's 400, not our 500.
func validCursor(s string) bool {
	ms, seq, ok := strings.Cut(s, "-")
	return ok && isUint64(ms) && isUint64(seq)
}

func isUint64(s string) bool {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return false // ParseUint takes no sign, but say so
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

func wrap(err error) error {
	if err == nil || errors.Is(err, redis.Nil) {
		return nil
	}
	if store.IsUnavailable(err) {
		return fault.Wrap(fault.Unavailable, "store_unavailable", "服务暂时不可用,请稍后再试", err)
	}
	return err
}
