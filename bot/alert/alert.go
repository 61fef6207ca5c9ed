// Package alert tells duty groups of new work and of deadlines slipping:
// a new ticket for a unit, a new hand-off, a return to the dispatcher, a
// warning, 一次督办, 二次督办 and 问责 — as WeCom group-robot markdown
// messages, the ordinary way a Chinese office hears of work, or by e-mail.
//
// The ticket store appends an alert to the tenant's stream in the same
// write that records the event (Of decides which events), so an alert
// exists exactly when its change does. Senders in every replica read the
// stream as one consumer group: each alert goes to one sender, is retried
// with backoff while a target fails, and is sent once to each target.
package alert

import (
	"strconv"

	"frontdoor/bot/ticket"
)

// Kinds of alert.
const (
	NewTicket = "new_ticket"
	Handoff   = "handoff"
	Returned  = "returned"
	Warning   = "warning"
	Level1    = "level1"
	Level2    = "level2"
	Level3    = "level3"
)

// Kinds lists every kind, for metrics.
var Kinds = []string{NewTicket, Handoff, Returned, Warning, Level1, Level2, Level3}

// Of is the alert policy: the kind of alert event e of t calls for, or ""
// for none. A transfer or re-assignment is a new ticket for the unit that
// receives it, and so is a cooperating unit's task (协办).
func Of(t *ticket.Ticket, e ticket.Event) string {
	switch e.Type {
	case ticket.EvOpened:
		if t.Kind == ticket.Handoff {
			return Handoff
		}
		return NewTicket
	case ticket.EvTransferred, ticket.EvTaskAdded:
		return NewTicket
	case ticket.EvReturned:
		return Returned
	case ticket.EvWarned, ticket.EvTaskWarned:
		return Warning
	case ticket.EvEscalated:
		switch n, _ := strconv.Atoi(e.Data["level"]); n {
		case 1:
			return Level1
		case 2:
			return Level2
		case 3:
			return Level3
		}
	}
	return ""
}
