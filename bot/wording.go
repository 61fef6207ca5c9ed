package bot

import (
	"strings"

	"frontdoor/knowledge/phrases"
)

// wordings is the set of the phrases of every list, found in a message in
// one pass over it (phrases.Set): a regular expression of many
// alternatives tries each at every position, and these sets are looked for
// in every message.
func wordings(lists ...[]string) phrases.Set {
	var all []string
	for _, l := range lists {
		all = append(all, l...)
	}
	return phrases.New(all...)
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
