package knowledge

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ParseDocument turns a document's cleaned lines into its items. It never
// fails: what it cannot make sense of becomes a warning.
func ParseDocument(file string, lines []string) *Document {
	lines = prepareLines(lines)
	m := readMeta(lines)
	region, _ := pickRegion(m.regions)
	doc := &Document{File: file, Title: m.title, Issuer: m.issuer, Date: m.date, Number: m.number, Region: region}

	root, warnings := buildTree(lines, false)
	kind, ok := chooseItemKind(root)
	if !ok {
		root, warnings = buildTree(lines, true)
		kind = kindLeadIn
	}
	doc.Warnings = append(doc.Warnings, warnings...)
	used := map[string]int{}
	for _, n := range itemNodes(root, kind) {
		it := newItem(doc, n)
		// A lead-in and a numbered heading side by side can print the
		// same path ("1"); ids must stay unique.
		if used[it.Path]++; used[it.Path] > 1 {
			it.Path = fmt.Sprintf("%s·%d", it.Path, used[it.Path])
			it.ID = ItemID(doc.File, it.Path)
		}
		doc.Items = append(doc.Items, it)
	}
	if len(doc.Items) == 0 {
		doc.Warnings = append(doc.Warnings, "no items found")
	}
	return doc
}

// chooseItemKind decides which numbering level holds the measures: the one
// whose headings carry unit annotations, else the innermost level that
// occurs at least three times. It reports false when the document has no
// numbered measures at all (a newspaper explainer).
func chooseItemKind(root *node) (headingKind, bool) {
	annotated := map[headingKind]int{}
	count := map[headingKind]int{}
	walk(root, func(n *node) {
		count[n.kind]++
		if a, _ := parseAnnotations(n.ownText()); a.hasUnits() {
			annotated[n.kind]++
		}
	})
	best, bestN := kindRoot, 0
	for k, c := range annotated {
		if c > bestN || c == bestN && k.rank() > best.rank() {
			best, bestN = k, c
		}
	}
	if bestN >= 2 {
		return best, true
	}
	best = kindRoot
	for k, c := range count {
		if c >= 3 && k != kindKeyword && k.rank() > best.rank() {
			best = k
		}
	}
	return best, best != kindRoot
}

// itemNodes lists the nodes that become items: every heading of the item
// level, and deeper or shallower leaves that carry units of their own. In a
// document of lead-ins, a keyword section without lead-ins is an item too.
func itemNodes(root *node, kind headingKind) []*node {
	var out []*node
	var visit func(n *node, inItem bool)
	visit = func(n *node, inItem bool) {
		for _, c := range n.children {
			switch {
			case c.kind == kind:
				out = append(out, c)
				continue // sub-headings belong to the item
			case inItem:
				continue
			case len(c.children) == 0 && c.kind != kindRoot:
				a, _ := parseAnnotations(c.ownText())
				if a.hasUnits() || kind == kindLeadIn && c.kind == kindKeyword && strings.TrimSpace(c.ownText()) != "" {
					out = append(out, c)
				}
				continue
			}
			visit(c, false)
		}
	}
	visit(root, false)
	return out
}

func newItem(doc *Document, n *node) *Item {
	text := n.fullText()
	a, body := parseAnnotations(text)
	it := &Item{
		Doc:      doc.File,
		Region:   doc.Region,
		Number:   itemNumber(n),
		Path:     itemPath(n),
		Section:  sectionOf(n),
		Text:     text,
		Body:     body,
		Lead:     uniqueStrings(a.lead),
		Resp:     uniqueStrings(a.resp),
		Coop:     uniqueStrings(a.coop),
		Leaders:  uniqueStrings(a.leaders),
		Deadline: a.deadline,
		Source:   "document",
	}
	it.ID = ItemID(doc.File, it.Path)
	it.Title = itemTitle(n)
	it.DeadlineDate = deadlineDate(it.Deadline)
	for p := n.parent; p != nil && p.kind != kindRoot; p = p.parent {
		if pa, _ := parseAnnotations(p.ownText()); len(pa.section)+len(pa.leaders) > 0 {
			it.SectionUnits = pa.section
			if len(it.Leaders) == 0 {
				it.Leaders = pa.leaders
			}
			break
		}
	}
	it.Commitments = extractCommitments(body)
	it.Tags = tagsFor(body)
	return it
}

// itemNumber is the number as printed: 21, 一(四), 第三条; lead-in items
// are numbered by their place in their section (关键词二-4).
func itemNumber(n *node) string {
	switch n.kind {
	case kindArabic:
		return strconv.Itoa(n.num)
	case kindParenArabic:
		return "(" + strconv.Itoa(n.num) + ")"
	case kindParenCN:
		for p := n.parent; p != nil; p = p.parent {
			if p.kind == kindCN {
				return strings.TrimSuffix(p.label, "、") + n.label
			}
		}
		return n.label
	case kindCN:
		return strings.TrimSuffix(n.label, "、")
	case kindLeadIn:
		prefix := ""
		if n.parent != nil && n.parent.kind != kindRoot {
			prefix = strings.TrimSuffix(n.parent.label, "、") + "-"
		}
		return prefix + strconv.Itoa(leadInOrdinal(n))
	}
	return n.label
}

func leadInOrdinal(n *node) int {
	i := 0
	for _, c := range n.parent.children {
		if c.kind == kindLeadIn {
			i++
		}
		if c == n {
			break
		}
	}
	return i
}

// itemPath locates an item among its headings: 二、(四) 21.
func itemPath(n *node) string {
	var parts []*node
	for p := n; p != nil && p.kind != kindRoot; p = p.parent {
		parts = append([]*node{p}, parts...)
	}
	var b strings.Builder
	for _, p := range parts {
		switch p.kind {
		case kindArabic, kindArticle, kindLeadIn, kindKeyword, kindChapter:
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
		}
		switch p.kind {
		case kindArabic:
			b.WriteString(strconv.Itoa(p.num))
		case kindLeadIn:
			b.WriteString(strconv.Itoa(leadInOrdinal(p)))
		default:
			b.WriteString(p.label)
		}
	}
	return b.String()
}

// sectionOf names the headings above an item.
func sectionOf(n *node) string {
	var parts []string
	for p := n.parent; p != nil && p.kind != kindRoot; p = p.parent {
		parts = append([]string{p.label + shortTitle(p.head)}, parts...)
	}
	return strings.Join(parts, " > ")
}

// itemTitle is the item's name: its heading's first sentence without unit
// annotations, shortened at a comma when long.
func itemTitle(n *node) string {
	head := n.head
	if n.kind == kindLeadIn {
		if i := strings.IndexAny(head, ":∶"); i > 0 {
			return head[:i]
		}
	}
	_, head = parseAnnotations(n.ownText())
	return shortTitle(head)
}

func shortTitle(s string) string {
	_, s = parseAnnotations(s)
	t := strings.TrimSpace(firstSentence(s))
	if runeLen(t) <= 40 {
		return t
	}
	if c := firstClause(t); runeLen(c) >= 6 && runeLen(c) <= 40 {
		return c
	}
	return truncateRunes(t, 30) + "…"
}

// firstClause cuts at the first comma outside quotation marks.
func firstClause(s string) string {
	depth := 0
	for i, r := range s {
		switch r {
		case '“', '《', '(':
			depth++
		case '”', '》', ')':
			if depth > 0 {
				depth--
			}
		case ',', ':':
			if depth == 0 {
				return s[:i]
			}
		}
	}
	return s
}

var reDeadline = regexp.MustCompile(`(\d{4})\s*年\s*(?:(\d{1,2})\s*月\s*(?:(\d{1,2})\s*日|底|末)?|底|末)`)

// deadlineDate reads a deadline as a date: 2021年12月底 → 2021-12-31,
// 2021年底 → 2021-12-31, 2021年3月15日 → 2021-03-15. 长期推进 → "".
func deadlineDate(s string) string {
	m := reDeadline.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	y, _ := strconv.Atoi(m[1])
	mo := 12
	if m[2] != "" {
		mo, _ = strconv.Atoi(m[2])
	}
	if mo < 1 || mo > 12 {
		return ""
	}
	if m[3] != "" {
		d, _ := strconv.Atoi(m[3])
		if t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC); t.Day() == d {
			return t.Format("2006-01-02")
		}
		return ""
	}
	last := time.Date(y, time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC)
	return last.Format("2006-01-02")
}

// Stats summarises a document for `kb stats`.
type Stats struct {
	Items, WithUnits, Commitments, Tagged int
}

// Stats counts what parsing found.
func (d *Document) Stats() Stats {
	var s Stats
	for _, it := range d.Items {
		s.Items++
		if len(it.Lead)+len(it.Resp) > 0 {
			s.WithUnits++
		}
		s.Commitments += len(it.Commitments)
		if len(it.Tags) > 0 {
			s.Tagged++
		}
	}
	return s
}

func (d *Document) warnf(format string, args ...any) {
	d.Warnings = append(d.Warnings, fmt.Sprintf(format, args...))
}
