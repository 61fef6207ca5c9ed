package bot

import (
	"context"

	"frontdoor/bot/gaps"
	"frontdoor/bot/ticket"
)

// gapOf says why a reply did not answer its question well, or "".
func gapOf(r Reply) string {
	switch {
	case r.gap != "":
		return r.gap
	case r.Intent == OutOfScope:
		return gaps.OutOfScope
	case len(r.Choices) > 0:
		return gaps.Asked
	}
	return ""
}

// noteGaps records the questions a reply shows were not answered well:
// this message's, and — when the business now asks for a person — the
// question it asked before. Recording is best effort: a gap lost costs a
// line in a report, never a reply.
func (e *Engine) noteGaps(ctx context.Context, in Inbound, r Reply, before session) {
	region := r.Region
	if region == "" {
		region = before.Region
	}
	if reason := gapOf(r); reason != "" {
		e.recordGap(ctx, in.Tenant, gaps.Gap{At: e.now(), Region: region, Text: in.Text, Reason: reason,
			Items: citedItems(r.Citations), Channel: in.Channel})
	}
	if r.Intent == Human && r.Handoff {
		turns := before.turns()
		for i := len(turns) - 1; i >= 0; i-- {
			if turns[i].From == "business" {
				e.recordGap(ctx, in.Tenant, gaps.Gap{At: e.now(), Region: region, Text: turns[i].Text, Reason: gaps.Handoff,
					Channel: in.Channel})
				break
			}
		}
	}
}

// noteBadRating records the words of a case rated 差评.
func (e *Engine) noteBadRating(ctx context.Context, t *ticket.Ticket) {
	var items []string
	if t.Item != nil {
		items = []string{t.Item.Doc + "#" + t.Item.Number}
	}
	e.recordGap(ctx, t.Tenant, gaps.Gap{At: e.now(), Region: t.Region, Text: t.Text, Reason: gaps.BadRating, Items: items,
		Channel: t.Channel})
}

func (e *Engine) recordGap(ctx context.Context, tenant string, g gaps.Gap) {
	if err := e.gaps.Record(ctx, tenant, g); err != nil {
		e.log.Warn("record gap", "reason", g.Reason, "err", err)
	}
}

// citedItems names the items a reply offered, "doc#item".
func citedItems(cs []Citation) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Doc+"#"+c.Item)
	}
	return out
}
