package knowledge

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Fields of an item, weighted for ranking: a question names what the
// title names far more often than what the body mentions in passing.
const (
	fTitle = iota
	fBody
	fSection
	fUnits
	fTags
	fQuestions // what businesses ask about the item (QuestionsDir)
	nFields
)

var fieldWeight = [nFields]float64{fTitle: 3, fBody: 1, fSection: 0.5, fUnits: 0.6, fTags: 1, fQuestions: 1}

const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// counts are one entry's term frequencies while a table is built, packed
// in 64 bits: the entry number in the low 24, then six bits per field,
// saturating at 63, far beyond where BM25 saturates.
type counts uint64

// tfBits is the width of one field's frequency in counts.
const (
	tfBits = 6
	maxTF  = 1<<tfBits - 1
)

// Every field's frequency must fit beside the item number.
var _ [64 - (24 + tfBits*nFields)]struct{}

// maxRegionItems is the most items, or sentences, one region may hold.
const maxRegionItems = 1<<24 - 1

func newCounts(doc int32) counts { return counts(doc) & maxRegionItems }

// doc is the entry number.
func (c counts) doc() int32 { return int32(c & maxRegionItems) }

// tf is the term's frequency in field f.
func (c counts) tf(f int) uint8 { return uint8(c>>(24+tfBits*f)) & maxTF }

// count adds one occurrence in field f, up to maxTF.
func (c *counts) count(f int) {
	if c.tf(f) < maxTF {
		*c += 1 << (24 + tfBits*f)
	}
}

// tfs is every field's frequency.
func (c counts) tfs() (out [nFields]uint8) {
	for f := range out {
		out[f] = c.tf(f)
	}
	return out
}

// posting is one entry of a finished table's posting list, in 64 bits: the
// entry number in the low 24, a bit saying whether the term is in the
// entry's title or body, and in the high 32 the term's frequency in the
// entry as BM25F scores it — weighted and length-normalised per field, and
// saturated — as a float32. Worked out when the table is finished, it
// makes scoring a posting one multiplication: reading the entry's field
// norms for every posting cost a cache miss each on the long lists of the
// questions and messages. A large region holds millions of postings.
type posting uint64

// inTextBit marks a posting whose term is in the entry's title or body.
const inTextBit = 1 << 24

func makePosting(doc int32, inText bool, sat float64) posting {
	p := posting(doc) & maxRegionItems
	if inText {
		p |= inTextBit
	}
	return p | posting(math.Float32bits(float32(sat)))<<32
}

// doc is the posting's entry number.
func (p posting) doc() int32 { return int32(p & maxRegionItems) }

// sat is the term's saturated frequency in the entry: below 1, so a term
// adds less than its weight however often it occurs.
func (p posting) sat() float64 { return float64(math.Float32frombits(uint32(p >> 32))) }

// inText reports a term in the entry's title or body.
func (p posting) inText() bool { return p&inTextBit != 0 }

// termTable is an inverted index of one kind of term. While a region is
// being built its postings are appended to one list in item order, each
// naming its term by a number local to the table; finish numbers the
// terms in the base's dictionary and sorts the postings into one packed
// array in term order. A province-wide base has hundreds of regions that
// share most of their vocabulary, and a map per table per region, with its
// own copy of every string, was most of its memory; a growing list per
// term was most of the time it took to build.
type termTable struct {
	dict   *dictionary
	build  *tableBuild // until finish
	ids    []uint32    // the table's terms, ascending
	offs   []uint32    // postings of ids[i] are packed[offs[i]:offs[i+1]]
	packed []posting
	// entries is how many entries the table indexes.
	entries int
}

// tableBuild is a termTable's state while items are added.
type tableBuild struct {
	local   map[string]uint32 // term → its number in terms
	terms   []string
	last    []int32 // term number → index in pending of its latest posting
	pending []pendingPosting
	// lens are each entry's field lengths in terms.
	lens [][nFields]float32
}

type pendingPosting struct {
	term uint32
	p    counts
}

func newTermTable(d *dictionary) *termTable {
	return &termTable{dict: d, build: &tableBuild{local: map[string]uint32{}}}
}

// add indexes one item's terms, field by field; doc ids are dense and
// added in ascending order.
func (t *termTable) add(doc int32, fields [nFields][]string) {
	b := t.build
	var lens [nFields]float32
	for f, terms := range fields {
		lens[f] = float32(len(terms))
		for _, term := range terms {
			n, ok := b.local[term]
			if !ok {
				n = uint32(len(b.terms))
				b.local[term] = n
				b.terms = append(b.terms, term)
				b.last = append(b.last, -1)
			}
			i := b.last[n]
			if i < 0 || b.pending[i].p.doc() != doc {
				i = int32(len(b.pending))
				b.pending = append(b.pending, pendingPosting{term: n, p: newCounts(doc)})
				b.last[n] = i
			}
			b.pending[i].p.count(f)
		}
	}
	b.lens = append(b.lens, lens)
	t.entries++
}

// finish numbers the terms, packs their posting lists into one exactly
// sized array in id order, and works out each posting's saturated
// frequency from the entry's field lengths against the table's averages.
func (t *termTable) finish() {
	b := t.build
	t.build = nil
	ids := t.dict.intern(b.terms)
	order := make([]uint32, len(b.terms))
	for i := range order {
		order[i] = uint32(i)
	}
	slices.SortFunc(order, func(x, y uint32) int { return cmp.Compare(ids[x], ids[y]) })
	// Count each term's postings, turn the counts into start offsets in id
	// order, then place the postings: their item order is kept.
	next := make([]uint32, len(b.terms))
	for _, pp := range b.pending {
		next[pp.term]++
	}
	t.ids = make([]uint32, len(order))
	t.offs = make([]uint32, len(order)+1)
	at := uint32(0)
	for i, n := range order {
		t.ids[i] = ids[n]
		t.offs[i] = at
		at, next[n] = at+next[n], at
	}
	t.offs[len(order)] = at
	// Each entry's field weights over their BM25 length norms:
	// fieldWeight / (1 - b + b·len/avg).
	var sum, avg [nFields]float64
	for _, l := range b.lens {
		for f := range l {
			sum[f] += float64(l[f])
		}
	}
	for f := range sum {
		avg[f] = math.Max(sum[f]/math.Max(float64(len(b.lens)), 1), 1)
	}
	norms := b.lens
	for i := range norms {
		l := &norms[i]
		for f := range l {
			l[f] = float32(fieldWeight[f] / (1 - bm25B + bm25B*float64(l[f])/avg[f]))
		}
	}
	t.packed = make([]posting, len(b.pending))
	for _, pp := range b.pending {
		k := &norms[pp.p.doc()]
		var tf float64
		for f := range nFields {
			if n := pp.p.tf(f); n != 0 {
				tf += float64(n) * float64(k[f])
			}
		}
		inText := pp.p.tf(fTitle) > 0 || pp.p.tf(fBody) > 0
		t.packed[next[pp.term]] = makePosting(pp.p.doc(), inText, tf/(bm25K1+tf))
		next[pp.term]++
	}
}

// postings is a question term's posting list, sorted by doc id; nil when
// no entry of the table has the term.
func (t *termTable) postings(qt qterm) []posting {
	if !qt.known {
		return nil
	}
	return t.listID(qt.id)
}

// listID is the posting list of the term numbered id in the dictionary.
func (t *termTable) listID(id uint32) []posting {
	i, found := slices.BinarySearch(t.ids, id)
	if !found {
		return nil
	}
	return t.packed[t.offs[i]:t.offs[i+1]:t.offs[i+1]]
}

// inText reports whether a term is in one entry's title or body: doc ids
// are added in order, so every posting list is sorted and gallop finds the
// entry's posting.
func (t *termTable) inText(qt qterm, doc int32) bool {
	ps := t.postings(qt)
	i := gallop(ps, doc)
	return i < len(ps) && ps[i].doc() == doc && ps[i].inText()
}

// idf is the BM25 inverse document frequency of a term.
func (t *termTable) idf(df int) float64 {
	n := float64(t.entries)
	return math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
}

// selfScore is the most a query could score against this table: every
// term matched with saturated frequency. Terms the index has never seen
// count as the rarest, so a question full of words no document uses has a
// low fit however well its few known words match.
func (t *termTable) selfScore(query qterms, scale float64) float64 {
	total := 0.0
	for _, qt := range query {
		df := len(t.postings(qt))
		if df == 0 {
			df = 1
		}
		total += scale * qt.w * t.idf(df)
	}
	return total
}

// regionIndex ranks the items of one region. Each region has its own
// index: a business asks about its own region, and a province-wide
// deployment with many regions pays for one region's items per query.
//
// Items are ranked on two levels: the whole item, and its best sentence.
// A long measure that lists many actions is found by the one sentence
// that answers the question, which whole-item statistics would dilute.
type regionIndex struct {
	items    []*Item
	words    *termTable // words and concepts
	grams    *termTable // character bigrams
	chars    *termTable // single characters
	sounds   *termTable // pinyin bigrams
	sents    *level     // the body's sentences
	quests   *level     // the questions businesses ask about the item
	levels   []*level   // sents, quests
	sentText []string   // sentence as written, for snippets
	// texts are the items' analysed text, by position: set as the index
	// is built, or on first use in a base read from a snapshot.
	texts   []atomic.Pointer[itemText]
	pos     map[*Item]int
	timed   []bool    // item promises a time limit
	figured []bool    // item promises an amount, rate, count or number
	scratch sync.Pool // of *scratch
}

// analysedText is a piece of an item, normalised, with its concepts.
type analysedText struct {
	raw, norm string
	concepts  conceptCounts
	runes     runeBits
}

// contains reports whether the text holds s, asking its rune bits first.
func (t *analysedText) contains(s string) bool {
	return t.runes.mayHold(s) && strings.Contains(t.norm, s)
}

// runeBits is a 256-bit filter of the runes of a text. Scoring a sentence
// looks for each of the question's bigrams and words in it; one with a
// rune whose bit is clear cannot be there, and most are skipped without
// a search, for 32 bytes per sentence.
type runeBits [4]uint64

func runeBitsOf(s string) runeBits {
	var b runeBits
	for _, r := range s {
		b[uint32(r)>>6&3] |= 1 << (uint32(r) & 63)
	}
	return b
}

// mayHold is false when w cannot occur in the text.
func (b *runeBits) mayHold(w string) bool {
	for _, r := range w {
		if b[uint32(r)>>6&3]&(1<<(uint32(r)&63)) == 0 {
			return false
		}
	}
	return true
}

// itemText is what answering needs of an item, analysed once at load.
type itemText struct {
	sentences []analysedText
	subjects  []analysedText // one per commitment
	// figureQs are, per commitment, the questions that ask for its figure.
	figureQs [][]analysedText
	// questions are the questions known to ask about the item.
	questions []analysedText
}

func analyseText(a *analyzer, raw, region string) analysedText {
	norm := normalizeText(raw)
	return analysedText{raw: raw, norm: norm, concepts: a.countConcepts(norm, region), runes: runeBitsOf(norm)}
}

func analyseItem(a *analyzer, it *Item) itemText {
	var t itemText
	for _, s := range splitSentences(it.Body) {
		t.sentences = append(t.sentences, analyseText(a, s, it.Region))
	}
	for _, c := range it.Commitments {
		t.subjects = append(t.subjects, analyseText(a, c.Subject, it.Region))
		var qs []analysedText
		for _, q := range it.FigureQuestions[c.Text] {
			qs = append(qs, analyseText(a, q, it.Region))
		}
		t.figureQs = append(t.figureQs, qs)
	}
	if len(it.Commitments) > 1 {
		for _, q := range it.Questions {
			t.questions = append(t.questions, analyseText(a, q, it.Region))
		}
	}
	return t
}

// Level weights: how much an item's best sentence, and its best question,
// add to its score.
const (
	sentenceWeight = 0.5
	questionWeight = 0.8
)

func newLevel(d *dictionary, weight float64) *level {
	return &level{words: newTermTable(d), grams: newTermTable(d), weight: weight}
}

func buildRegionIndex(a *analyzer, d *dictionary, items []*Item, limit int) (*regionIndex, error) {
	ri := &regionIndex{items: items, words: newTermTable(d), grams: newTermTable(d),
		chars: newTermTable(d), sounds: newTermTable(d), pos: map[*Item]int{},
		sents: newLevel(d, sentenceWeight), quests: newLevel(d, questionWeight)}
	ri.levels = []*level{ri.sents, ri.quests}
	ri.scratch.New = func() any { return new(scratch) }
	ri.texts = make([]atomic.Pointer[itemText], len(items))
	for i, it := range items {
		var wf, gf, cf, sf [nFields][]string
		for f, text := range itemFields(it) {
			norm := normalizeText(text)
			if f != fBody {
				wf[f], gf[f] = a.terms(norm, nil, it.Region)
			}
			cf[f], sf[f] = unigrams(norm), pinyinBigrams(norm)
		}
		// The body is analysed sentence by sentence, once, and its terms are
		// its sentences' terms together: no word, concept or bigram spans
		// the marks sentences are split at. The segmenter also cuts a
		// sentence alone the way it cuts a question (各/部门, where a whole
		// paragraph gave 各部/门), and the sentence index needs the same
		// analysis anyway.
		t := analyseItem(a, it)
		questions := it.AllQuestions()
		if i > limit || ri.sents.members()+len(t.sentences) > limit || ri.quests.members()+len(questions) > limit {
			return nil, fmt.Errorf("region %q: more than %d items, sentences or questions (postings number them in 24 bits); split it into smaller regions",
				it.Region, limit)
		}
		sw, sg := make([][]string, len(t.sentences)), make([][]string, len(t.sentences))
		for k, at := range t.sentences {
			sw[k], sg[k] = a.terms(at.norm, at.concepts, it.Region)
			wf[fBody] = append(wf[fBody], sw[k]...)
			gf[fBody] = append(gf[fBody], sg[k]...)
			ri.sentText = append(ri.sentText, at.raw)
		}
		ri.sents.add(int32(i), sw, sg)
		qw, qg := make([][]string, len(questions)), make([][]string, len(questions))
		for k, q := range questions {
			qw[k], qg[k] = a.terms(normalizeText(q), nil, it.Region)
		}
		ri.quests.add(int32(i), qw, qg)
		ri.words.add(int32(i), wf)
		ri.grams.add(int32(i), gf)
		ri.chars.add(int32(i), cf)
		ri.sounds.add(int32(i), sf)
		ri.timed = append(ri.timed, hasKind(it, "time"))
		ri.figured = append(ri.figured, hasKind(it, "money", "percent", "quantity", "phone", "frequency"))
		ri.texts[i].Store(&t)
		ri.pos[it] = i
	}
	for _, t := range []*termTable{ri.words, ri.grams, ri.chars, ri.sounds} {
		t.finish()
	}
	for _, lv := range ri.levels {
		lv.finish()
	}
	return ri, nil
}

// terms analyses normalised text of a region into words with concepts,
// and bigrams; concepts, when the caller has counted them already, are not
// counted again.
func (a *analyzer) terms(norm string, concepts conceptCounts, region string) (words, grams []string) {
	words = a.words(norm)
	if concepts == nil {
		concepts = a.countConcepts(norm, region)
	}
	for _, c := range concepts {
		for k := 0; k < c.n; k++ {
			words = append(words, c.tok)
		}
	}
	return words, bigrams(norm)
}

// text is the analysed text of the item at position i, analysed now if
// it was not yet.
func (ri *regionIndex) text(i int, a *analyzer) *itemText {
	if t := ri.texts[i].Load(); t != nil {
		return t
	}
	t := analyseItem(a, ri.items[i])
	ri.texts[i].CompareAndSwap(nil, &t)
	return ri.texts[i].Load()
}

// itemFields is the text of each field of an item.
func itemFields(it *Item) [nFields]string {
	var f [nFields]string
	f[fTitle] = it.Title
	f[fBody] = it.Body
	f[fSection] = it.Section
	f[fUnits] = strings.Join(append(append(append([]string{}, it.Lead...), it.Resp...), it.Coop...), " ")
	f[fTags] = strings.Join(it.Tags, " ")
	f[fQuestions] = strings.Join(it.AllQuestions(), "\n")
	return f
}
