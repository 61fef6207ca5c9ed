package knowledge

import (
	"container/heap"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// Hit is a ranked item with its score and the sentence that best matches
// the question.
type Hit struct {
	Item    *Item
	Score   float64
	Snippet string
	// Coverage is the share of the question's characters (as bigrams)
	// found in the item.
	Coverage float64
	// Fit is the score relative to what the question could score at best
	// (0–1): comparable across questions, it tells an answer from a guess.
	Fit float64

	doc      int   // index in the region
	sentence int32 // best sentence, -1 if none scored
}

// Search weights.
const (
	charScale   = 0.2  // single characters: colloquial one-character verbs
	soundScale  = 0.2  // pinyin bigrams: homophone typos
	gramScale   = 0.4  // bigram evidence relative to word evidence
	timeBoost   = 0.12 // time questions prefer items that promise a time
	figureBoost = 0.06 // "how much" questions prefer items with an amount
	// tagBoost favours the preferred tag's items (SearchPrefer).
	tagBoost = 0.3
	// conceptWeight: a synonym group is curated evidence of what the
	// question is about, worth more than any one word of it.
	conceptWeight = 2.0
)

// search ranks a region's items for an analysed question.
func (ri *regionIndex) search(q query, k int) []Hit {
	return ri.searchWith(q, k, true)
}

// searchWith is search, pruning items that cannot reach the top k or not.
func (ri *regionIndex) searchWith(q query, k int, prune bool) []Hit {
	n := len(ri.items)
	if n == 0 || len(q.words)+len(q.grams) == 0 {
		return nil
	}
	sc := ri.scratch.Get().(*scratch)
	defer ri.scratch.Put(sc)
	ri.score(q, k, sc, prune)
	self := ri.words.selfScore(q.words, 1) + ri.grams.selfScore(q.grams, gramScale)
	levels := 1.0
	for _, lv := range ri.levels {
		if lv.members() > 0 {
			levels += lv.weight
		}
	}
	self *= levels
	top := topK{k: k}
	for i, s := range sc.acc {
		if s <= 0 {
			continue
		}
		s *= ri.boost(q, i)
		if top.admits(s) {
			top.offer(Hit{Item: ri.items[i], Score: s, doc: i, sentence: sc.levels[0].bestAt[i]})
		}
	}
	hits := top.sorted()
	for i := range hits {
		if self > 0 {
			hits[i].Fit = math.Round(math.Min(1, hits[i].Score/self)*1000) / 1000
		}
		hits[i].Snippet, hits[i].Coverage = ri.snippet(hits[i], q)
		hits[i].Score = math.Round(hits[i].Score*1000) / 1000
	}
	return hits
}

// boost is what item i's score is multiplied by for q.
func (ri *regionIndex) boost(q query, i int) float64 {
	return boostOf(q, ri.timed[i], ri.figured[i], q.prefer != "" && ri.items[i].HasTag(q.prefer))
}

// maxBoost is the most boost can be for any item.
func maxBoost(q query) float64 { return boostOf(q, true, true, true) }

// boostOf is the boost for an item that promises a time, promises a
// figure, and carries the preferred tag, as said: time questions prefer
// items that promise a time, amount questions items with a figure.
func boostOf(q query, timed, figured, tagged bool) float64 {
	b := 1.0
	if q.time && timed {
		b *= 1 + timeBoost
	}
	if q.money && figured {
		b *= 1 + figureBoost
	}
	if q.prefer != "" && tagged {
		b *= 1 + tagBoost
	}
	return b
}

// topK keeps the k best hits seen so far: ranking every item that shares
// a character with the question would cost a sort of the whole region.
// It is a min-heap on rank, so the worst kept hit is at the root.
type topK struct {
	k    int
	hits []Hit
}

func (t *topK) Len() int           { return len(t.hits) }
func (t *topK) Less(i, j int) bool { return worse(&t.hits[i], &t.hits[j]) }
func (t *topK) Swap(i, j int)      { t.hits[i], t.hits[j] = t.hits[j], t.hits[i] }
func (t *topK) Push(x any)         { t.hits = append(t.hits, x.(Hit)) }
func (t *topK) Pop() any {
	h := t.hits[len(t.hits)-1]
	t.hits = t.hits[:len(t.hits)-1]
	return h
}

// worse reports whether a ranks below b: lower score, then later id.
func worse(a, b *Hit) bool {
	if a.Score != b.Score {
		return a.Score < b.Score
	}
	return a.Item.ID > b.Item.ID
}

// admits reports whether a hit scoring s may be kept: most items of a
// large region are turned away here, before a Hit is built.
func (t *topK) admits(s float64) bool {
	return len(t.hits) < t.k || s >= t.hits[0].Score
}

func (t *topK) offer(h Hit) {
	switch {
	case len(t.hits) < t.k:
		heap.Push(t, h)
	case worse(&t.hits[0], &h):
		t.hits[0] = h
		heap.Fix(t, 0)
	}
}

// sorted returns the kept hits, best first.
func (t *topK) sorted() []Hit {
	sort.Slice(t.hits, func(i, j int) bool { return worse(&t.hits[j], &t.hits[i]) })
	return t.hits
}

func hasKind(it *Item, kinds ...string) bool {
	for _, c := range it.Commitments {
		for _, k := range kinds {
			if c.Kind == k {
				return true
			}
		}
	}
	return false
}

// snippet is the item's best-scoring sentence, and coverage the share of
// the question's bigrams the item's title and body contain.
func (ri *regionIndex) snippet(h Hit, q query) (string, float64) {
	text := ""
	if h.sentence >= 0 {
		text = ri.sentText[h.sentence]
	} else if first := ri.sents.first[h.doc]; first >= 0 {
		text = ri.sentText[first]
	}
	if len(q.grams) == 0 {
		return text, 0
	}
	covered := 0
	for _, g := range q.grams {
		if ri.grams.inText(g, int32(h.doc)) {
			covered++
		}
	}
	return text, float64(covered) / float64(len(q.grams))
}

// textScore is how much of an analysed question a piece of text shares:
// bigrams, words and — weighing most — concepts.
func textScore(q query, t analysedText) float64 {
	score := 0.0
	for _, g := range q.grams {
		if t.contains(g.tok) {
			score += g.w
		}
	}
	for _, w := range q.words {
		if !strings.HasPrefix(w.tok, "§") && runeLen(w.tok) > 1 && t.contains(w.tok) {
			score += w.w
		}
	}
	for _, c := range t.concepts {
		if q.words.has(c.tok) {
			score += 2
		}
	}
	return score
}

// Question is a question analysed once for a region: search it, then pick
// the sentences and the figure that answer it, without analysing it again.
// It belongs to one request: it is not for concurrent use.
type Question struct {
	q    query
	ri   *regionIndex
	an   *analyzer
	cond *conditions // when a figure was first chosen for it
	// signs and quantities are how the question says each term and what
	// it states in each unit, worked out for the first figure weighed.
	signs      map[string]termSign
	quantities map[string][]float64
	// scored are the sentence scores of the item last asked for: an
	// answer asks for one item's key sentences several times.
	scoredItem *Item
	scored     []float64
}

// Ask analyses a question for a region.
func (b *Base) Ask(region, text string) (*Question, error) {
	r, ok := b.ResolveRegion(region)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownRegion, region)
	}
	ri := b.regions[r]
	q := b.an.parseQuery(text, r, b.regionNames(r))
	q.resolve(ri.words.dict)
	return &Question{q: q, ri: ri, an: b.an}, nil
}

// Search ranks the region's items, best first, favouring items with the
// tag prefer ("" for none).
func (qn *Question) Search(k int, prefer string) []Hit {
	if k <= 0 {
		k = 5
	}
	q := qn.q
	q.prefer = prefer
	return qn.ri.search(q, k)
}

// KeySentences returns the n sentences of it that share the most with the
// question, in the order the item gives them.
func (qn *Question) KeySentences(it *Item, n int) []string {
	infos := qn.analysed(it).sentences
	if qn.scoredItem != it {
		qn.scoredItem, qn.scored = it, make([]float64, len(infos))
		for i, t := range infos {
			qn.scored[i] = textScore(qn.q, t)
		}
	}
	scores := qn.scored
	order := make([]int, len(infos))
	for i := range infos {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return scores[order[i]] > scores[order[j]] })
	order = order[:min(n, len(order))]
	slices.Sort(order)
	out := make([]string, len(order))
	for i, k := range order {
		out[i] = infos[k].raw
	}
	return out
}

// BestCommitment chooses, among an item's figures of the given kinds, the
// one whose condition the question states ("不用外线施工" → 无外部工程 3个工作日,
// not 高压 30个工作日): by the words its clause, and the questions known to
// ask for it, share with the question; by whether the question and the
// clause negate the same conditions; and by whether a quantity the
// question states meets the bound the figure sets (boundEvidence). Words
// every candidate shares ("用电", "千瓦") tell none of them apart and count
// for little; the condition that differs ("城区" against "农村") decides.
func (qn *Question) BestCommitment(it *Item, kinds map[string]bool) (Commitment, bool) {
	t := qn.analysed(it)
	var cands []int
	for i, c := range it.Commitments {
		if kinds[c.Kind] {
			cands = append(cands, i)
		}
	}
	if len(cands) == 0 {
		return Commitment{}, false
	}
	// Words the item's own questions hold say that a question is about
	// the item, not which of its figures it asks for ("小厂" in a question
	// about free connection for small firms, whatever their area).
	evidence := make([][]weighted, len(cands))
	for j, i := range cands {
		var asked []weighted
		for _, fq := range t.figureQs[i] {
			asked = qn.matchedTerms(asked, fq, figureQuestionWeight)
		}
		ev := qn.matchedTerms(nil, t.subjects[i], 1)
		for _, e := range asked {
			if slices.ContainsFunc(t.questions, func(q analysedText) bool { return holds(q, e.term) }) {
				e.w *= sharedTermShare
			}
			ev = addWeighted(ev, e)
		}
		evidence[j] = ev
	}
	// how many candidates hold each term
	shared := func(term string) int {
		n := 0
		for _, ev := range evidence {
			if slices.ContainsFunc(ev, func(w weighted) bool { return w.term == term }) {
				n++
			}
		}
		return n
	}
	best, bestScore := cands[0], math.Inf(-1)
	for j, i := range cands {
		s := qn.polarity(t.subjects[i]) + qn.boundEvidence(it.Commitments[i])
		for _, e := range evidence[j] {
			w := e.w
			if len(cands) > 1 && shared(e.term) == len(cands) {
				w *= sharedTermShare
			}
			s += w
		}
		if s > bestScore {
			best, bestScore = i, s
		}
	}
	return it.Commitments[best], true
}

// weighted is a term with its weight.
type weighted struct {
	term string
	w    float64
}

// holds reports whether a text holds a term of matchedTerms.
func holds(t analysedText, term string) bool {
	if strings.HasPrefix(term, "§") {
		return t.concepts.count(term) > 0
	}
	term = strings.TrimPrefix(term, "w:")
	return t.contains(term)
}

// addWeighted adds e to ev; a term already there keeps the larger weight.
func addWeighted(ev []weighted, e weighted) []weighted {
	for k := range ev {
		if ev[k].term == e.term {
			ev[k].w = max(ev[k].w, e.w)
			return ev
		}
	}
	return append(ev, e)
}

// focusWeight is how much more a bigram of the clause that asks counts.
const focusWeight = 2

// sharedTermShare is what a word counts for in choosing a figure when
// every candidate's clause has it.
const sharedTermShare = 0.25

// matchedTerms adds to ev the question's bigrams (fillers kept), words and
// concepts a text holds, with their weights times scale; a term already in
// ev keeps the larger weight.
func (qn *Question) matchedTerms(ev []weighted, t analysedText, scale float64) []weighted {
	q := qn.q
	if qn.cond == nil {
		qn.cond = conditionsOf(q)
	}
	add := func(term string, w float64) { ev = addWeighted(ev, weighted{term, w}) }
	for _, g := range qn.cond.grams {
		if t.contains(g.tok) {
			w := scale * g.w
			if qn.cond.focus.has(g.tok) {
				w *= focusWeight
			}
			add(g.tok, w)
		}
	}
	for _, w := range q.words {
		switch {
		case strings.HasPrefix(w.tok, "§"):
			if t.concepts.count(w.tok) > 0 {
				add(w.tok, scale*w.w)
			}
		case runeLen(w.tok) > 1 && t.contains(w.tok):
			add("w:"+w.tok, scale*w.w)
		}
	}
	return ev
}

// FigureAsked is the figure of the item whose questions the question is
// worded like, when one of them shares most of its words: a question that
// names no figure ("晚上能去哪自助办照") may still ask for one (24小时).
func (qn *Question) FigureAsked(it *Item) (Commitment, bool) {
	t := qn.analysed(it)
	grams := qn.q.grams
	if len(grams) == 0 {
		return Commitment{}, false
	}
	best, bestShare := -1, figureAskedShare
	for i := range it.Commitments {
		for _, fq := range t.figureQs[i] {
			shared := 0
			for _, g := range grams {
				if fq.contains(g.tok) {
					shared++
				}
			}
			if share := float64(shared) / float64(len(grams)); share > bestShare {
				best, bestShare = i, share
			}
		}
	}
	if best < 0 {
		return Commitment{}, false
	}
	return it.Commitments[best], true
}

// figureAskedShare is the share of a question's bigrams one of a figure's
// questions must hold for the question to count as asking for the figure.
const figureAskedShare = 0.5

// figureQuestionWeight is how much a figure's questions count beside its
// clause: they are worded as businesses word it, so they meet more of a
// question's words, and each of them is one way of asking.
const figureQuestionWeight = 0.5

// analysed returns an item's sentences and commitment subjects as the
// index analysed them, or analyses them now for an item of another region.
func (qn *Question) analysed(it *Item) *itemText {
	if i, ok := qn.ri.pos[it]; ok {
		return qn.ri.text(i, qn.an)
	}
	t := analyseItem(qn.an, it)
	return &t
}

// BestCommitment is Question.BestCommitment for a one-off question.
func (b *Base) BestCommitment(it *Item, text string, kinds map[string]bool) (Commitment, bool) {
	qn, err := b.Ask(it.Region, text)
	if err != nil {
		return Commitment{}, false
	}
	return qn.BestCommitment(it, kinds)
}
