package bot

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"

	"frontdoor/bot/llm"
	"frontdoor/knowledge"
)

// phraseBudget is how long the model may take before the template answer
// goes out instead.
const phraseBudget = 2 * time.Second

// phrase asks the language model to rewrite the template answer from the
// retrieved items. The template wins when the model is slow, fails, is
// known to be failing (its circuit breaker is open: the answer goes out at
// once), or returns text that cites none of the items it was given or
// states a figure that neither they nor the template state: the routing,
// the cited items and every figure always come from the knowledge base.
func (e *Engine) phrase(ctx context.Context, kb *knowledge.Base, question string, res []knowledge.Hit, draft string) string {
	items := make([]*knowledge.Item, 0, 3)
	for i, h := range res {
		if i == 3 {
			break
		}
		items = append(items, h.Item)
	}
	title := func(it *knowledge.Item) string { return docTitle(kb, it) }
	ctx, cancel := context.WithTimeout(ctx, phraseBudget)
	defer cancel()
	text, err := e.phraser.Phrase(ctx, question, items, title, draft)
	switch {
	case errors.Is(err, llm.ErrOpen):
		e.metrics.LLM.WithLabelValues("open").Inc()
		return draft
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
	if f, ok := unstatedFigure(text, items, title, draft); ok {
		e.metrics.LLM.WithLabelValues("rejected").Inc()
		e.log.Info("phrased answer states a figure the items do not; template used", "figure", f)
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

// unstatedFigure returns a figure of answer that neither the items nor the
// template answer state. Citations are not figures: the titles of the
// items and their documents, and the numbers of citations that number an
// item given (第21项, 第二十一项, [21]), are taken out first, and the
// numbers left inside 《》 or in a document number (〔2021〕7号) need only be
// a title's. An item's number counts nowhere else: 5个工作日 beside a
// citation of 第5项 is a figure of its own. The question's figures do not
// count either: a question must not get a figure confirmed that no item
// states.
func unstatedFigure(answer string, items []*knowledge.Item, docTitle func(*knowledge.Item) string, draft string) (string, bool) {
	var names []string
	numbers, titled := map[string]bool{}, map[string]bool{}
	add := func(set map[string]bool, values []string) {
		for _, v := range values {
			set[v] = true
		}
	}
	for _, it := range items {
		t := docTitle(it)
		names = append(names, t, it.Title)
		add(titled, numerals(t))
		add(titled, numerals(it.Title))
		add(numbers, numerals(it.Number))
	}
	// units[v] are the units the items and the template state v in, ""
	// among them when they state it once without one, which any unit may
	// then restate; a value with no units is not stated
	units := map[string]map[string]bool{}
	addMeasured := func(ms []measured) {
		for _, m := range ms {
			if units[m.value] == nil {
				units[m.value] = map[string]bool{}
			}
			units[m.value][m.unit] = true
		}
	}
	rest, _ := uncited(draft, names, numbers)
	addMeasured(measuredFigures(rest))
	for _, it := range items {
		addMeasured(measuredFigures(it.Text))
		for _, c := range it.Commitments {
			addMeasured(measuredFigures(c.Text))
		}
	}
	rest, named := uncited(answer, names, numbers)
	for _, f := range measuredFigures(rest) {
		switch u := units[f.value]; {
		case u == nil:
			return f.value, true
		case f.unit != "" && !u[f.unit] && !u[""]:
			// 3个工作日 restated as 3天 is another promise
			return f.value + f.unit, true
		}
	}
	for _, f := range named {
		if units[f] == nil && !titled[f] {
			return f, true
		}
	}
	return "", false
}

var (
	reItemCitation = regexp.MustCompile(`第([0-9０-９〇零一二两三四五六七八九十百]+)项|\[([0-9０-９]+)\]`)
	reDocName      = regexp.MustCompile(`《[^《》]*》|[〔\[(（［][0-9０-９]{4}[〕\])）］][0-9０-９]+号`)
)

// uncited blanks, in s, the names (titles) and the citations of the item
// numbers in numbers, then the document names (《…》, 〔2021〕7号); it returns
// what is left and the numerals of the document names.
func uncited(s string, names []string, numbers map[string]bool) (rest string, named []string) {
	names = slices.Clone(names)
	// a title may hold a shorter one
	slices.SortFunc(names, func(a, b string) int { return len(b) - len(a) })
	for _, n := range names {
		if n != "" {
			s = strings.ReplaceAll(s, n, "|")
		}
	}
	s = reItemCitation.ReplaceAllStringFunc(s, func(c string) string {
		for _, v := range numerals(strings.Trim(c, "第项[]")) {
			if !numbers[v] {
				return c
			}
		}
		return "|"
	})
	s = reDocName.ReplaceAllStringFunc(s, func(c string) string {
		named = append(named, numerals(c)...)
		return "|"
	})
	return s, named
}
