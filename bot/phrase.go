package bot

import (
	"context"
	"errors"
	"strings"
	"time"

	"frontdoor/knowledge"
)

// phraseBudget is how long the model may take before the template answer
// goes out instead.
const phraseBudget = 2 * time.Second

// phrase asks the language model to rewrite the template answer from the
// retrieved items. The template wins when the model is slow, fails, or
// returns text that cites none of the items it was given: the routing and
// the cited items always come from the knowledge base.
func (e *Engine) phrase(ctx context.Context, question string, res []knowledge.Hit, draft string) string {
	items := make([]*knowledge.Item, 0, 3)
	for i, h := range res {
		if i == 3 {
			break
		}
		items = append(items, h.Item)
	}
	ctx, cancel := context.WithTimeout(ctx, phraseBudget)
	defer cancel()
	text, err := e.phraser.Phrase(ctx, question, items, draft)
	switch {
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil:
		e.metrics.LLM.WithLabelValues("timeout").Inc()
		return draft
	case err != nil:
		e.metrics.LLM.WithLabelValues("error").Inc()
		e.log.Warn("phrase answer", "err", err)
		return draft
	case !citesAny(text, items):
		e.metrics.LLM.WithLabelValues("rejected").Inc()
		return draft
	}
	e.metrics.LLM.WithLabelValues("ok").Inc()
	return text
}

// citesAny reports whether text names one of the items by title or number.
func citesAny(text string, items []*knowledge.Item) bool {
	for _, it := range items {
		if it.Title != "" && strings.Contains(text, it.Title) {
			return true
		}
		if it.Number != "" && (strings.Contains(text, "第"+it.Number+"项") || strings.Contains(text, "["+it.Number+"]")) {
			return true
		}
	}
	return false
}
