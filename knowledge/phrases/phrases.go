// Package phrases finds which of a list of literal phrases a text holds,
// in one pass over the text: the phrases are indexed by their first
// character, so each position of the text is tried against the few that
// start with its character rather than every phrase searched for in turn.
// The question analysis of knowledge and the engine's reading of what a
// message asks both use it.
package phrases

import (
	"iter"
	"slices"
	"strings"
	"unicode/utf8"
)

// Set is a list of phrases indexed by their first character.
type Set struct {
	list    []string
	byFirst map[rune][]int // first character → positions in list
}

// New indexes the phrases; their order is kept (Blank replaces in it).
func New(list ...string) Set {
	p := Set{list: list, byFirst: map[rune][]int{}}
	for i, w := range list {
		if r, _ := utf8.DecodeRuneInString(w); w != "" {
			p.byFirst[r] = append(p.byFirst[r], i)
		}
	}
	return p
}

// List is the phrases, in order.
func (p Set) List() []string { return p.list }

// Each yields the position in the list of every phrase s holds, at every
// place it starts.
func (p Set) Each(s string) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i, r := range s {
			for _, k := range p.byFirst[r] {
				if strings.HasPrefix(s[i:], p.list[k]) && !yield(k) {
					return
				}
			}
		}
	}
}

// Found appends the positions in the list of the phrases s holds to buf,
// each once, ascending.
func (p Set) Found(s string, buf []int) []int {
	for k := range p.Each(s) {
		if !slices.Contains(buf, k) {
			buf = append(buf, k)
		}
	}
	slices.Sort(buf)
	return buf
}

// In reports whether s holds any of the phrases.
func (p Set) In(s string) bool {
	for range p.Each(s) {
		return true
	}
	return false
}

// Blank replaces every phrase s holds with a space, phrase by phrase in
// the list's order (an earlier phrase wins where two overlap). Replacing
// with a space cannot make a phrase appear, so the phrases s does not hold
// are skipped.
func (p Set) Blank(s string) string {
	var buf [16]int
	for _, k := range p.Found(s, buf[:0]) {
		s = strings.ReplaceAll(s, p.list[k], " ")
	}
	return s
}
