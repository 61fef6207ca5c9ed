package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"unicode"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/privacy"
	"frontdoor/bot/ticket"
)

// A ticket starts a clock in a government office; the guard keeps one
// sender from starting many. Two rules, both in Redis so that replicas
// agree:
//
//   - the same complaint or request from the same address (or, where no
//     address is known, the same user) within DuplicateWindow joins the
//     open ticket it opened, with a note on the ticket, instead of opening
//     another;
//   - an address that opened AddressTickets tickets in the hour gets a
//     ticket only when the message carries a phone number staff can call
//     back, and none past twice as many.

// guardVerdict is what the guard decided about a ticket a message would
// open.
type guardVerdict int

const (
	guardOpen    guardVerdict = iota // open it
	guardContact                     // ask for a phone number instead
	guardRefuse                      // refuse: the address has had its share
)

// guardOutcome names a verdict in the metrics.
var guardOutcome = map[guardVerdict]string{guardContact: "contact_asked", guardRefuse: "refused"}

// sameKey is where the ticket opened for a text is remembered: by
// address when the channel knows one, else by user. Different users of a
// platform are different businesses, even with the same words.
func (e *Engine) sameKey(in Inbound, region string, kind ticket.Kind, text string) string {
	sender := "a:" + in.Addr
	if in.Addr == "" {
		sender = "u:" + in.User
	}
	h := sha256.New()
	for _, part := range []string{sender, region, string(kind), sameText(text)} {
		h.Write([]byte(part))
		h.Write([]byte{0}) // parts cannot run into each other
	}
	return e.keys.Tenant(in.Tenant, "same", hex.EncodeToString(h.Sum(nil)[:16]))
}

// sameText is text with what a resend changes removed: spaces,
// punctuation, letter case.
func sameText(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// joinable returns the open ticket the same text opened within the
// window, if any.
func (e *Engine) joinable(ctx context.Context, in Inbound, region string, kind ticket.Kind, text string) (*ticket.Ticket, error) {
	if e.cfg.DuplicateWindow < 0 {
		return nil, nil
	}
	id, err := e.rdb.Get(ctx, e.sameKey(in, region, kind, text)).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, e.storeErr(err)
	}
	t, err := e.tickets.Get(ctx, in.Tenant, id)
	if err != nil || !t.Status.Open() {
		return nil, nil // a ticket gone, closed or unreadable is simply not joined
	}
	return t, nil
}

// join notes a repeated submission on the ticket it joins.
func (e *Engine) join(ctx context.Context, in Inbound, t *ticket.Ticket) error {
	e.metrics.TicketGuard.WithLabelValues("joined").Inc()
	who := privacy.Mask(in.User)
	if in.User == t.User {
		who = "同一用户"
	}
	_, err := e.tickets.NoteOn(ctx, t, "bot", "相同诉求再次提交("+who+")")
	return err
}

// remember adds to an opening the note that its text opened it.
func (e *Engine) remember(in Inbound, region string, kind ticket.Kind, text string, o *ticket.Opening) {
	if e.cfg.DuplicateWindow < 0 || o == nil {
		return
	}
	o.With(ticket.Writes{Set: []ticket.KeyValue{{Key: e.sameKey(in, region, kind, text), Value: o.Ticket().ID,
		TTL: e.cfg.DuplicateWindow}}})
}

// guardScript counts a ticket against an address's hourly share, unless
// the address is past it: KEYS[1] the counter, ARGV[1] share, ARGV[2]
// "1" when the message carries a phone number. Returns 0 (open, counted),
// 1 (ask for a phone number) or 2 (refuse). The hour runs from the
// address's first ticket.
var guardScript = redis.NewScript(`
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
local share = tonumber(ARGV[1])
if n >= 2 * share then return 2 end
if n >= share and ARGV[2] ~= '1' then return 1 end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('EXPIRE', KEYS[1], 3600) end
return 0
`)

// guard decides whether a message from an address may open a ticket, and
// counts it when it may. A ticket counted here and then not written (the
// reply failed) still counts: the share errs on the office's side.
func (e *Engine) guard(ctx context.Context, in Inbound) (guardVerdict, error) {
	if e.cfg.AddressTickets <= 0 || in.Addr == "" {
		return guardOpen, nil
	}
	phone := "0"
	if hasPhone(in.Text) {
		phone = "1"
	}
	v, err := guardScript.Run(ctx, e.rdb, []string{e.keys.Tenant(in.Tenant, "tpa", in.Addr)}, e.cfg.AddressTickets, phone).Int()
	if err != nil {
		return guardOpen, e.storeErr(err)
	}
	verdict := guardVerdict(v)
	if verdict != guardOpen {
		e.metrics.TicketGuard.WithLabelValues(guardOutcome[verdict]).Inc()
	}
	return verdict, nil
}

// guardReply answers a message the guard kept from opening a ticket.
func guardReply(v guardVerdict, intent Intent, region string) Reply {
	text := contactNeededText
	if v == guardRefuse {
		text = tooManyTicketsText
	}
	return Reply{Text: text, Intent: intent, Region: region, Citations: []Citation{}}
}

// joinedReply answers a message that joined the open ticket of its text.
func joinedReply(t *ticket.Ticket, intent Intent, region string) Reply {
	return Reply{Text: joinedText(t), Intent: intent, Ticket: ref(t), Region: region, Citations: []Citation{}}
}

// hasPhone reports whether text carries a number staff could call back:
// a mobile number, or a landline with its area code.
func hasPhone(text string) bool { return len(privacy.Phones(text)) > 0 }
