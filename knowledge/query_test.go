package knowledge

import (
	"strings"
	"testing"

	"frontdoor/knowledge/phrases"
)

// blankEach is what phrases.Set.Blank stands for: every phrase replaced in
// the list's order, one pass over the text each.
func blankEach(p phrases.Set, s string) string {
	for _, w := range p.List() {
		s = strings.ReplaceAll(s, w, " ")
	}
	return s
}

func TestPhrases(t *testing.T) {
	tests := []struct {
		name, text string
		blank      string
		in         bool
	}{
		{"none", "营业执照办理", "营业执照办理", false},
		{"one", "请问营业执照", " 营业执照", false},
		{"the longer first where the list says so", "我们想问一下", "   ", false},
		{"an earlier phrase wins an overlap", "还是不是", "还 ", false},
		{"repeated", "的的的", "   ", false},
		{"a cue", "要多久", "要 ", true},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fillers.Blank(tt.text); got != tt.blank || got != blankEach(fillers, tt.text) {
				t.Errorf("blank(%q) = %q, want %q (one pass per phrase: %q)", tt.text, got, tt.blank, blankEach(fillers, tt.text))
			}
			if got := timeCues.In(tt.text); got != tt.in {
				t.Errorf("timeCues.In(%q) = %v", tt.text, got)
			}
		})
	}
}

// FuzzPhrases holds phrases.Set.Blank to replacing each phrase in turn,
// and phrases.Set.In to searching for each.
func FuzzPhrases(f *testing.F) {
	for _, s := range []string{"请问我们怎么办吗?", "还是不是", "多少钱多少天", "咨询一下下", "\xff吗"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := fillers.Blank(s), blankEach(fillers, s); got != want {
			t.Fatalf("blank(%q) = %q, want %q", s, got, want)
		}
		want := false
		for _, w := range amountCues.List() {
			want = want || strings.Contains(s, w)
		}
		if got := amountCues.In(s); got != want {
			t.Fatalf("in(%q) = %v, want %v", s, got, want)
		}
	})
}
