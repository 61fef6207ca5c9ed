package bot

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/ticket"
)

// History is what a business sees again when it comes back to a chat:
// its conversation with the bot while its session lasts, and its
// requests still being handled.
type History struct {
	Turns   []ticket.Turn `json:"turns"`
	Tickets []TicketView  `json:"tickets"`
}

// TicketView is one of the business's requests as it is shown to the
// business.
type TicketView struct {
	TicketRef
	StatusText string `json:"status_text"`
	Kind       string `json:"kind"`
}

// History reads a business's conversation and open requests.
func (e *Engine) History(ctx context.Context, tenant, user string) (History, error) {
	h := History{Turns: []ticket.Turn{}, Tickets: []TicketView{}}
	conv, err := e.rdb.HGet(ctx, e.tickets.SessionKey(tenant, user), "conv").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return h, e.storeErr(err)
	}
	s := session{Conv: conv}
	if ts := s.turns(); len(ts) > 0 {
		h.Turns = ts
	}
	ts, err := e.tickets.List(ctx, ticket.Query{Tenant: tenant, User: user, Limit: 20})
	if err != nil {
		return h, err
	}
	for _, t := range ts {
		if t.Status.Open() {
			h.Tickets = append(h.Tickets, TicketView{TicketRef: *ref(t), StatusText: t.Status.Chinese(), Kind: t.Kind.Chinese()})
		}
	}
	return h, nil
}
