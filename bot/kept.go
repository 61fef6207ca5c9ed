package bot

import (
	"context"
	"strings"

	"frontdoor/bot/outbox"
	"frontdoor/bot/ticket"
)

// Messages a platform refused — a WeChat reply window of 48 hours after
// the business's last message had closed — are kept and handed over in
// the reply to the business's next message, which opens the window again.
// Meanwhile the ticket says it was not reached (ticket.Unreached), so that
// staff call the number the business left.

// keep marks the business's session so that its next message carries
// what could not be pushed.
func (e *Engine) keep(ctx context.Context, t *ticket.Ticket) {
	key := e.tickets.SessionKey(t.Tenant, t.User)
	pipe := e.rdb.TxPipeline()
	pipe.HSet(ctx, key, "kept", "1")
	pipe.Expire(ctx, key, e.cfg.SessionTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		e.log.Warn("keep undelivered message", "ticket", t.ID, "err", err)
	}
}

// kept is what the business did not receive, to put before the reply to
// its message, and the messages it holds.
func (e *Engine) kept(ctx context.Context, in Inbound, sess *session) (string, []outbox.Message) {
	if sess.Kept == "" {
		return "", nil
	}
	sess.Kept = ""
	msgs, err := e.outbox.Undelivered(ctx, in.Tenant, in.User)
	if err != nil || len(msgs) == 0 {
		if err != nil {
			e.log.Warn("read undelivered messages", "err", err)
		}
		return "", nil
	}
	parts := []string{keptText}
	for _, m := range msgs {
		parts = append(parts, keptLine(m, formatTime(m.Time)))
	}
	return strings.Join(parts, "\n"), msgs
}

// handedOver records that the kept messages went out with a reply.
func (e *Engine) handedOver(ctx context.Context, in Inbound, msgs []outbox.Message) {
	tickets := map[string]bool{}
	for _, m := range msgs {
		if err := e.outbox.MarkStatus(ctx, in.Tenant, in.User, m.ID, "delivered"); err != nil {
			e.log.Warn("record delivery", "err", err)
		}
		if m.Ticket != "" {
			tickets[m.Ticket] = true
		}
	}
	for id := range tickets {
		t, err := e.tickets.RecordDelivery(ctx, in.Tenant, id, in.Channel, nil)
		if err != nil {
			e.log.Warn("record delivery", "ticket", id, "err", err)
			continue
		}
		e.Announce(ctx, t, ticket.EvDelivered)
	}
}
