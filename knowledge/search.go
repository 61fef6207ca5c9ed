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

// Known is the share of a question's bigrams that occur anywhere in the
// region's documents: how much of it is about what the documents discuss.
func (ri *regionIndex) Known(q query) float64 {
	if len(q.grams) == 0 {
		return 0
	}
	n := 0
	for g := range q.grams {
		if len(ri.grams.list(g)) > 0 {
			n++
		}
	}
	return float64(n) / float64(len(q.grams))
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
	// sentenceWeight is how much the best sentence's own score adds.
	sentenceWeight = 0.5
)

// fillers are the words of a question that ask rather than say what about.
var fillers = []string{
	"请问", "你好", "您好", "想问", "问一下", "问下", "咨询一下", "咨询下", "打听", "有没有", "是不是", "能不能", "可不可以", "可以吗",
	"怎么办", "怎么弄", "怎么样", "怎么", "多久", "多长时间", "几天", "几个工作日", "多少天", "啥时候", "什么时候", "多少钱", "多少",
	"什么", "哪些", "哪个", "哪里", "哪儿", "我们", "咱们", "你们", "他们", "我", "区里", "市里", "县里", "这边", "那边", "这里",
	"一般", "大概", "大约", "现在", "听说", "一下", "谢谢", "麻烦", "需要", "要求", "想要", "打算", "准备", "吗", "呢", "啊", "吧",
	"呀", "嘛", "啦", "哈", "了", "的", "得", "吗?", "这个", "那个", "还是", "或者", "其实", "然后", "就是", "而且", "但是",
}

// timeCues mark a question about how long something takes.
var timeCues = []string{"多久", "多长时间", "几天", "几个工作日", "多少天", "多快", "时限", "啥时候", "什么时候", "几个小时", "多少小时", "要多长", "多长", "办结", "几个月", "周期"}

// amountCues mark a question about an amount, a rate or a count.
var amountCues = []string{"多少", "几份", "几个", "比例", "费率", "扣多少", "能扣", "上限", "标准", "号码", "电话", "热线", "几次", "多大"}

// query is an analysed question.
type query struct {
	words  map[string]float64
	grams  map[string]float64
	chars  map[string]float64
	sounds map[string]float64
	norm   string
	time   bool
	money  bool
	// prefer is a tag whose items are favoured (SearchPrefer).
	prefer string
}

func (a *analyzer) parseQuery(text string, strip []string) query {
	norm := normalizeText(text)
	if whole := a.joinSeparable(norm); len(whole) > 0 {
		norm += " " + strings.Join(whole, " ")
	}
	q := query{words: map[string]float64{}, grams: map[string]float64{}, chars: map[string]float64{}, sounds: map[string]float64{}}
	q.time = containsAny(norm, timeCues)
	q.money = containsAny(norm, amountCues)
	for _, s := range strip {
		norm = strings.ReplaceAll(norm, s, " ")
	}
	for tok := range a.conceptCounts(norm) {
		q.words[tok] += conceptWeight
	}
	for _, f := range fillers {
		norm = strings.ReplaceAll(norm, f, " ")
	}
	q.norm = norm
	for _, w := range a.words(norm) {
		q.words[w] = 1 // a word said twice is not twice the topic
	}
	for _, g := range bigrams(norm) {
		q.grams[g] = 1
	}
	for _, c := range unigrams(norm) {
		q.chars[c] = 1
	}
	for _, p := range pinyinBigrams(norm) {
		q.sounds[p] = 1
	}
	return q
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

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
	self := (1 + sentenceWeight) * (ri.words.selfScore(q.words, 1) + ri.grams.selfScore(q.grams, gramScale))
	top := topK{k: k}
	for i, s := range sc.acc {
		if s <= 0 {
			continue
		}
		s *= ri.boost(q, i)
		if top.admits(s) {
			top.offer(Hit{Item: ri.items[i], Score: s, doc: i, sentence: sc.bestSent[i]})
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
	} else if first := ri.firstSent[h.doc]; first >= 0 {
		text = ri.sentText[first]
	}
	if len(q.grams) == 0 {
		return text, 0
	}
	covered := 0
	for g := range q.grams {
		if tf, ok := ri.grams.tf(g, int32(h.doc)); ok && (tf[fTitle] > 0 || tf[fBody] > 0) {
			covered++
		}
	}
	return text, float64(covered) / float64(len(q.grams))
}

// textScore is how much of an analysed question a piece of text shares:
// bigrams, words and — weighing most — concepts.
func textScore(q query, t analysedText) float64 {
	score := 0.0
	for g, w := range q.grams {
		if t.runes.mayHold(g) && strings.Contains(t.norm, g) {
			score += w
		}
	}
	for w, qw := range q.words {
		if !strings.HasPrefix(w, "§") && runeLen(w) > 1 && t.runes.mayHold(w) && strings.Contains(t.norm, w) {
			score += qw
		}
	}
	for tok := range t.concepts {
		if _, ok := q.words[tok]; ok {
			score += 2
		}
	}
	return score
}

// Question is a question analysed once for a region: search it, then pick
// the sentences and the figure that answer it, without analysing it again.
type Question struct {
	q  query
	ri *regionIndex
	an *analyzer
}

// Ask analyses a question for a region.
func (b *Base) Ask(region, text string) (*Question, error) {
	r, ok := b.ResolveRegion(region)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownRegion, region)
	}
	return &Question{q: b.an.parseQuery(text, b.regionNames(r)), ri: b.regions[r], an: b.an}, nil
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
	scores := make([]float64, len(infos))
	order := make([]int, len(infos))
	for i, t := range infos {
		scores[i], order[i] = textScore(qn.q, t), i
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
// one whose phrase the question is about ("不用外线施工" → 无外部工程 3个工作日,
// not 高压 30个工作日).
func (qn *Question) BestCommitment(it *Item, kinds map[string]bool) (Commitment, bool) {
	subjects := qn.analysed(it).subjects
	best, bestScore, found := Commitment{}, -1.0, false
	for i, c := range it.Commitments {
		if !kinds[c.Kind] {
			continue
		}
		if s := textScore(qn.q, subjects[i]); s > bestScore {
			best, bestScore, found = c, s, true
		}
	}
	return best, found
}

// analysed returns an item's sentences and commitment subjects as the
// index analysed them, or analyses them now for an item of another region.
func (qn *Question) analysed(it *Item) *itemText {
	if i, ok := qn.ri.pos[it]; ok {
		return &qn.ri.texts[i]
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
