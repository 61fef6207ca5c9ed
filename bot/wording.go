package bot

import (
	"strings"
	"unicode/utf8"
)

// wordings is a set of literal phrases, found in a message in one pass
// over it: a regular expression of many alternatives tries each at every
// position, and these sets are looked for in every message.
type wordings struct {
	byFirst map[rune][]string
}

func newWordings(lists ...[]string) wordings {
	w := wordings{byFirst: map[rune][]string{}}
	for _, l := range lists {
		for _, p := range l {
			if r, _ := utf8.DecodeRuneInString(p); p != "" {
				w.byFirst[r] = append(w.byFirst[r], p)
			}
		}
	}
	return w
}

// in reports whether s holds one of the phrases.
func (w wordings) in(s string) bool {
	for i, r := range s {
		for _, p := range w.byFirst[r] {
			if strings.HasPrefix(s[i:], p) {
				return true
			}
		}
	}
	return false
}

// cross is every phrase of a followed by every phrase of b.
func cross(a, b []string) []string {
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	return out
}

// words splits a space-separated list.
func words(s string) []string { return strings.Fields(s) }
