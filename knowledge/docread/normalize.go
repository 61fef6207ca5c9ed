package docread

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// cleanLines splits text at every kind of line break and cleans each line,
// dropping the lines that end up empty.
func cleanLines(text string) []string {
	var out []string
	for _, raw := range strings.FieldsFunc(text, isLineBreak) {
		if l := cleanLine(raw); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// isLineBreak covers the breaks of every platform and of Unicode text
// (vertical tab and form feed come from Word exports).
func isLineBreak(r rune) bool {
	switch r {
	case '\n', '\r', '\v', '\f', 0x85, 0x2028, 0x2029:
		return true
	}
	return false
}

// cleanLine normalises one line. NFKC would be simpler but rewrites
// Chinese punctuation (、。“”《》〔〕【】 are semantically meaningful to the
// item parser), so the folding is limited to full-width ASCII, which is a
// pure presentation variant. Every Unicode space becomes one plain space,
// invisible format and control characters are removed, and spaces are
// collapsed and trimmed. Spaces between Chinese characters are kept: they
// may be layout artefacts, but repairing them needs context this stage
// does not have. Invalid UTF-8 comes out as U+FFFD.
func cleanLine(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i, r := range s {
		var keep bool
		if isPlain(r) {
			keep = true
		} else {
			r = foldWidth(r)
			switch {
			case isSpace(r):
				space = b.Len() > 0
				continue
			case isInvisible(r):
				continue
			}
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		if keep {
			b.WriteString(s[i : i+utf8.RuneLen(r)])
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isPlain reports the characters that make up nearly all of a document
// and need no normalisation: printable ASCII and common Han.
func isPlain(r rune) bool {
	return r > ' ' && r < 0x7F || r >= 0x4E00 && r <= 0x9FFF
}

// foldWidth maps the full-width forms of ASCII (U+FF01–U+FF5E) to ASCII.
// The ideographic space is handled by isSpace.
func foldWidth(r rune) rune {
	if r >= 0xFF01 && r <= 0xFF5E {
		return r - 0xFEE0
	}
	return r
}

// isSpace reports tabs and every Unicode space separator: no-break,
// en/em, thin, ideographic (U+3000) and the others.
func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || unicode.Is(unicode.Zs, r)
}

// isInvisible reports characters that carry no text: control characters
// and format characters (zero-width spaces and joiners, soft hyphens,
// bidi marks, stray byte-order marks).
func isInvisible(r rune) bool {
	return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r)
}
