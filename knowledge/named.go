package knowledge

import "strings"

// A message the intent model takes for one that is not for the service
// ("临床中心么时候开", "一业一证适用哪些行业") often names a matter only the
// region's own documents name: a hospital project, a reform's slogan, a
// road. The model learns from a corpus written for every region and cannot
// know each region's words; the region's documents do.
const (
	// namedRunes is how many Han characters in a row name a matter: two
	// or three are common words (服务, 保证金), four rarely are.
	namedRunes = 4
	// namedItems is at most how many items' text may hold the run: a run
	// most items hold (营商环境, 工作人员) names the genre, not a matter.
	namedItems = 3
	// namedCandidates bounds the work per run: when even its rarest
	// bigram is in more items' text than this, the run is not looked for.
	namedCandidates = 64
)

// NamedMatter is a run of four Han characters of the question, its
// fillers and the region's names left out, that the title or body of at
// least one and at most three of the region's items hold, "" if none.
func (qn *Question) NamedMatter() string {
	runes := []rune(qn.q.norm)
	for i := 0; i+namedRunes <= len(runes); i++ {
		w := runes[i : i+namedRunes]
		if run, ok := qn.namedRun(w); ok {
			return run
		}
	}
	return ""
}

// namedRun reports whether the run w is in the text of 1–namedItems items.
func (qn *Question) namedRun(w []rune) (string, bool) {
	for _, r := range w {
		if !isHan(r) {
			return "", false
		}
	}
	// Every item holding the run holds each of its bigrams: the rarest
	// bigram's postings are the candidates.
	grams := qn.ri.grams
	var rarest []posting
	for j := 0; j+2 <= len(w); j++ {
		id, ok := grams.dict.lookup(string(w[j : j+2]))
		if !ok {
			return "", false
		}
		ps := grams.listID(id)
		if len(ps) == 0 {
			return "", false
		}
		if rarest == nil || len(ps) < len(rarest) {
			rarest = ps
		}
	}
	if len(rarest) > namedCandidates {
		return "", false
	}
	run := string(w)
	n := 0
	for _, p := range rarest {
		if !p.inText() {
			continue
		}
		i := int(p.doc())
		if qn.itemHolds(i, run) {
			if n++; n > namedItems {
				return "", false
			}
		}
	}
	return run, n > 0
}

// itemHolds reports whether item i's title or a sentence of its body holds
// s: a run of Han characters never crosses a sentence's end.
func (qn *Question) itemHolds(i int, s string) bool {
	if strings.Contains(normalizeText(qn.ri.items[i].Title), s) {
		return true
	}
	t := qn.ri.text(i, qn.an)
	for k := range t.sentences {
		if t.sentences[k].contains(s) {
			return true
		}
	}
	return false
}
