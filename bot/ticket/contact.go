package ticket

import (
	"context"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/fault"
)

// Contact is who the business is and how staff reach it, as it told the
// bot: both parts optional.
type Contact struct {
	Company string    `json:"company,omitempty"`
	Phone   string    `json:"phone,omitempty"`
	At      time.Time `json:"at"`
}

// Turn is one exchange of the conversation before a ticket: what the
// business wrote, or what the bot answered.
type Turn struct {
	From string    `json:"from"` // business | bot
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// Conversation limits: how many turns a ticket keeps from before it was
// opened, and how much of each.
const (
	MaxTurns     = 12
	MaxTurnRunes = 300
)

// SetContact attaches what the business gave as its contact to the
// ticket; the audit trail records it (the number masked: the trail is
// listed to every viewer).
func (s *Store) SetContact(ctx context.Context, tenant, id string, c Contact) (*Ticket, error) {
	c.Company, c.Phone = strings.TrimSpace(c.Company), strings.TrimSpace(c.Phone)
	if c.Company == "" && c.Phone == "" {
		return nil, fault.Invalidf("contact_empty", "no company name or phone number")
	}
	return s.update(ctx, tenant, id, func(t *Ticket, b *batch, now time.Time) error {
		c.At = now
		t.Contact = &c
		b.event(Event{Type: EvContact, Actor: "business:" + t.User, At: now,
			Data: map[string]string{"company": c.Company, "phone": MaskPhone(c.Phone)}})
		return nil
	})
}

// RecordContactView adds to the audit trail that actor saw the business's
// full phone number. It writes the trail only, not the ticket, so that
// reading a ticket never races a change to it.
func (s *Store) RecordContactView(ctx context.Context, tenant, id, actor string) error {
	f := []any{"type", EvContactViewed, "actor", actor, "at", s.now().UnixMilli()}
	return storeErr(s.rdb.XAdd(ctx, &redis.XAddArgs{Stream: s.eventsKey(tenant, id), MaxLen: int64(s.EventsMax),
		Approx: true, Values: f}).Err())
}

// MaskPhone shows a phone number's first three and last four digits.
func MaskPhone(p string) string {
	if len(p) < 8 {
		return strings.Repeat("*", len(p))
	}
	return p[:3] + strings.Repeat("*", len(p)-7) + p[len(p)-4:]
}
