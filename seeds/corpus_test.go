package seeds_test

import (
	"bufio"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/width"

	"frontdoor/knowledge"
	"frontdoor/seeds"
)

// The corpus and the item questions are training data; the evaluation sets
// judge what was learned from them. An evaluation message in the training
// data, verbatim or nearly, would make the judge's figures worthless.

// evaluationSets are the labelled sets in the repository, and the
// customer's development set beside it when it is there.
var evaluationSets = []string{"../bot/evaluate/testdata/*.jsonl", "../../shared/eval/*.jsonl"}

// A training text is too close to an evaluation text when the two are the
// same, share a run of leakRun characters, or when the shorter of them is
// mostly one shared run (leakShare of it, at least leakShort characters).
// Shorter shared runs are the genre's own phrases ("企业服务中心",
// "营业执照变更"), which every text about them uses.
const (
	leakRun   = 12
	leakShort = 8
	leakShare = 0.8
)

// trainingText is a text of the training data with where it is.
type trainingText struct{ text, where string }

func trainingTexts(t *testing.T) []trainingText {
	t.Helper()
	exs, err := knowledge.ReadCorpus(seeds.FS)
	if err != nil {
		t.Fatal(err)
	}
	if len(exs) < 4000 {
		t.Errorf("the corpus holds %d messages; it should hold at least 4,000", len(exs))
	}
	var out []trainingText
	for _, ex := range exs {
		out = append(out, trainingText{ex.Text, ex.Source})
	}
	names, err := fs.Glob(seeds.FS, knowledge.QuestionsDir+"/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		data, _ := seeds.FS.ReadFile(name)
		qf, err := knowledge.ParseQuestions(name, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, iq := range qf.Items {
			for _, q := range iq.Questions {
				out = append(out, trainingText{q, name + " " + iq.Path})
			}
			for _, qs := range iq.Figures {
				for _, q := range qs {
					out = append(out, trainingText{q, name + " " + iq.Path})
				}
			}
		}
	}
	return out
}

func evaluationTexts(t *testing.T) []trainingText {
	t.Helper()
	var out []trainingText
	for _, pattern := range evaluationSets {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			file, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(file)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			for n := 1; sc.Scan(); n++ {
				var c struct {
					ID   string `json:"id"`
					Text string `json:"text"`
				}
				if json.Unmarshal(sc.Bytes(), &c) == nil && c.Text != "" {
					out = append(out, trainingText{c.Text, f + " " + c.ID})
				}
			}
			file.Close()
		}
	}
	if len(out) == 0 {
		t.Fatal("no evaluation set found")
	}
	return out
}

// skeleton is a text as compared: full-width forms narrowed, letters
// lowered, spaces, punctuation and symbols left out, so that a copy is
// found however it was re-punctuated.
func skeleton(s string) []rune {
	var out []rune
	for _, r := range strings.ToLower(width.Narrow.String(s)) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			out = append(out, r)
		}
	}
	return out
}

// longestRun is the length of the longest run of characters a and b share.
func longestRun(a, b []rune) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	best := 0
	for i := range a {
		for j := range b {
			if a[i] == b[j] {
				cur[j+1] = prev[j] + 1
				best = max(best, cur[j+1])
			} else {
				cur[j+1] = 0
			}
		}
		prev, cur = cur, prev
	}
	return best
}

// tooClose reports a pair of texts one could have been written from the
// other.
func tooClose(a, b []rune) (bool, int) {
	if string(a) == string(b) {
		return true, len(a)
	}
	run := longestRun(a, b)
	short := min(len(a), len(b))
	return run >= leakRun || run >= leakShort && float64(run) >= leakShare*float64(short), run
}

func TestNoEvaluationTextInTheTrainingData(t *testing.T) {
	evals := evaluationTexts(t)
	// Candidates share a window of leakShort characters: only they are
	// compared in full, not every pair.
	windows := map[string][]int{}
	skel := make([][]rune, len(evals))
	for i, e := range evals {
		skel[i] = skeleton(e.text)
		for k := 0; k+leakShort <= len(skel[i]); k++ {
			w := string(skel[i][k : k+leakShort])
			if l := windows[w]; len(l) == 0 || l[len(l)-1] != i {
				windows[w] = append(l, i)
			}
		}
	}
	exact := map[string]int{}
	for i, s := range skel {
		exact[string(s)] = i
	}
	leaks := 0
	for _, tr := range trainingTexts(t) {
		s := skeleton(tr.text)
		cands := map[int]bool{}
		if i, ok := exact[string(s)]; ok {
			cands[i] = true
		}
		for k := 0; k+leakShort <= len(s); k++ {
			for _, i := range windows[string(s[k:k+leakShort])] {
				cands[i] = true
			}
		}
		for i := range cands {
			if close, run := tooClose(s, skel[i]); close {
				leaks++
				t.Errorf("%s shares %d characters with %s:\n  %s\n  %s", tr.where, run, evals[i].where, tr.text, evals[i].text)
			}
		}
	}
	if leaks > 0 {
		t.Logf("%d training texts too close to evaluation texts; reword or remove them", leaks)
	}
}

func TestTooClose(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"你好", "你好!", true},
		{"转人工", "转人工!!", true},
		{"转人工", "转人工 谢谢", false},
		{"厂里接电要多久", "店里接电要几天", false},
		{"我们厂申请接电三个月了还没通供电公司一直拖着", "隔壁厂申请接电三个月了还没通,气死", true},
		{"营业执照变更要多久", "公司地址变更要带什么材料", false},
	}
	for _, tt := range tests {
		t.Run(tt.a+"|"+tt.b, func(t *testing.T) {
			if got, run := tooClose(skeleton(tt.a), skeleton(tt.b)); got != tt.want {
				t.Errorf("tooClose = %v (run %d), want %v", got, run, tt.want)
			}
		})
	}
}
