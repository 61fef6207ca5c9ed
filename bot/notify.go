package bot

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"frontdoor/bot/outbox"
	"frontdoor/bot/ticket"
)

// Pusher sends a message to a business through a platform (the WeChat
// customer-service API, WeCom message/send). The JSON channel has none:
// its businesses read their outbox.
type Pusher interface {
	Push(ctx context.Context, account, user, text string) error
}

// ErrUndeliverable is what a Pusher's error matches when the platform
// refuses the message for this user for now (outside its reply window, or
// the user unfollowed): no retry will help.
var ErrUndeliverable = errors.New("message undeliverable to this user now")

// tellBusiness sends a message outside a direct reply: it is kept in the
// user's outbox and, for platforms that allow it, pushed; whether it
// arrived is recorded on the ticket.
func (e *Engine) tellBusiness(ctx context.Context, t *ticket.Ticket, from, text string) error {
	msg := outbox.Message{Text: text, From: from, Ticket: t.ID, Time: e.now(), Status: "sent"}
	id, err := e.outbox.Append(ctx, t.Tenant, t.User, msg)
	if err != nil {
		return err
	}
	p := e.pushers[t.Channel]
	if p == nil {
		return nil
	}
	perr := p.Push(ctx, t.Account, t.User, text)
	outcome, status := "delivered", "delivered"
	if perr != nil {
		outcome, status = "failed", "undelivered"
		e.log.Warn("push to business failed", "ticket", t.ID, "channel", t.Channel, "err", perr)
	}
	if errors.Is(perr, ErrUndeliverable) {
		e.keep(ctx, t)
	}
	e.metrics.Deliveries.WithLabelValues(t.Channel, outcome).Inc()
	if err := e.outbox.MarkStatus(ctx, t.Tenant, t.User, id, status); err != nil {
		e.log.Warn("record delivery", "err", err)
	}
	_, err = e.tickets.RecordDelivery(ctx, t.Tenant, t.ID, t.Channel, perr)
	return err
}

// Announcement is what the console hears about a ticket.
type Announcement struct {
	Tenant string   `json:"tenant"`
	Ticket string   `json:"ticket"`
	Event  string   `json:"event"`
	Region string   `json:"region"`
	Units  []string `json:"units"`
	Desk   string   `json:"desk,omitempty"`
	Kind   string   `json:"kind"`
}

// AnnounceChannel is the Redis Pub/Sub channel the console listens on.
func (e *Engine) AnnounceChannel(tenant string) string { return e.keys.Tenant(tenant, "announce") }

// Announce tells every console replica that a ticket changed, so that new
// hand-offs, and tickets staff move to another unit, appear without
// reloading. It is best effort.
func (e *Engine) Announce(ctx context.Context, t *ticket.Ticket, event string) {
	channel, data := e.announcement(event)(t)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	if err := e.rdb.Publish(ctx, channel, data).Err(); err != nil {
		e.log.Debug("announce", "err", err)
	}
}

// announcement makes the message announcing event on a ticket, for
// announce or for the write that opens the ticket (ticket.Request.Announce).
func (e *Engine) announcement(event string) func(*ticket.Ticket) (string, []byte) {
	return func(t *ticket.Ticket) (string, []byte) {
		a := Announcement{Tenant: t.Tenant, Ticket: t.ID, Event: event, Region: t.Region, Units: t.Units, Desk: t.Desk, Kind: string(t.Kind)}
		data, _ := json.Marshal(a)
		return e.AnnounceChannel(t.Tenant), data
	}
}

// StaffReply records a staff member's answer and delivers it to the
// business through the channel it wrote from.
func (e *Engine) StaffReply(ctx context.Context, tenant, id, actor, text string) (*ticket.Ticket, error) {
	t, err := e.tickets.Reply(ctx, tenant, id, actor, text)
	if err != nil {
		return nil, err
	}
	if err := e.tellBusiness(ctx, t, "staff", text); err != nil {
		return t, err
	}
	e.Announce(ctx, t, ticket.EvReply)
	return e.tickets.Get(ctx, tenant, id)
}

// Resolve closes the work on a ticket, tells the business the outcome and
// asks for a 好差评 rating; the bot resumes the conversation.
func (e *Engine) Resolve(ctx context.Context, tenant, id, actor, summary string) (*ticket.Ticket, error) {
	t, err := e.tickets.Resolve(ctx, tenant, id, actor, summary)
	if err != nil {
		return nil, err
	}
	if err := e.tellBusiness(ctx, t, "bot", resolvedText(t, summary)); err != nil {
		return t, err
	}
	sessKey := e.tickets.SessionKey(tenant, t.User)
	pipe := e.rdb.TxPipeline()
	pipe.HSet(ctx, sessKey, "awaiting", "rating", "rating_ticket", t.ID)
	pipe.Expire(ctx, sessKey, e.cfg.SessionTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return t, e.storeErr(err)
	}
	e.Announce(ctx, t, ticket.EvResolved)
	return t, nil
}

// ClockNotifier tells people about clock events: the business when its
// request is escalated, the console always.
func (e *Engine) ClockNotifier() ticket.Notifier {
	return func(ctx context.Context, t *ticket.Ticket, fired []ticket.Event) {
		for _, ev := range fired {
			e.metrics.ClockEvents.WithLabelValues(ev.Type).Inc()
			e.Announce(ctx, t, ev.Type)
			if ev.Type != ticket.EvEscalated {
				continue
			}
			if err := e.tellBusiness(ctx, t, "bot", escalatedText(t, ev.Text)); err != nil {
				e.log.Warn("tell business of escalation", "ticket", t.ID, "err", err)
			}
		}
	}
}
