package knowledge

import (
	"container/heap"
	"sort"
)

// Scoring a question against a region is a sum over its terms of each
// term's postings. A rare term has a short posting list and decides the
// ranking; a common one (a character or bigram most items share) has a
// posting list as long as the region and adds little to any item. On a
// large region the common terms are most of the cost, so they are scored
// only for the items that could still reach the top k once they are added
// (the MaxScore idea): after the rare terms, the k-th best score is a
// floor under the final k-th best score, since terms and boosts only add;
// an item whose score plus everything the common terms could add, boosted
// as much as any item can be, stays below that floor cannot be among the
// k best and is left out. The ranking is exactly that of scoring every
// item with every term.

// commonShare makes a term common when it occurs in more entries than
// 1/commonShare of the region's items.
const commonShare = 8

// term is one question term as one table scores it.
type term struct {
	t  *termTable
	ps []posting
	w  float64 // query weight × scale × idf
}

// leg is one table's share of a question.
type leg struct {
	t     *termTable
	terms qterms
	scale float64
}

// split appends the leg's terms to rare, or to common if they occur in
// more than limit entries, keeping their order.
func (l leg) split(limit int, rare, common []term) ([]term, []term) {
	for _, qt := range l.terms {
		ps := l.t.postings(qt)
		if len(ps) == 0 {
			continue
		}
		x := term{t: l.t, ps: ps, w: l.scale * qt.w * l.t.idf(len(ps))}
		if len(ps) > limit {
			common = append(common, x)
		} else {
			rare = append(rare, x)
		}
	}
	return rare, common
}

// add adds the term's score to every entry it occurs in; with touched
// set, entries scored for the first time are appended to it.
func (x term) add(acc []float64, touched *[]int32) {
	for _, p := range x.ps {
		d := p.doc()
		if touched != nil && acc[d] == 0 {
			*touched = append(*touched, d)
		}
		acc[d] += x.w * x.t.saturated(p)
	}
}

// addIn is add restricted to entries in ranges (ascending, disjoint
// [from, to) spans), found by galloping through the postings.
func (x term) addIn(acc []float64, ranges []span, touched *[]int32) {
	ps := x.ps
	for _, r := range ranges {
		ps = ps[gallop(ps, r.from):]
		for ; len(ps) > 0 && ps[0].doc() < r.to; ps = ps[1:] {
			d := ps[0].doc()
			if touched != nil && acc[d] == 0 {
				*touched = append(*touched, d)
			}
			acc[d] += x.w * x.t.saturated(ps[0])
		}
		if len(ps) == 0 {
			return
		}
	}
}

// span is a range [from, to) of doc ids.
type span struct{ from, to int32 }

// gallop is the index of the first posting of ps at or after doc d:
// exponential steps, then a binary search of the last step, so skipping
// g postings costs O(log g).
func gallop(ps []posting, d int32) int {
	if len(ps) == 0 || ps[0].doc() >= d {
		return 0
	}
	bound := 1
	for bound < len(ps) && ps[bound].doc() < d {
		bound *= 2
	}
	lo, hi := bound/2+1, min(bound+1, len(ps))
	return lo + sort.Search(hi-lo, func(i int) bool { return ps[lo+i].doc() >= d })
}

// weight is the most the terms can add to one entry's score.
func weight(terms []term) float64 {
	w := 0.0
	for _, x := range terms {
		w += x.w
	}
	return w
}

// score fills sc.acc with each item's score before boosts (its own terms
// plus sentenceWeight times its best sentence's) and sc.bestSent with that
// sentence. With prune, items that cannot reach the top k may be left with
// partial scores; without, every item is scored in the same order, to the
// same bits.
func (ri *regionIndex) score(q query, k int, sc *scratch, prune bool) {
	sc.reset(len(ri.items), len(ri.sentItem))
	defer sc.clearSentences()
	// A term is common by the number of items: a region has several
	// sentences per item, and a sentence term found in that many
	// sentences is as costly to score as a common item term.
	limit := len(ri.items) / commonShare
	// A fixed order of addition, by leg and then token, as the legs come
	// and their terms are sorted: the same question gets the same scores
	// to the last bit, so equal items always rank the same way.
	rare, common, rareSents, commonSents := sc.rare[:0], sc.common[:0], sc.rareSents[:0], sc.commonSents[:0]
	for _, l := range []leg{{ri.words, q.words, 1}, {ri.grams, q.grams, gramScale}, {ri.chars, q.chars, charScale}, {ri.sounds, q.sounds, soundScale}} {
		rare, common = l.split(limit, rare, common)
	}
	for _, l := range []leg{{ri.sentWords, q.words, 1}, {ri.sentGrams, q.grams, gramScale}} {
		rareSents, commonSents = l.split(limit, rareSents, commonSents)
	}
	sc.rare, sc.common, sc.rareSents, sc.commonSents = rare, common, rareSents, commonSents

	for _, x := range rare {
		x.add(sc.acc, nil)
	}
	for _, x := range rareSents {
		x.add(sc.sent, &sc.touched)
	}
	ri.bestSentences(sc, sc.touched)
	bound := weight(common) + sentenceWeight*weight(commonSents)
	cut := sc.kthLargest(k)/maxBoost(q) - bound
	if cands := sc.candidates(cut); prune && cut > 0 && len(cands)*commonShare <= len(ri.items) {
		items, sents := ri.spans(cands, sc)
		for _, x := range common {
			x.addIn(sc.acc, items, nil)
		}
		for _, x := range commonSents {
			x.addIn(sc.sent, sents, &sc.touched)
		}
		ri.bestSentencesIn(sc, sents)
	} else {
		for _, x := range common {
			x.add(sc.acc, nil)
		}
		for _, x := range commonSents {
			x.add(sc.sent, &sc.touched)
		}
		ri.bestSentences(sc, sc.touched)
	}
	for i := range sc.acc {
		sc.acc[i] += sentenceWeight * sc.best[i]
	}
}

// bestSentences raises each item's best sentence to the best of the given
// sentences; ties go to the earlier sentence, as a reader would quote it.
func (ri *regionIndex) bestSentences(sc *scratch, sentences []int32) {
	for _, s := range sentences {
		i, v := ri.sentItem[s], sc.sent[s]
		if v > sc.best[i] || v == sc.best[i] && s < sc.bestSent[i] {
			sc.best[i], sc.bestSent[i] = v, s
		}
	}
}

// bestSentencesIn is bestSentences over the sentences in spans.
func (ri *regionIndex) bestSentencesIn(sc *scratch, spans []span) {
	for _, r := range spans {
		for s := r.from; s < r.to; s++ {
			if i, v := ri.sentItem[s], sc.sent[s]; v > 0 && (v > sc.best[i] || v == sc.best[i] && s < sc.bestSent[i]) {
				sc.best[i], sc.bestSent[i] = v, s
			}
		}
	}
}

// spans are the candidates' item ids and sentence ids as ascending spans.
func (ri *regionIndex) spans(cands []int32, sc *scratch) (items, sents []span) {
	items, sents = sc.itemSpans[:0], sc.sentSpans[:0]
	for _, i := range cands {
		items = append(items, span{i, i + 1})
		if from := ri.firstSent[i]; from >= 0 {
			sents = append(sents, span{from, ri.sentEnd[i]})
		}
	}
	sc.itemSpans, sc.sentSpans = items, sents
	return items, sents
}

// scratch is one search's working memory, reused across searches of a
// region: on a large region, allocating and collecting it would cost more
// than the scoring.
type scratch struct {
	acc, best []float64 // per item
	bestSent  []int32   // per item, -1 for none
	// sent is per sentence, zero between searches: only the sentences a
	// search touched are cleared after it, not the whole region's.
	sent                 []float64
	touched              []int32
	floor                floats // kthLargest's heap
	cands                []int32
	itemSpans, sentSpans []span
	// the question's terms, split by cost; kept to spare their allocation
	rare, common, rareSents, commonSents []term
}

// reset sizes and clears the per-item buffers for a region of n items;
// the sentence buffer is sized once and kept clear by clearSentences.
func (sc *scratch) reset(n, sentences int) {
	if len(sc.sent) != sentences {
		sc.sent = make([]float64, sentences)
	}
	sc.acc = resize(sc.acc, n)
	sc.best = resize(sc.best, n)
	if cap(sc.bestSent) < n {
		sc.bestSent = make([]int32, n)
	}
	sc.bestSent = sc.bestSent[:n]
	for i := range sc.bestSent {
		sc.bestSent[i] = -1
	}
	sc.touched = sc.touched[:0]
}

func (sc *scratch) clearSentences() {
	for _, s := range sc.touched {
		sc.sent[s] = 0
	}
	sc.touched = sc.touched[:0]
}

func resize(b []float64, n int) []float64 {
	if cap(b) < n {
		return make([]float64, n)
	}
	b = b[:n]
	clear(b)
	return b
}

// partial is item i's score so far.
func (sc *scratch) partial(i int) float64 { return sc.acc[i] + sentenceWeight*sc.best[i] }

// kthLargest is the k-th largest score so far, 0 if fewer than k items
// have one.
func (sc *scratch) kthLargest(k int) float64 {
	h := &sc.floor // a min-heap of the k largest so far
	*h = (*h)[:0]
	for i := range sc.acc {
		s := sc.partial(i)
		switch {
		case s <= 0:
		case h.Len() < k:
			heap.Push(h, s)
		case s > (*h)[0]:
			(*h)[0] = s
			heap.Fix(h, 0)
		}
	}
	if h.Len() < k {
		return 0
	}
	return (*h)[0]
}

// floats is a min-heap of scores (container/heap).
type floats []float64

func (h floats) Len() int           { return len(h) }
func (h floats) Less(i, j int) bool { return h[i] < h[j] }
func (h floats) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *floats) Push(x any)        { *h = append(*h, x.(float64)) }
func (h *floats) Pop() any {
	x := (*h)[len(*h)-1]
	*h = (*h)[:len(*h)-1]
	return x
}

// candidates are the items whose score so far reaches cut, ascending.
func (sc *scratch) candidates(cut float64) []int32 {
	cands := sc.cands[:0]
	if cut > 0 {
		for i := range sc.acc {
			if sc.partial(i) >= cut {
				cands = append(cands, int32(i))
			}
		}
	}
	sc.cands = cands
	return cands
}
