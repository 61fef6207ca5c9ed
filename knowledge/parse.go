package knowledge

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// headingKind is a numbering style of the genre. Ranks order them from
// the outermost (第一章) to the innermost (paragraph lead-ins).
type headingKind int

const (
	kindRoot        headingKind = iota
	kindChapter                 // 第一章
	kindCN                      // 一、
	kindKeyword                 // 关键词一:
	kindParenCN                 // (一)
	kindArabic                  // 1. / 1、
	kindArticle                 // 第一条
	kindParenArabic             // (1)
	kindLeadIn                  // "建立综合性企业服务中心:…"
)

func (k headingKind) rank() int {
	switch k {
	case kindRoot:
		return 0
	case kindChapter:
		return 1
	case kindCN, kindKeyword:
		return 2
	case kindParenCN:
		return 3
	case kindArabic, kindArticle:
		return 4
	case kindParenArabic:
		return 5
	default:
		return 6
	}
}

var (
	reChapter     = regexp.MustCompile(`^第([一二三四五六七八九十百零〇]+)([章节编])\s*(.*)$`)
	reArticle     = regexp.MustCompile(`^第([一二三四五六七八九十百零〇]+)条\s*(.*)$`)
	reCN          = regexp.MustCompile(`^([一二三四五六七八九十]+)[、.]\s*(.*)$`)
	reKeyword     = regexp.MustCompile(`^(关键词|专题|板块)([一二三四五六七八九十]+)[:∶]\s*(.*)$`)
	reParenCN     = regexp.MustCompile(`^[(（]([一二三四五六七八九十]+)[)）]\s*(.*)$`)
	reArabic      = regexp.MustCompile(`^(\d{1,4})\s*[.、](\s*)(.*)$`)
	reParenArabic = regexp.MustCompile(`^[(（](\d{1,3})[)）]\s*(.*)$`)
	// A lead-in is a short phrase ending in a colon that opens a paragraph.
	reLeadIn = regexp.MustCompile(`^([^:∶,。;!?、]{4,32})[:∶](.+)$`)
	// keywordSplit separates "关键词一:精准创建 《方案》提出…" into heading
	// and body before spaces are repaired.
	reKeywordSplit = regexp.MustCompile(`^((?:关键词|专题|板块)[一二三四五六七八九十]+[:∶]\S{1,16}) (.+)$`)
)

// labelWords open lines that are fields, not lead-ins.
var labelWords = []string{"牵头", "责任", "配合", "具体举措", "主要措施", "工作目标", "完成时限", "时间", "来源",
	"发布", "附件", "联系", "地址", "电话", "抄送", "主题词", "总责任单位", "组长", "副组长", "成员"}

// node is a heading with its own text and the headings under it.
type node struct {
	kind     headingKind
	num      int
	label    string // as printed: "二、", "(四)", "21."
	head     string // heading line without its label
	body     []string
	children []*node
	parent   *node
}

// ownText is the heading line and body, without children.
func (n *node) ownText() string {
	var b strings.Builder
	b.WriteString(n.head)
	prev := n.head
	for _, l := range n.body {
		if prev != "" && !endsBlock(prev) && !startsField(l) {
			b.WriteString(l) // a line wrapped by PDF extraction
		} else {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(l)
		}
		prev = l
	}
	return b.String()
}

// fullText is the node's text with all its descendants'.
func (n *node) fullText() string {
	parts := []string{n.ownText()}
	for _, c := range n.children {
		parts = append(parts, c.label+c.fullText())
	}
	return strings.Join(nonEmpty(parts), "\n")
}

func nonEmpty(in []string) []string {
	out := in[:0:0]
	for _, s := range in {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

func endsBlock(s string) bool {
	return strings.HasSuffix(s, "。") || strings.HasSuffix(s, ")") || strings.HasSuffix(s, "〕") ||
		strings.HasSuffix(s, ";") || strings.HasSuffix(s, ":") || strings.HasSuffix(s, "!") ||
		strings.HasSuffix(s, "?") || strings.HasSuffix(s, "】") || strings.HasSuffix(s, "”")
}

func startsField(s string) bool {
	for _, w := range labelWords {
		if strings.HasPrefix(s, w) {
			return true
		}
	}
	return false
}

// heading is a recognised heading line.
type heading struct {
	kind  headingKind
	num   int
	label string
	rest  string
}

// matchHeading recognises a numbered heading at the start of a line.
func matchHeading(line string) (heading, bool) {
	if m := reKeyword.FindStringSubmatch(line); m != nil {
		n, _ := parseChineseNumber(m[2])
		return heading{kindKeyword, n, m[1] + m[2], m[3]}, true
	}
	if m := reChapter.FindStringSubmatch(line); m != nil {
		n, _ := parseChineseNumber(m[1])
		return heading{kindChapter, n, "第" + m[1] + m[2], m[3]}, true
	}
	if m := reArticle.FindStringSubmatch(line); m != nil {
		n, _ := parseChineseNumber(m[1])
		return heading{kindArticle, n, "第" + m[1] + "条", m[2]}, true
	}
	if m := reCN.FindStringSubmatch(line); m != nil {
		n, _ := parseChineseNumber(m[1])
		return heading{kindCN, n, m[1] + "、", m[2]}, true
	}
	if m := reParenCN.FindStringSubmatch(line); m != nil {
		n, _ := parseChineseNumber(m[1])
		return heading{kindParenCN, n, "(" + m[1] + ")", m[2]}, true
	}
	if m := reParenArabic.FindStringSubmatch(line); m != nil {
		n, _ := strconv.Atoi(m[1])
		return heading{kindParenArabic, n, "(" + m[1] + ")", m[2]}, true
	}
	if m := reArabic.FindStringSubmatch(line); m != nil {
		n, _ := strconv.Atoi(m[1])
		rest := m[3]
		// "0.5个工作日" or "2.0版" continue a wrapped line; a heading's
		// text starts with a word, not a digit.
		if rest == "" || rest[0] >= '0' && rest[0] <= '9' || n == 0 {
			return heading{}, false
		}
		return heading{kindArabic, n, m[1] + ".", rest}, true
	}
	return heading{}, false
}

// prepareLines splits flattened paragraphs, separates keyword headings from
// their bodies and repairs spaces, keeping one paragraph per line.
func prepareLines(lines []string) []string {
	var out []string
	for _, l := range lines {
		for _, p := range splitParagraphs(l) {
			if m := reKeywordSplit.FindStringSubmatch(p); m != nil {
				out = append(out, repairSpaces(m[1]))
				p = m[2]
			}
			if r := repairSpaces(p); r != "" {
				out = append(out, r)
			}
		}
	}
	return out
}

// treeBuilder places headings under their parents, checking that numbers
// follow on, so that a wrapped line starting with a number is not taken for
// a heading.
type treeBuilder struct {
	root     *node
	stack    []*node
	last     map[headingKind]int
	warnings []string
}

func newTreeBuilder() *treeBuilder {
	root := &node{kind: kindRoot}
	return &treeBuilder{root: root, stack: []*node{root}, last: map[headingKind]int{}}
}

func (tb *treeBuilder) current() *node { return tb.stack[len(tb.stack)-1] }

// accepts decides whether a numbered line continues the numbering of its kind.
func (tb *treeBuilder) accepts(h heading) bool {
	last, seen := tb.last[h.kind]
	switch {
	case h.kind == kindLeadIn:
		return true
	case tb.taken(h):
		return false
	case !seen:
		return h.num == 1 || h.kind == kindKeyword
	case h.num == last+1:
		return true
	case h.num == 1:
		// numbering restarts under a new parent heading
		return tb.restarted(h.kind)
	case h.num == last+2 && h.kind != kindCN:
		tb.warnings = append(tb.warnings, fmt.Sprintf("numbering skips from %d to %d", last, h.num))
		return true
	}
	return false
}

// taken reports whether the heading h would open under already has a
// heading of h's kind and number: a restart never repeats a path.
func (tb *treeBuilder) taken(h heading) bool {
	i := len(tb.stack) - 1
	for i > 0 && tb.stack[i].kind.rank() >= h.kind.rank() {
		i--
	}
	for _, c := range tb.stack[i].children {
		if c.kind == h.kind && c.num == h.num {
			return true
		}
	}
	return false
}

// restarted reports whether a heading of an outer kind has opened since
// the last heading of kind k.
func (tb *treeBuilder) restarted(k headingKind) bool {
	for i := len(tb.stack) - 1; i > 0; i-- {
		n := tb.stack[i]
		if n.kind == k {
			return false
		}
		if n.kind.rank() < k.rank() {
			return true
		}
	}
	return true
}

func (tb *treeBuilder) open(h heading) {
	for len(tb.stack) > 1 && tb.current().kind.rank() >= h.kind.rank() {
		tb.stack = tb.stack[:len(tb.stack)-1]
	}
	parent := tb.current()
	n := &node{kind: h.kind, num: h.num, label: h.label, head: h.rest, parent: parent}
	parent.children = append(parent.children, n)
	tb.stack = append(tb.stack, n)
	tb.last[h.kind] = h.num
}

func (tb *treeBuilder) text(line string) {
	cur := tb.current()
	if closesMeasure(cur, line) {
		// "1.… (1)… (2)… (牵头单位:…)": the annotation after the last
		// sub-item names the units of the whole measure, not of (2).
		tb.stack = tb.stack[:len(tb.stack)-1]
		cur = tb.current()
	}
	cur.body = append(cur.body, line)
}

// closesMeasure reports whether a line holding nothing but a unit
// annotation, read while inside sub-item n ((2), (3) …), belongs to the
// measure above it: n is not the first sub-item and neither it nor an
// earlier sub-item carries units of its own.
func closesMeasure(n *node, line string) bool {
	p := n.parent
	if n.kind != kindParenArabic || p == nil || p.kind == kindRoot || len(p.children) < 2 {
		return false
	}
	a, rest := parseAnnotations(line)
	if !a.hasUnits() || strings.Trim(rest, " 。;,、()（）〔〕【】") != "" {
		return false
	}
	for _, c := range p.children {
		if ca, _ := parseAnnotations(c.ownText()); ca.hasUnits() {
			return false
		}
	}
	return true
}

// buildTree turns prepared lines into the heading tree. Lead-ins become
// headings only when asked (documents without numbered items).
func buildTree(lines []string, leadIns bool) (*node, []string) {
	tb := newTreeBuilder()
	for _, l := range lines {
		h, ok := matchHeading(l)
		if !ok && leadIns {
			h, ok = matchLeadIn(l)
		}
		if ok && tb.accepts(h) {
			tb.open(h)
			continue
		}
		tb.text(l)
	}
	return tb.root, tb.warnings
}

// matchLeadIn recognises a paragraph opening with a short phrase and a colon.
func matchLeadIn(line string) (heading, bool) {
	m := reLeadIn.FindStringSubmatch(line)
	if m == nil || startsField(m[1]) || runeLen(m[2]) < 20 {
		return heading{}, false
	}
	return heading{kind: kindLeadIn, label: "", rest: line}, true
}

// walk visits every node below n, depth first.
func walk(n *node, f func(*node)) {
	for _, c := range n.children {
		f(c)
		walk(c, f)
	}
}
