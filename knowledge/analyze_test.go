package knowledge

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/go-ego/gse"
	"golang.org/x/text/width"
)

// TestDictionaryAsGseLoadsIt: the dictionary loadWords builds is the one
// gse's LoadDictStr builds from the same lines (same words, frequencies
// and total), and the segmenter cuts every line of the seeds the same.
func TestDictionaryAsGseLoadsIt(t *testing.T) {
	kb := seedBase(t)
	domain := kb.domainWords()
	ours, err := newGeneralAnalyzer()
	if err != nil {
		t.Fatal(err)
	}
	if err := ours.learn(domain, nil, nil); err != nil {
		t.Fatal(err)
	}
	var theirs gse.Segmenter
	theirs.SkipLog, theirs.NotLoadHMM = true, true
	if err := theirs.LoadDictStr(generalDict + domainLines(domain)); err != nil {
		t.Fatal(err)
	}
	if got, want := ours.seg.Dict.NumTokens(), theirs.Dict.NumTokens(); got != want || got < 30000 {
		t.Errorf("%d words, gse loads %d", got, want)
	}
	if got, want := ours.seg.Dict.TotalFreq(), theirs.Dict.TotalFreq(); got != want {
		t.Errorf("total frequency %v, gse's %v", got, want)
	}
	for i := range theirs.Dict.Tokens {
		tok := &theirs.Dict.Tokens[i]
		if f, pos, ok := ours.seg.Find(tok.Text()); !ok || f != tok.Freq() || pos != tok.Pos() {
			t.Fatalf("%q: ours %v %q %v, gse's %v %q", tok.Text(), f, pos, ok, tok.Freq(), tok.Pos())
		}
	}
	cut := 0
	for _, it := range kb.Items {
		for _, s := range splitSentences(it.Body) {
			norm := normalizeText(s)
			if got, want := ours.seg.Cut(norm, false), theirs.Cut(norm, false); !slices.Equal(got, want) {
				t.Errorf("%q: cut %q, gse's dictionary %q", norm, got, want)
			}
			cut++
		}
	}
	if cut < 500 {
		t.Errorf("%d sentences compared, want the seeds' (at least 500)", cut)
	}
}

// TestNarrowRune compares narrowRune with width.Narrow on every rune.
func TestNarrowRune(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue // not encodable in UTF-8
		}
		if got, want := string(narrowRune(r)), width.Narrow.String(string(r)); got != want {
			t.Fatalf("narrowRune(%U) = %q, width.Narrow %q", r, got, want)
		}
	}
}

// FuzzNarrow: width.Narrow maps a text rune by rune, as normalizeText
// relies on.
func FuzzNarrow(f *testing.F) {
	for _, s := range []string{"ＡＢＣ１２３，。？", "厂里要新装一路低压电，不用外线施工", "ｶﾞｷﾞ　ㄱ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		var b strings.Builder
		for _, r := range s {
			b.WriteRune(narrowRune(r))
		}
		if got, want := b.String(), width.Narrow.String(s); got != want {
			t.Fatalf("%q: rune by rune %q, width.Narrow %q", s, got, want)
		}
	})
}
