package knowledge

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"

	"frontdoor/knowledge/phrases"
)

// fillers are the words of a question that ask rather than say what about.
var fillers = phrases.New(

	"请问", "你好", "您好", "想问", "问一下", "问下", "咨询一下", "咨询下", "打听", "有没有", "是不是", "能不能", "可不可以", "可以吗",
	"怎么办", "怎么弄", "怎么样", "怎么", "多久", "多长时间", "几天", "几个工作日", "多少天", "啥时候", "什么时候", "多少钱", "多少",
	"什么", "哪些", "哪个", "哪里", "哪儿", "我们", "咱们", "你们", "他们", "我", "区里", "市里", "县里", "这边", "那边", "这里",
	"一般", "大概", "大约", "现在", "听说", "一下", "谢谢", "麻烦", "需要", "要求", "想要", "打算", "准备", "吗", "呢", "啊", "吧",
	"呀", "嘛", "啦", "哈", "了", "的", "得", "吗?", "这个", "那个", "还是", "或者", "其实", "然后", "就是", "而且", "但是",
)

// timeCues mark a question about how long something takes.
var timeCues = phrases.New("多久", "多长时间", "几天", "几个工作日", "多少天", "多快", "时限", "啥时候", "什么时候", "几个小时", "多少小时", "要多长", "多长", "办结", "几个月", "周期")

// amountCues mark a question about an amount, a rate or a count.
var amountCues = phrases.New("多少", "几份", "几个", "比例", "费率", "扣多少", "能扣", "上限", "标准", "号码", "电话", "热线", "几次", "多大")

// query is an analysed question. Its terms are kept as sorted lists, not
// maps: a question has a few dozen, every use walks them all, and sorted
// they are already in the fixed order scoring adds them in.
type query struct {
	words  qterms // words, and concepts (§n)
	grams  qterms
	chars  qterms
	sounds qterms
	norm   string
	// full is the question normalised, fillers kept: negations ("没有",
	// "不用") and "一般" are fillers to search but conditions to a figure.
	full  string
	time  bool
	money bool
	// prefer is a tag whose items are favoured (SearchPrefer).
	prefer string
}

// qterm is one term of a question, with its weight, and its number in the
// base's dictionary once the question is resolved against a region.
type qterm struct {
	tok   string
	w     float64
	id    uint32
	known bool // some region of the base has the term
}

// qterms are distinct terms, sorted by token.
type qterms []qterm

// newQTerms makes the distinct terms of toks, each weighing w.
func newQTerms(toks []string, w float64) qterms {
	ts := make(qterms, len(toks))
	for i, t := range toks {
		ts[i] = qterm{tok: t, w: w}
	}
	return ts.distinct()
}

// distinct sorts the terms and keeps one of each token, the heaviest.
func (ts qterms) distinct() qterms {
	slices.SortFunc(ts, func(a, b qterm) int {
		if c := strings.Compare(a.tok, b.tok); c != 0 {
			return c
		}
		return cmp.Compare(b.w, a.w)
	})
	return slices.CompactFunc(ts, func(a, b qterm) bool { return a.tok == b.tok })
}

// has reports whether tok is one of the terms.
func (ts qterms) has(tok string) bool {
	_, ok := slices.BinarySearchFunc(ts, tok, func(t qterm, tok string) int { return strings.Compare(t.tok, tok) })
	return ok
}

// resolve numbers the terms in the dictionary, once per question rather
// than once per table each term is looked up in.
func (ts qterms) resolve(d *dictionary) {
	for i := range ts {
		ts[i].id, ts[i].known = d.lookup(ts[i].tok)
	}
}

// resolve numbers all the question's terms.
func (q *query) resolve(d *dictionary) {
	for _, ts := range []qterms{q.words, q.grams, q.chars, q.sounds} {
		ts.resolve(d)
	}
}

// parseQuery analyses a question to region (whose own synonym groups
// hold besides the shared ones); strip are the ways it may name its own
// region, which say nothing about what it asks.
func (a *analyzer) parseQuery(text, region string, strip []string) query {
	var q query
	norm := normalizeText(text)
	q.full = norm
	if whole := a.joinSeparable(norm); len(whole) > 0 {
		norm += " " + strings.Join(whole, " ")
	}
	q.time = timeCues.In(norm)
	q.money = amountCues.In(norm)
	for _, s := range strip {
		norm = strings.ReplaceAll(norm, s, " ")
	}
	concepts := a.countConcepts(norm, region)
	norm = fillers.Blank(norm)
	q.norm = norm
	words := a.words(norm)
	q.words = make(qterms, 0, len(words)+len(concepts))
	for _, c := range concepts {
		q.words = append(q.words, qterm{tok: c.tok, w: conceptWeight})
	}
	for _, w := range words {
		q.words = append(q.words, qterm{tok: w, w: 1}) // a word said twice is not twice the topic
	}
	q.words = q.words.distinct()
	q.grams = newQTerms(bigrams(norm), 1)
	q.chars = newQTerms(unigrams(norm), 1)
	q.sounds = newQTerms(pinyinBigrams(norm), 1)
	return q
}

// conditions are what choosing among an item's figures reads of a
// question, worked out when a figure is chosen rather than for every
// question searched.
type conditions struct {
	// grams are the bigrams of the question, fillers kept.
	grams qterms
	// focus are the bigrams of the clause that asks ("解决率有多少" of "往
	// 12345专线反映问题 解决率有多少"): what a question asks the figure of
	// stands next to its question word.
	focus qterms
}

func conditionsOf(q query) *conditions {
	return &conditions{grams: newQTerms(contentBigrams(q.full), 1), focus: newQTerms(contentBigrams(askingClause(q.full)), 1)}
}

// askingClause is the clause of a question that holds its question word for
// a time or an amount, "" when none does.
func askingClause(text string) string {
	for clause := range strings.FieldsFuncSeq(text, func(r rune) bool { return strings.ContainsRune(",.;:!?，。；：！？、 ~～", r) }) {
		if timeCues.In(clause) || amountCues.In(clause) {
			return clause
		}
	}
	return ""
}

// contentBigrams are the bigrams of text that hold no stopword character:
// "的小" and "我们" say nothing of a condition.
func contentBigrams(text string) []string {
	out := bigrams(text)
	return slices.DeleteFunc(out, func(g string) bool {
		for i, r := range g {
			if stopwords[g[i:i+utf8.RuneLen(r)]] {
				return true
			}
		}
		return false
	})
}
