package knowledge

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// isHan reports a Chinese character.
func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// isWide reports a character of Chinese typesetting: Han, CJK punctuation
// and the quotes, dashes and brackets Chinese text uses. A space next to
// one of them is never meaningful in Chinese prose.
func isWide(r rune) bool {
	switch {
	case isHan(r):
		return true
	case r >= 0x3000 && r <= 0x303F, r >= 0xFF00 && r <= 0xFFEF:
		return true
	}
	switch r {
	case '“', '”', '‘', '’', '…', '—', '·', '∶', ',', ':', ';', '(', ')', '%', '.', '、':
		return true
	}
	return false
}

// repairSpaces removes the spaces PDF extraction scatters inside Chinese
// words ("牵 头单位", "完 成 时 限", "2021 年12 月底") while keeping those
// between two Latin words or numbers ("AEO 认证" loses its space, "A B" not).
func repairSpaces(s string) string {
	if !strings.ContainsAny(s, " \t") {
		return s
	}
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r != ' ' && r != '\t' {
			b.WriteRune(r)
			continue
		}
		j := i
		for j < len(rs) && (rs[j] == ' ' || rs[j] == '\t') {
			j++
		}
		var prev, next rune
		if b.Len() > 0 {
			prev, _ = utf8.DecodeLastRuneInString(b.String())
		}
		if j < len(rs) {
			next = rs[j]
		}
		if prev != 0 && next != 0 && !isWide(prev) && !isWide(next) {
			b.WriteByte(' ')
		}
		i = j - 1
	}
	return strings.TrimSpace(b.String())
}

// splitParagraphs breaks a flattened page (one very long line holding many
// paragraphs separated by spaces, as newspaper pages are scraped) at sentence
// ends followed by a space, so that paragraph lead-ins start lines again.
func splitParagraphs(line string) []string {
	if utf8.RuneCountInString(line) < 200 || !strings.Contains(line, " ") {
		return []string{line}
	}
	var out []string
	start := 0
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRuneInString(line[i:])
		if (r == '。' || r == '|' || r == '!' || r == '?' || r == '”') && i+size < len(line) && line[i+size] == ' ' {
			if p := strings.TrimSpace(line[start : i+size]); p != "" && p != "|" {
				out = append(out, p)
			}
			start = i + size + 1
		}
		i += size
	}
	if p := strings.TrimSpace(line[start:]); p != "" && p != "|" {
		out = append(out, p)
	}
	return out
}

// firstSentence returns the text up to the first sentence end.
func firstSentence(s string) string {
	if i := strings.IndexAny(s, "。;!?\n"); i >= 0 {
		return s[:i]
	}
	return s
}

// runeLen counts characters.
func runeLen(s string) int { return utf8.RuneCountInString(s) }

// truncateRunes cuts s to at most n characters.
func truncateRunes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// uniqueStrings keeps the first occurrence of each non-empty string.
func uniqueStrings(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := in[:0:0]
	for _, s := range in {
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

// chineseNumerals maps the numerals headings use to their values.
var chineseNumerals = map[rune]int{
	'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5,
	'六': 6, '七': 7, '八': 8, '九': 9, '十': 10, '百': 100, '千': 1000,
}

// parseChineseNumber reads numerals like 三, 十二, 二十一, 一百零五, 两千.
func parseChineseNumber(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	total, cur := 0, 0
	for _, r := range s {
		v, ok := chineseNumerals[r]
		if !ok {
			return 0, false
		}
		switch v {
		case 10, 100, 1000:
			if cur == 0 {
				cur = 1
			}
			total += cur * v
			cur = 0
		default:
			cur = v
		}
	}
	return total + cur, true
}
