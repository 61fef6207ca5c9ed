package knowledge

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"frontdoor/seeds"
)

// labelExpression is the regular expression findLabels stands in for:
// one of the labels, ASCII white space, a colon. Leftmost-first
// alternation in the order of labels, whose longer words come first.
var labelExpression = func() *regexp.Regexp {
	words := make([]string, len(labels))
	for i, l := range labels {
		words[i] = regexp.QuoteMeta(l.word)
	}
	return regexp.MustCompile(`(` + strings.Join(words, "|") + `)\s*[:∶]`)
}()

func wantLabels(text string) [][4]int {
	var out [][4]int
	for _, m := range labelExpression.FindAllStringSubmatchIndex(text, -1) {
		out = append(out, [4]int{m[0], m[1], m[2], m[3]})
	}
	return out
}

func TestFindLabels(t *testing.T) {
	cases := []struct {
		name, text string
		words      []string
	}{
		{"none", "支持企业上市融资", nil},
		{"colon without label", "时间:2024年", nil},
		{"one", "(牵头单位:区发改委)", []string{"牵头单位"}},
		{"longer label wins", "总责任单位:区政府;责任单位:区财政局", []string{"总责任单位", "责任单位"}},
		{"spaces before colon", "牵头单位 \t:区商务局", []string{"牵头单位"}},
		{"ratio colon", "完成时限∶2024年底", []string{"完成时限"}},
		{"full-width space is not white space", "牵头单位\u3000:区商务局", nil},
		{"label at the very end", "配合单位:", []string{"配合单位"}},
		{"several", "〔牵头单位:甲;配合单位:乙、丙;完成时间:长期〕", []string{"牵头单位", "配合单位", "完成时间"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := findLabels(c.text)
			var words []string
			for _, l := range got {
				words = append(words, c.text[l[2]:l[3]])
			}
			if !slices.Equal(words, c.words) {
				t.Errorf("labels %q, want %q", words, c.words)
			}
			if want := wantLabels(c.text); !slices.Equal(got, want) {
				t.Errorf("findLabels = %v, the expression finds %v", got, want)
			}
		})
	}
}

// TestFindLabelsOnTheSeeds compares findLabels with the expression on
// every line of the seed documents.
func TestFindLabelsOnTheSeeds(t *testing.T) {
	entries, err := seeds.FS.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, e := range entries {
		data, err := seeds.FS.ReadFile(e.Name())
		if err != nil || !strings.HasSuffix(e.Name(), ".txt") {
			continue
		}
		for _, text := range []string{string(data), normalizeText(string(data))} {
			got, want := findLabels(text), wantLabels(text)
			if !slices.Equal(got, want) {
				t.Errorf("%s: findLabels found %d labels, the expression %d", e.Name(), len(got), len(want))
			}
			found += len(got)
		}
	}
	if found < 100 {
		t.Errorf("%d labels in the seeds, want at least 100", found)
	}
}

func FuzzFindLabels(f *testing.F) {
	for _, s := range []string{"牵头单位:甲", "总责任单位 ∶乙", "责任单位\n:丙;配合单位:丁", ":::", "单位:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if got, want := findLabels(text), wantLabels(text); !slices.Equal(got, want) {
			t.Errorf("findLabels(%q) = %v, the expression finds %v", text, got, want)
		}
	})
}
