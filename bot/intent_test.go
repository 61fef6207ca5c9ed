package bot

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// allCueWords is every word the classifier looks for.
func allCueWords() []string {
	var out []string
	for _, w := range complaintWords {
		out = append(out, w.word)
	}
	for _, l := range [][]string{askCues, assistCues, humanCues, progressCues, escalateCues, greetingCues, offTopicCues, domainCues} {
		out = append(out, l...)
	}
	return out
}

// FuzzCueText holds the rune filter to strings.Contains: it may only skip
// a cue word the text does not hold, in the text itself and in the texts
// the classifier derives from it by cutting cues out.
func FuzzCueText(f *testing.F) {
	for _, s := range []string{"我们厂申请接电三个月了还没通,供电公司一直拖着不办", "你好", "转人工", "hello ok", "", "|", "查一下进度"} {
		f.Add(s)
	}
	words := allCueWords()
	f.Fuzz(func(t *testing.T, s string) {
		ct := newCueText(s)
		derived := []string{s, strings.ReplaceAll(s, "了", "|"), strings.ReplaceAll(s, "你好", "")}
		for _, w := range words {
			for _, d := range derived {
				if strings.Contains(d, w) && !ct.mayHold(w) {
					t.Fatalf("the filter of %q skips %q, which %q holds", s, w, d)
				}
			}
			if ct.hasAny([]string{w}) != strings.Contains(s, w) {
				t.Fatalf("hasAny(%q) in %q disagrees with strings.Contains", w, s)
			}
		}
	})
}

func TestClassify(t *testing.T) {
	tests := []struct {
		text string
		want Intent
	}{
		{"你好", Greeting},
		{"转人工", Human},
		{"帮我写个年终总结", OutOfScope},
		{"我的工单进度怎么样了", ProgressQuery},
		{"政府拖欠我们公司工程款两年了一直不给,找谁都没用", Complaint},
		{"能不能派个人帮我们把手续跑下来", AssistRequest},
		{"注销公司要交什么材料", PolicyQuery},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := classify(normalize(tt.text)).intent; got != tt.want {
				t.Errorf("classify(%q) = %s, want %s", tt.text, got, tt.want)
			}
		})
	}
}

// BenchmarkClassify classifies the benchmark's policy questions and
// complaints in turn.
func BenchmarkClassify(b *testing.B) {
	texts := []string{"注销公司要交什么材料", "不动产抵押登记要多久", "有没有免申即享的政策", "增值税退税要多久",
		"我们厂申请接电三个月了还没通,供电公司一直拖着不办,严重影响生产", "办营业执照被窗口来回推,跑了五趟还没办下来,太离谱了",
		"政府拖欠我们公司工程款两年了一直不给,找谁都没用", "执法检查太频繁了,一个月来了四次,企业根本没法正常经营"}
	for i := range texts {
		texts[i] = normalize(texts[i])
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		classify(texts[i%len(texts)])
	}
}

// FuzzCueRegexps holds each guarded expression to the expression alone:
// the words it needs may only skip texts the expression does not match.
// The seeds are the evaluation sets' messages.
func FuzzCueRegexps(f *testing.F) {
	for _, name := range []string{"dev", "extra", "holdout"} {
		data, err := os.ReadFile("evaluate/testdata/" + name + ".jsonl")
		if err != nil {
			f.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			var c struct{ Text string }
			if json.Unmarshal([]byte(line), &c) == nil && c.Text != "" {
				f.Add(normalize(c.Text))
			}
		}
	}
	all := map[string]cueRegexp{"reNotSupposed": reNotSupposed, "reDemanded": reDemanded, "reStuck": reStuck,
		"reRepeated": reRepeated, "reInfoQuestion": reInfoQuestion, "reAsksExistence": reAsksExistence,
		"reProgress": reProgress, "reRecommend": reRecommend}
	f.Fuzz(func(t *testing.T, s string) {
		for name, c := range all {
			if got, want := c.MatchString(s), c.re.MatchString(s); got != want {
				t.Errorf("%s.MatchString(%q) = %v, the expression alone %v", name, s, got, want)
			}
		}
	})
}
