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
		acc[d] += x.w * p.sat()
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
			acc[d] += x.w * ps[0].sat()
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

// level is a part of every item that is scored member by member, the
// item gaining its best member's score times weight: its sentences (a
// long measure is found by the one sentence that answers the question)
// and the questions businesses ask about it (a question worded as the
// business words it is found by the one of them worded alike).
type level struct {
	words, grams *termTable
	item         []int32 // member → item
	first        []int32 // item → its first member, -1 if none
	end          []int32 // item → one past its last member
	weight       float64
}

// members is how many the level holds.
func (lv *level) members() int { return len(lv.item) }

// add appends an item's members' terms; the item's members must be added
// together, items in ascending order.
func (lv *level) add(item int32, words, grams [][]string) {
	lv.first = append(lv.first, -1)
	if len(words) > 0 {
		lv.first[item] = int32(len(lv.item))
	}
	for m := range words {
		var w, g [nFields][]string
		w[fBody], g[fBody] = words[m], grams[m]
		lv.words.add(int32(len(lv.item)), w)
		lv.grams.add(int32(len(lv.item)), g)
		lv.item = append(lv.item, item)
	}
	lv.end = append(lv.end, int32(len(lv.item)))
}

func (lv *level) finish() {
	lv.words.finish()
	lv.grams.finish()
}

// levelScratch is one level's share of a search's working memory.
type levelScratch struct {
	// unit is per member, zero between searches: only the members a search
	// touched are cleared after it, not the whole region's.
	unit    []float64
	touched []int32
	best    []float64 // per item
	bestAt  []int32   // per item, -1 for none
	spans   []span
	// the question's terms, split by cost; kept to spare their allocation
	rare, common []term
}

// score fills sc.acc with each item's score before boosts (its own terms
// plus each level's weight times its best member's) and each level's best
// members. With prune, items that cannot reach the top k may be left with
// partial scores; without, every item is scored in the same order, to the
// same bits.
func (ri *regionIndex) score(q query, k int, sc *scratch, prune bool) {
	sc.reset(len(ri.items), ri.levels)
	defer sc.clearLevels()
	// A term is common by the number of items: a region has several
	// sentences and questions per item, and a member term found in that
	// many members is as costly to score as a common item term.
	limit := len(ri.items) / commonShare
	// A fixed order of addition, by leg and then token, as the legs come
	// and their terms are sorted: the same question gets the same scores
	// to the last bit, so equal items always rank the same way.
	rare, common := sc.rare[:0], sc.common[:0]
	for _, l := range []leg{{ri.words, q.words, 1}, {ri.grams, q.grams, gramScale}, {ri.chars, q.chars, charScale}, {ri.sounds, q.sounds, soundScale}} {
		rare, common = l.split(limit, rare, common)
	}
	sc.rare, sc.common = rare, common
	for _, x := range rare {
		x.add(sc.acc, nil)
	}
	bound := weight(common)
	for li, lv := range ri.levels {
		ls := &sc.levels[li]
		ls.rare, ls.common = ls.rare[:0], ls.common[:0]
		for _, l := range []leg{{lv.words, q.words, 1}, {lv.grams, q.grams, gramScale}} {
			ls.rare, ls.common = l.split(limit, ls.rare, ls.common)
		}
		for _, x := range ls.rare {
			x.add(ls.unit, &ls.touched)
		}
		ls.raise(lv, ls.touched)
		bound += lv.weight * weight(ls.common)
	}
	cut := sc.kthLargest(k, ri.levels)/maxBoost(q) - bound
	if cands := sc.candidates(cut, ri.levels); prune && cut > 0 && len(cands)*commonShare <= len(ri.items) {
		items := sc.itemSpans[:0]
		for _, i := range cands {
			items = append(items, span{i, i + 1})
		}
		sc.itemSpans = items
		for _, x := range common {
			x.addIn(sc.acc, items, nil)
		}
		for li, lv := range ri.levels {
			ls := &sc.levels[li]
			spans := ls.spansOf(lv, cands)
			for _, x := range ls.common {
				x.addIn(ls.unit, spans, &ls.touched)
			}
			ls.raiseIn(lv, spans)
		}
	} else {
		for _, x := range common {
			x.add(sc.acc, nil)
		}
		for li, lv := range ri.levels {
			ls := &sc.levels[li]
			for _, x := range ls.common {
				x.add(ls.unit, &ls.touched)
			}
			ls.raise(lv, ls.touched)
		}
	}
	for li, lv := range ri.levels {
		for i, b := range sc.levels[li].best {
			sc.acc[i] += lv.weight * b
		}
	}
}

// raise raises each item's best member to the best of the given members;
// ties go to the earlier member, as a reader would quote it.
func (ls *levelScratch) raise(lv *level, members []int32) {
	for _, s := range members {
		i, v := lv.item[s], ls.unit[s]
		if v > ls.best[i] || v == ls.best[i] && s < ls.bestAt[i] {
			ls.best[i], ls.bestAt[i] = v, s
		}
	}
}

// raiseIn is raise over the members in spans.
func (ls *levelScratch) raiseIn(lv *level, spans []span) {
	for _, r := range spans {
		for s := r.from; s < r.to; s++ {
			if i, v := lv.item[s], ls.unit[s]; v > 0 && (v > ls.best[i] || v == ls.best[i] && s < ls.bestAt[i]) {
				ls.best[i], ls.bestAt[i] = v, s
			}
		}
	}
}

// spansOf are the candidates' members as ascending spans.
func (ls *levelScratch) spansOf(lv *level, cands []int32) []span {
	out := ls.spans[:0]
	for _, i := range cands {
		if from := lv.first[i]; from >= 0 {
			out = append(out, span{from, lv.end[i]})
		}
	}
	ls.spans = out
	return out
}

// scratch is one search's working memory, reused across searches of a
// region: on a large region, allocating and collecting it would cost more
// than the scoring.
type scratch struct {
	acc       []float64 // per item
	levels    []levelScratch
	floor     floats // kthLargest's heap
	cands     []int32
	itemSpans []span
	// the question's terms, split by cost; kept to spare their allocation
	rare, common []term
}

// reset sizes and clears the per-item buffers for a region of n items;
// the member buffers are sized once and kept clear by clearLevels.
func (sc *scratch) reset(n int, levels []*level) {
	if len(sc.levels) != len(levels) {
		sc.levels = make([]levelScratch, len(levels))
	}
	for li, lv := range levels {
		ls := &sc.levels[li]
		if len(ls.unit) != lv.members() {
			ls.unit = make([]float64, lv.members())
		}
		ls.best = resize(ls.best, n)
		if cap(ls.bestAt) < n {
			ls.bestAt = make([]int32, n)
		}
		ls.bestAt = ls.bestAt[:n]
		for i := range ls.bestAt {
			ls.bestAt[i] = -1
		}
		ls.touched = ls.touched[:0]
	}
	sc.acc = resize(sc.acc, n)
}

func (sc *scratch) clearLevels() {
	for li := range sc.levels {
		ls := &sc.levels[li]
		for _, s := range ls.touched {
			ls.unit[s] = 0
		}
		ls.touched = ls.touched[:0]
	}
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
func (sc *scratch) partial(i int, levels []*level) float64 {
	s := sc.acc[i]
	for li, lv := range levels {
		s += lv.weight * sc.levels[li].best[i]
	}
	return s
}

// kthLargest is the k-th largest score so far, 0 if fewer than k items
// have one.
func (sc *scratch) kthLargest(k int, levels []*level) float64 {
	h := &sc.floor // a min-heap of the k largest so far
	*h = (*h)[:0]
	for i := range sc.acc {
		s := sc.partial(i, levels)
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
func (sc *scratch) candidates(cut float64, levels []*level) []int32 {
	cands := sc.cands[:0]
	if cut > 0 {
		for i := range sc.acc {
			if sc.partial(i, levels) >= cut {
				cands = append(cands, int32(i))
			}
		}
	}
	sc.cands = cands
	return cands
}
