package knowledge

import (
	"math"
	"strings"

	"github.com/go-ego/gse"
)

// cut splits text into words exactly as gse's Cut(text, false) does — the
// dictionary's word graph and its most probable route, no HMM — without
// gse's per-call maps, its string copy of every candidate and its regular
// expression per word, which made segmentation a quarter of loading a base
// and of answering a question. TestCutAsGse holds the two to the same
// output, and FuzzCut to the same output on any text.
func (a *analyzer) cut(text string) []string {
	if gse.ToLower {
		text = strings.ToLower(text)
	}
	dict := a.seg.Dict
	b := []byte(text)
	// at[k] is the byte offset of rune k; at[n] is len(b).
	at := make([]int, 0, len(b)+1)
	for i := range text {
		at = append(at, i)
	}
	n := len(at)
	at = append(at, len(b))

	// Every word of the dictionary that starts at rune k, found by growing
	// the fragment while the dictionary holds it as a word or a prefix.
	type edge struct {
		end  int     // rune index of the word's last rune
		freq float64 // 0: not a word, only a prefix
		ok   bool
	}
	// edges[first[k]:first[k+1]] start at rune k: one list for all.
	edges := make([]edge, 0, 2*n)
	first := make([]int, n+1)
	for k := 0; k < n; k++ {
		first[k] = len(edges)
		var single edge // rune k alone, the route when no word starts here
		for i := k; i < n; i++ {
			freq, _, ok := dict.Find(b[at[k]:at[i+1]])
			if i == k {
				single = edge{end: k, freq: freq, ok: ok}
			}
			if !ok {
				break
			}
			if freq > 0 {
				edges = append(edges, edge{end: i, freq: freq, ok: ok})
			}
		}
		if len(edges) == first[k] {
			edges = append(edges, single)
		}
	}
	first[n] = len(edges)

	// The best route from each rune to the end, scored as gse scores it:
	// log frequency over the total, unknown words as frequency 1, and on a
	// tie the longer word.
	type route struct {
		score float64
		end   int
	}
	routes := make([]route, n+1)
	logT := math.Log(dict.TotalFreq())
	for k := n - 1; k >= 0; k-- {
		for j, e := range edges[first[k]:first[k+1]] {
			f := math.Log(1.0)
			if e.ok {
				f = math.Log(e.freq)
			}
			r := route{score: f - logT + routes[e.end+1].score, end: e.end}
			if v := routes[k]; j == 0 || v.score < r.score || (v.score == r.score && v.end < r.end) {
				routes[k] = r
			}
		}
	}

	// Single ASCII letters and digits in a row are one word, as gse has it.
	var out []string
	run := -1
	for x := 0; x < n; {
		y := routes[x].end + 1
		if y == x+1 && isASCIIAlnum(b[at[x]]) && at[y]-at[x] == 1 {
			if run < 0 {
				run = at[x]
			}
			x = y
			continue
		}
		if run >= 0 {
			out = append(out, text[run:at[x]])
			run = -1
		}
		out = append(out, text[at[x]:at[y]])
		x = y
	}
	if run >= 0 {
		out = append(out, text[run:])
	}
	return out
}

func isASCIIAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
