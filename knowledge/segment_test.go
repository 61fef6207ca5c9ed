package knowledge

import (
	"slices"
	"testing"
	"unicode/utf8"
)

func TestCutAsGse(t *testing.T) {
	kb := seedBase(t)
	cases := []struct{ name, text string }{
		{"empty", ""},
		{"one character", "电"},
		{"domain words", "营商环境优化提升行动方案"},
		{"latin and digits run together", "abc123 申请ipo上市 5g基站 a1b2"},
		{"upper case", "ABC公司申请VAT退税"},
		{"punctuation and spaces", "  注销公司,要交什么材料?  "},
		{"a character only a prefix of words", "鳌"},
		{"emoji and symbols", "停电了😤!!¥100元"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got, want := kb.an.cut(c.text), kb.an.seg.Cut(c.text, false); !slices.Equal(got, want) {
				t.Errorf("cut(%q) = %q, gse cuts %q", c.text, got, want)
			}
		})
	}
	n := 0
	for _, it := range kb.Items {
		for _, text := range []string{it.Title, it.Body, normalizeText(it.Body)} {
			if got, want := kb.an.cut(text), kb.an.seg.Cut(text, false); !slices.Equal(got, want) {
				t.Fatalf("%s: cut %q, gse cuts %q", it.ID, got, want)
			}
			n++
		}
	}
	if n < 500 {
		t.Errorf("%d texts compared, want at least 500", n)
	}
}

func FuzzCut(f *testing.F) {
	kb := seedBase(f)
	for _, s := range []string{"营商环境", "abc123", "ABC公司", "停电了😤", "鳌鳌鳌", "a b", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) {
			t.Skip("the analyzer cuts normalised text, which is valid UTF-8")
		}
		if got, want := kb.an.cut(text), kb.an.seg.Cut(text, false); !slices.Equal(got, want) {
			t.Errorf("cut(%q) = %q, gse cuts %q", text, got, want)
		}
	})
}
