package knowledge

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// field is what an annotation label assigns.
type field int

const (
	fieldLead field = iota
	fieldResp
	fieldCoop
	fieldSection
	fieldLeader
	fieldDeadline
)

// labels maps the genre's annotation labels to fields. Longer labels first:
// 总责任单位 must not be read as 责任单位.
var labels = []struct {
	word string
	f    field
}{
	{"总责任单位", fieldSection},
	{"牵头单位", fieldLead}, {"牵头部门", fieldLead}, {"主办单位", fieldLead}, {"主责单位", fieldLead},
	{"责任单位", fieldResp}, {"责任部门", fieldResp}, {"实施单位", fieldResp},
	{"配合单位", fieldCoop}, {"配合部门", fieldCoop}, {"协办单位", fieldCoop}, {"参与单位", fieldCoop}, {"协同单位", fieldCoop},
	{"牵头领导", fieldLeader}, {"责任领导", fieldLeader}, {"分管领导", fieldLeader},
	{"完成时限", fieldDeadline}, {"完成时间", fieldDeadline}, {"办结时限", fieldDeadline}, {"时间节点", fieldDeadline},
}

// labelsByLength are the labels longest first, so that a label that ends
// another (责任单位 in 总责任单位) is only taken when the longer one is not there.
var labelsByLength = func() []string {
	words := make([]string, len(labels))
	for i, l := range labels {
		words[i] = l.word
	}
	slices.SortStableFunc(words, func(a, b string) int { return len(b) - len(a) })
	return words
}()

// findLabels finds every "label:" in text (a label, ASCII white space, then
// ':' or '∶') as [label start, end after the colon, label start, label end],
// in order. Every match ends at a colon and labels hold none, so looking
// back from each colon finds them all; a regular expression with 23
// alternatives and no literal prefix was a seventh of loading a base.
func findLabels(text string) [][4]int {
	var locs [][4]int
	for i := 0; i < len(text); {
		j := strings.IndexAny(text[i:], ":∶")
		if j < 0 {
			break
		}
		colon := i + j
		_, size := utf8.DecodeRuneInString(text[colon:])
		i = colon + size
		before := strings.TrimRight(text[:colon], " \t\n\f\r")
		for _, w := range labelsByLength {
			if strings.HasSuffix(before, w) {
				start := len(before) - len(w)
				locs = append(locs, [4]int{start, i, start, len(before)})
				break
			}
		}
	}
	return locs
}

// annotation is what an item's unit brackets say.
type annotation struct {
	lead, resp, coop, section, leaders []string
	deadline                           string
}

func (a *annotation) hasUnits() bool {
	return len(a.lead)+len(a.resp)+len(a.coop) > 0
}

func labelField(word string) field {
	for _, l := range labels {
		if l.word == word {
			return l.f
		}
	}
	return fieldResp
}

const (
	openBrackets  = "〔(（【["
	closeBrackets = "〕)）】]"
)

// parseAnnotations reads unit annotations wherever they stand in an item —
// in 〔〕, (), （） or 【】, in the title line, on a line of their own, with
// brackets missing or unbalanced — and returns the text without them.
func parseAnnotations(text string) (annotation, string) {
	var a annotation
	locs := findLabels(text)
	if len(locs) == 0 {
		return a, text
	}
	type span struct{ from, to int }
	var spans []span
	for i, loc := range locs {
		valueStart := loc[1]
		end := len(text)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		value, closeAt := cutValue(text[valueStart:end])
		word := text[loc[2]:loc[3]]
		a.add(labelField(word), value)

		from := loc[0]
		if j := openingBracketBefore(text, from); j >= 0 {
			from = j
		}
		to := valueStart + closeAt
		spans = append(spans, span{from, to})
	}
	// merge and cut
	var b strings.Builder
	pos := 0
	for _, s := range spans {
		if s.from < pos {
			s.from = pos
		}
		if s.from > pos {
			b.WriteString(text[pos:s.from])
		}
		if s.to > pos {
			pos = s.to
		}
	}
	b.WriteString(text[pos:])
	body := strings.TrimSpace(b.String())
	body = strings.TrimRight(body, ";,、 \n")
	return a, body
}

// cutValue returns the value after a label and how far the annotation runs:
// to a closing bracket at depth 0, a line end, a 。 or the next label.
func cutValue(s string) (string, int) {
	depth := 0
	for i, r := range s {
		switch {
		case strings.ContainsRune(openBrackets, r):
			depth++
		case strings.ContainsRune(closeBrackets, r):
			if depth == 0 {
				return trimValue(s[:i]), i + utf8.RuneLen(r)
			}
			depth--
		case r == '\n' || r == '。':
			return trimValue(s[:i]), i
		}
	}
	return trimValue(s), len(s)
}

func trimValue(v string) string {
	return strings.Trim(v, " ;,、:∶\n")
}

// openingBracketBefore finds the bracket that opens an annotation right
// before a label ("〔牵头单位", "(牵 头单位").
func openingBracketBefore(text string, at int) int {
	r, size := utf8.DecodeLastRuneInString(text[:at])
	if size > 0 && strings.ContainsRune(openBrackets, r) {
		return at - size
	}
	return -1
}

func (a *annotation) add(f field, value string) {
	if value == "" {
		return
	}
	switch f {
	case fieldDeadline:
		if a.deadline == "" {
			a.deadline = value
		}
	case fieldLeader:
		a.leaders = append(a.leaders, splitUnits(value)...)
	case fieldLead:
		a.lead = append(a.lead, splitUnits(value)...)
	case fieldResp:
		a.resp = append(a.resp, splitUnits(value)...)
	case fieldCoop:
		a.coop = append(a.coop, splitUnits(value)...)
	case fieldSection:
		a.section = append(a.section, splitUnits(value)...)
	}
}

var (
	reUnitSep      = regexp.MustCompile(`[、,，;；]+`)
	reDutyPhrase   = regexp.MustCompile(`按.{0,6}负责$|分别负责$|负责$`)
	reEtcInside    = regexp.MustCompile(`^(.{3,}?)等(.{3,})$`)
	reEtcSuffixEnd = regexp.MustCompile(`等$`)
)

// splitUnits splits a list of units on the separators the documents use.
// Units run together without a separator are split later, once the
// corpus's unit endings are known (see unitSplitter).
func splitUnits(v string) []string {
	var out []string
	for _, p := range reUnitSep.Split(v, -1) {
		p = strings.TrimSpace(p)
		p = reDutyPhrase.ReplaceAllString(p, "")
		if m := reEtcInside.FindStringSubmatch(p); m != nil && !strings.Contains(m[1], "(") {
			out = append(out, m[1], m[2])
			continue
		}
		p = reEtcSuffixEnd.ReplaceAllString(p, "")
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// adminPrefixes start the name of a government body; a run-together list
// ("区住建局区发改委") splits where one of them follows a unit ending.
var adminPrefixes = []string{"区", "市", "县", "省", "州", "镇", "乡"}

// unitSplitter splits units run together without a separator, using the
// unit-name endings (局, 委, 办, 中心, 分局 …) learned from the corpus.
type unitSplitter struct {
	endings map[string]int
	known   map[string]bool
}

// newUnitSplitter learns endings from every unit the documents name.
// An ending counts when at least two different units end with it.
func newUnitSplitter(units []string) *unitSplitter {
	s := &unitSplitter{endings: map[string]int{}, known: map[string]bool{}}
	seen := map[string]bool{}
	for _, u := range units {
		n := utf8.RuneCountInString(u)
		if n < 2 || n > 16 || seen[u] {
			continue
		}
		seen[u] = true
		s.known[u] = true
		rs := []rune(u)
		s.endings[string(rs[n-1:])]++
		if n >= 3 {
			s.endings[string(rs[n-2:])]++
		}
	}
	for e, c := range s.endings {
		if c < 2 {
			delete(s.endings, e)
		}
	}
	return s
}

// split breaks one unit string where a unit ending is followed by the start
// of another body's name, or where both halves are units named elsewhere.
func (s *unitSplitter) split(u string) []string {
	rs := []rune(u)
	if len(rs) < 6 {
		return []string{u}
	}
	for i := 3; i <= len(rs)-3; i++ {
		left, right := string(rs[:i]), string(rs[i:])
		if strings.ContainsAny(left, "()（）") != strings.ContainsAny(right, "()（）") && strings.ContainsAny(u, "()（）") {
			continue // never split inside a parenthesised part
		}
		if !s.endsLikeUnit(left) {
			continue
		}
		if s.startsLikeUnit(right) || s.known[left] && s.known[right] {
			return append([]string{left}, s.split(right)...)
		}
	}
	return []string{u}
}

func (s *unitSplitter) endsLikeUnit(u string) bool {
	rs := []rune(u)
	n := len(rs)
	if s.endings[string(rs[n-1:])] > 0 {
		return true
	}
	return n >= 2 && s.endings[string(rs[n-2:])] > 0
}

func (s *unitSplitter) startsLikeUnit(u string) bool {
	for _, p := range adminPrefixes[:4] {
		if strings.HasPrefix(u, p) {
			return true
		}
	}
	return false
}

// splitAll applies split to every unit of a list.
func (s *unitSplitter) splitAll(units []string) []string {
	var out []string
	for _, u := range units {
		out = append(out, s.split(u)...)
	}
	return uniqueStrings(out)
}
