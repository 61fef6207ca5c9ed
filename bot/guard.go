package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"

	"frontdoor/bot/privacy"
	"frontdoor/bot/ticket"
)

// A ticket starts a clock in a government office; the guard keeps one
// sender from starting many. Two rules, both in Redis so that replicas
// agree, and both checked by the step that numbers the ticket
// (ticket.Guard), so that they cost a complaint no round trip:
//
//   - the same complaint or request from the same address (or, where no
//     address is known, the same user) within DuplicateWindow joins the
//     open ticket it opened, with a note on the ticket, instead of opening
//     another;
//   - an address that opened AddressTickets tickets in the hour gets a
//     ticket only when the message carries a phone number staff can call
//     back, and none past twice as many.

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

// guardOf is the guard of a ticket the message would open: the same
// words from the same sender join the open ticket they opened (when
// joinable), and the sender's address has its share.
func (e *Engine) guardOf(in Inbound, region string, kind ticket.Kind, text string, joinable bool) ticket.Guard {
	var g ticket.Guard
	if joinable && e.cfg.DuplicateWindow >= 0 {
		g.Same = e.sameKey(in, region, kind, text)
	}
	if e.cfg.AddressTickets > 0 && in.Addr != "" {
		g.Share, g.ShareMax, g.Phone = e.keys.Tenant(in.Tenant, "tpa", in.Addr), e.cfg.AddressTickets, hasPhone(in.Text)
	}
	return g
}

// held answers a message the guard kept from opening a ticket: it joined
// the open ticket of its words, or its address has had its share.
func (e *Engine) held(ctx context.Context, in Inbound, p ticket.Prepared, intent Intent, region string) (Reply, bool, error) {
	switch p.Held {
	case ticket.HeldSame:
		r := Reply{Text: joinedText(p.Ticket), Intent: intent, Ticket: ref(p.Ticket), Region: region, Citations: []Citation{}}
		return r, true, e.join(ctx, in, p.Ticket)
	case ticket.HeldContact, ticket.HeldRefused:
		outcome, text := "contact_asked", contactNeededText
		if p.Held == ticket.HeldRefused {
			outcome, text = "refused", tooManyTicketsText
		}
		e.metrics.TicketGuard.WithLabelValues(outcome).Inc()
		return Reply{Text: text, Intent: intent, Region: region, Citations: []Citation{}}, true, nil
	}
	return Reply{}, false, nil
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

// hasPhone reports whether text carries a number staff could call back:
// a mobile number, or a landline with its area code.
func hasPhone(text string) bool { return len(privacy.Phones(text)) > 0 }
