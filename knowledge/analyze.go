package knowledge

import (
	_ "embed"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/go-ego/gse"
	"github.com/mozillazg/go-pinyin"
	"golang.org/x/text/width"
)

// generalDict is the trimmed general dictionary (the 30,000 most frequent
// words of gse's simplified-Chinese dictionary, see internal/gendict).
// Domain words are added from the documents and the catalogue at load time.
//
//go:embed dict/general.txt
var generalDict string

// domainFreq is the frequency given to domain words so that the segmenter
// prefers them over splitting them into general words.
const domainFreq = 5000

// analyzer turns text into the terms the index and the queries share:
// words (gse), concepts (synonym groups, matched by substring so that
// segmentation cannot hide them) and character bigrams (for words no
// dictionary knows, and for typos).
type analyzer struct {
	seg      gse.Segmenter
	concepts []concept
	trie     *conceptTrie // concept members
	dictSize int          // dictionary size, for stats
}

// concept is a synonym group; its token stands for every member.
type concept struct {
	token   string
	members []string
	// region is where a regional group holds; "" everywhere.
	region string
}

// newGeneralAnalyzer is an analyzer that knows the general dictionary
// only; learn adds the domain words and synonyms. It needs no document, so
// Load builds it while documents are read. A new analyzer is built on
// every reload: gse must not learn words while other goroutines cut.
func newGeneralAnalyzer() (*analyzer, error) {
	a := &analyzer{trie: newConceptTrie()}
	a.seg.SkipLog = true
	a.seg.NotLoadHMM = true // the HMM model is package state in gse; DAG only
	a.seg.Dict = gse.NewDict()
	a.seg.Init()
	if err := loadWords(&a.seg, generalDict); err != nil {
		return nil, fmt.Errorf("load dictionary: %w", err)
	}
	return a, nil
}

// loadWords adds dictionary lines ("word freq [pos]") to the segmenter the
// way gse's LoadDictStr reads them, but leaves out what LoadDictStr does
// last: CalcToken works out every word's sub-words for gse's search mode,
// which Cut never reads, and it was half the time the dictionary took.
func loadWords(seg *gse.Segmenter, dict string) error {
	for line := range strings.SplitSeq(dict, "\n") {
		fields := strings.Split(line, seg.DictSep+" ")
		text, freqText, pos := strings.TrimSpace(fields[0]), "", ""
		if len(fields) > 1 {
			freqText = strings.TrimSpace(fields[1])
		}
		if len(fields) > 2 {
			pos = strings.TrimSpace(fields[2])
		}
		freq := seg.Size(len(fields), text, freqText)
		if freq == 0 {
			continue
		}
		if err := seg.AddToken(text, freq, pos); err != nil {
			return err
		}
	}
	return nil
}

// learn adds the domain words to the dictionary and the synonym groups
// as concepts, the regional ones held to their regions. A regional
// group's words are not taught to the segmenter, which every region
// shares: concepts are matched as substrings and need no dictionary.
func (a *analyzer) learn(domain []string, synonyms [][]string, regional []SynonymGroup) error {
	if err := loadWords(&a.seg, domainLines(domain)); err != nil {
		return fmt.Errorf("load domain words: %w", err)
	}
	a.dictSize = a.seg.Dict.NumTokens()
	groups := make([]SynonymGroup, 0, len(synonyms)+len(regional))
	for _, g := range synonyms {
		groups = append(groups, SynonymGroup{Words: g})
	}
	groups = append(groups, regional...)
	for i, g := range groups {
		c := concept{token: fmt.Sprintf("§%d", i), region: g.Region}
		for _, m := range g.Words {
			if m = normalizeText(m); m != "" {
				c.members = append(c.members, m)
			}
		}
		for _, m := range c.members {
			a.trie.add(m, len(a.concepts))
		}
		a.concepts = append(a.concepts, c)
	}
	return nil
}

// domainLines are the domain words worth learning as dictionary lines.
func domainLines(domain []string) string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, w := range domain {
		w = strings.TrimSpace(w)
		if runeLen(w) < 2 || runeLen(w) > 16 || strings.ContainsAny(w, " \t\n") || seen[w] {
			continue
		}
		seen[w] = true
		fmt.Fprintf(&b, "%s %d n\n", strings.ToLower(w), domainFreq)
	}
	return b.String()
}

// normalizeText folds full-width forms, lowercases Latin letters and turns
// emoji and symbols into spaces, in one pass: width.Narrow.String would
// copy the text once more, on every question and every sentence loaded.
func normalizeText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r >= utf8.RuneSelf {
			r = narrowRune(r)
		}
		switch {
		case unicode.IsUpper(r):
			b.WriteRune(unicode.ToLower(r))
		case unicode.Is(unicode.So, r), unicode.Is(unicode.Sk, r), unicode.Is(unicode.Cs, r), r == '\uFE0F', r == '\u200d':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// narrowRune is r as width.Narrow writes it: TestNarrowRune holds the two
// equal for every rune.
func narrowRune(r rune) rune {
	if n := width.LookupRune(r).Narrow(); n != 0 {
		return n
	}
	return r
}

// words segments normalised text into index words, dropping punctuation,
// spaces and stopwords.
func (a *analyzer) words(text string) []string {
	raw := a.cut(text)
	out := raw[:0]
	for _, w := range raw {
		w = strings.TrimSpace(w)
		if w == "" || !hasWordRune(w) || stopwords[w] {
			continue
		}
		out = append(out, w)
	}
	return out
}

func hasWordRune(s string) bool {
	for _, r := range s {
		if isHan(r) || unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

// conceptCount is how often one concept, by its token, occurs in a text.
type conceptCount struct {
	tok string
	n   int
}

// conceptCounts are a text's concepts, in the analyzer's order. A slice,
// not a map: every sentence of a province's documents keeps one, and a
// map of two entries costs ten times their size.
type conceptCounts []conceptCount

// count is how often the concept tok occurs.
func (cs conceptCounts) count(tok string) int {
	for _, c := range cs {
		if c.tok == tok {
			return c.n
		}
	}
	return 0
}

// countConcepts counts how often each concept that holds in region occurs
// in text, each stretch of text counted once per concept (the longest
// member wins).
func (a *analyzer) countConcepts(text, region string) conceptCounts {
	var out conceptCounts
	type match struct{ start, end, concept int }
	var matches []match
	rs := []rune(text)
	for i := range rs {
		n := int32(0)
		for j := i; j < len(rs); j++ {
			if n = a.trie.step(n, rs[j]); n == 0 {
				break
			}
			for _, c := range a.trie.nodes[n].concepts {
				if r := a.concepts[c].region; r == "" || r == region {
					matches = append(matches, match{i, j + 1, c})
				}
			}
		}
	}
	if len(matches) == 0 {
		return nil
	}
	// per concept, leftmost-longest non-overlapping matches
	sort.Slice(matches, func(i, j int) bool {
		if matches[i].concept != matches[j].concept {
			return matches[i].concept < matches[j].concept
		}
		if matches[i].start != matches[j].start {
			return matches[i].start < matches[j].start
		}
		return matches[i].end > matches[j].end
	})
	lastConcept, lastEnd := -1, 0
	for _, m := range matches {
		if m.concept != lastConcept {
			lastConcept, lastEnd = m.concept, 0
			out = append(out, conceptCount{tok: a.concepts[m.concept].token})
		}
		if m.start < lastEnd {
			continue
		}
		out[len(out)-1].n++
		lastEnd = m.end
	}
	return slices.Clip(out)
}

// conceptTrie holds the concept members as a trie of runes. A question
// steps into it from every character, so the first step — most of them —
// is a read at the character's position in an array for the main Han
// block, and a node's few children are a short list in one allocation
// rather than a map: with a map per node, a question's walks missed the
// processor's caches at every step (BenchmarkAskCold).
type conceptTrie struct {
	han   []int32           // per character from mainHan: the node it leads to from the root, 0 for none
	first map[rune]int32    // the same for other first characters
	nodes []conceptTrieNode // nodes[0] is the root
}

type conceptTrieNode struct {
	next     []trieEdge // by rune
	concepts []int
}

type trieEdge struct {
	r  rune
	to int32
}

func newConceptTrie() *conceptTrie {
	return &conceptTrie{han: make([]int32, mainHanEnd-mainHan), first: map[rune]int32{}, nodes: make([]conceptTrieNode, 1)}
}

// step is the node r leads to from node n, 0 for none.
func (t *conceptTrie) step(n int32, r rune) int32 {
	if n == 0 {
		if i, ok := mainHanIndex(r); ok {
			return t.han[i]
		}
		return t.first[r]
	}
	for _, e := range t.nodes[n].next {
		if e.r == r {
			return e.to
		}
	}
	return 0
}

func (t *conceptTrie) add(word string, concept int) {
	n := int32(0)
	for _, r := range word {
		c := t.step(n, r)
		if c == 0 {
			c = int32(len(t.nodes))
			t.nodes = append(t.nodes, conceptTrieNode{})
			if n != 0 {
				t.nodes[n].next = append(t.nodes[n].next, trieEdge{r, c})
			} else if i, ok := mainHanIndex(r); ok {
				t.han[i] = c
			} else {
				t.first[r] = c
			}
		}
		n = c
	}
	if !slices.Contains(t.nodes[n].concepts, concept) {
		t.nodes[n].concepts = append(t.nodes[n].concepts, concept)
	}
}

// pinyinBigrams lists bigrams of the toneless readings of each run of
// Chinese characters, so that a homophone typo (注消 for 注销, 正明 for 证明)
// still meets the word it stands for. The bigrams are written into one
// string and sliced from it: one allocation for the lot.
func pinyinBigrams(text string) []string {
	readings := tonelessReadings()
	var buf []byte
	var starts, ends []int // each bigram's bounds in buf
	prev := -1             // where the previous character's reading starts in buf, -1 after a break
	for _, r := range text {
		py, ok := readings.of(r)
		if !ok {
			prev = -1
			continue
		}
		at := len(buf)
		if prev >= 0 {
			buf = append(buf, '|')
			at++
		}
		buf = append(buf, py...)
		if prev >= 0 {
			starts, ends = append(starts, prev), append(ends, len(buf))
		}
		prev = at
	}
	if len(starts) == 0 {
		return nil
	}
	all := string(buf)
	out := make([]string, len(starts))
	for i := range starts {
		out[i] = all[starts[i]:ends[i]]
	}
	return out
}

// readings are the toneless readings of Chinese characters. Those of the
// main block (U+4E00–U+9FFF, nearly every character a business types) are
// found by position in a 40 KB array of syllable numbers rather than in a
// map of forty thousand strings: a question reads one reading a character,
// and the map's lookups missed the processor's caches.
type readings struct {
	main      []uint16 // per character from mainHan: its syllable plus one, 0 for none
	syllables []string
	other     map[rune]string // Han characters outside the main block
}

// The main Han block, U+4E00–U+9FFF, where the readings and the concept
// trie's first step are kept by position.
const (
	mainHan    = 0x4E00
	mainHanEnd = 0xA000
)

// mainHanIndex is r's position in the main Han block.
func mainHanIndex(r rune) (int, bool) {
	return int(r - mainHan), r >= mainHan && r < mainHanEnd
}

// of is the toneless reading of a Han character.
func (rd *readings) of(r rune) (string, bool) {
	if i, ok := mainHanIndex(r); ok {
		if n := rd.main[i]; n != 0 {
			return rd.syllables[n-1], true
		}
		return "", false
	}
	py, ok := rd.other[r]
	return py, ok
}

// tonelessReadings is each character's first reading without tone marks,
// worked out once rather than for every character of every text.
var tonelessReadings = sync.OnceValue(func() *readings {
	rd := &readings{main: make([]uint16, mainHanEnd-mainHan), other: map[rune]string{}}
	number := map[string]uint16{}
	for c, py := range pinyin.PinyinDict {
		r := rune(c)
		if !isHan(r) {
			continue
		}
		py = toneless(py)
		i, ok := mainHanIndex(r)
		if !ok {
			rd.other[r] = py
			continue
		}
		n, ok := number[py]
		if !ok {
			rd.syllables = append(rd.syllables, py)
			n = uint16(len(rd.syllables))
			number[py] = n
		}
		rd.main[i] = n
	}
	return rd
})

// toneless is the first reading of a character without tone marks.
func toneless(readings string) string {
	if i := strings.IndexByte(readings, ','); i >= 0 {
		readings = readings[:i]
	}
	var b strings.Builder
	for _, r := range readings {
		if base, ok := toneBase[r]; ok {
			r = base
		}
		b.WriteRune(r)
	}
	return b.String()
}

var toneBase = func() map[rune]rune {
	m := map[rune]rune{}
	for base, marked := range map[rune]string{'a': "āáǎà", 'e': "ēéěèế", 'i': "īíǐì", 'o': "ōóǒò", 'u': "ūúǔù", 'v': "ǖǘǚǜü", 'n': "ńňǹ", 'm': "ḿ"} {
		for _, r := range marked {
			m[r] = base
		}
	}
	return m
}()

// unigrams lists the Chinese characters of the text that are not stopwords:
// colloquial questions lean on one-character verbs (查, 罚, 欠, 拖) that
// documents only use inside longer words. They are slices of text.
func unigrams(text string) []string {
	var out []string
	for i, r := range text {
		if !isHan(r) {
			continue
		}
		if c := text[i : i+utf8.RuneLen(r)]; !stopwords[c] {
			out = append(out, c)
		}
	}
	return out
}

// bigrams lists the character bigrams of each run of Chinese characters;
// a run of one character yields itself. They are slices of text.
func bigrams(text string) []string {
	var out []string
	start, prev, runes := 0, 0, 0 // the run's first byte, its last rune's, its length
	flush := func(end int) {
		if runes == 1 && !stopwords[text[start:end]] {
			out = append(out, text[start:end])
		}
		runes = 0
	}
	for i, r := range text {
		if !isHan(r) {
			flush(i)
			continue
		}
		end := i + utf8.RuneLen(r)
		if runes == 0 {
			start = i
		} else {
			out = append(out, text[prev:end])
		}
		prev = i
		runes++
		if end == len(text) {
			flush(end)
		}
	}
	return out
}

// stopwords are function words that say nothing about the topic.
var stopwords = toSet(`的 了 和 与 及 或 等 在 对 是 为 于 把 被 将 从 向 以 之 其 并 也 都 又 就 而 且 则 但 这 那 个 着 过 所 由 按 给 让 使 要 能 会 可 吗 呢 吧 啊 呀 哦 嘛 么 啥 呗 哈 嗯 我 你 他 她 它 们 我们 你们 他们 咱们 自己 一个 一些 这个 那个 这些 那些 什么 怎么 怎样 如何 哪 哪里 哪儿 多少 几 有 没 没有 不 还 很 更 最 已 已经 进一步 全面 加强 推进 推动 持续 积极 切实 深入 实现 开展 做好 落实 提升 完善 健全 建立 加快 强化 优化`)

func toSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}
