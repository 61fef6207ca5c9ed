package bot

import (
	"context"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"frontdoor/bot/llm"
	"frontdoor/knowledge"
)

func testItem() *knowledge.Item {
	return &knowledge.Item{Doc: testDoc, Number: "21", Title: "压缩办电时间",
		Text:        "低压非居民用户无外部工程的办电时间压缩至3个工作日以内,有外部工程的压缩至10个工作日以内。",
		Commitments: []knowledge.Commitment{{Text: "3个工作日", Value: "3", Unit: "工作日"}}}
}

func TestUnstatedFigure(t *testing.T) {
	title := func(*knowledge.Item) string { return testDocTitle }
	draft := "无外部工程的办电时间压缩至3个工作日以内。\n依据:《" + testDocTitle + "》第21项「压缩办电时间」。"
	tests := []struct {
		name, answer string
		unstated     string // "" when every figure is stated
	}{
		{"same figure", "不用外线施工的,3个工作日内通电。依据:第21项「压缩办电时间」", ""},
		{"same figure in chinese", "不用外线施工的,三个工作日内通电。依据:第二十一项「压缩办电时间」", ""},
		{"changed figure", "不用外线施工的,5个工作日内通电。依据:第21项「压缩办电时间」", "5"},
		{"changed chinese figure", "不用外线施工的,五个工作日内通电。依据:第21项「压缩办电时间」", "5"},
		{"the figure in another unit", "不用外线施工的,3天内通电。依据:第21项「压缩办电时间」", "3天"},
		{"a figure of another clause of the item", "有外部工程的10个工作日。依据:[21]", ""},
		{"document number and year in the citation", "3个工作日。依据:《" + testDocTitle + "》第21项", ""},
		{"invented amount", "3个工作日,另有补贴1万元。依据:第21项", "10000"},
		{"half a day is not five", "0.5个工作日。依据:第21项", "0.5"},
		{"the item's number is no figure", "21个工作日。依据:第21项", "21"},
		{"a citation of an item not given", "3个工作日。依据:第22项", "22"},
		{"document number outside the title", "3个工作日。依据:《鄂州市优化营商环境若干措施》(鄂州发〔2021〕7号)第21项", ""},
		{"a title's number is no figure", "7个工作日。依据:《" + testDocTitle + "》第21项", "7"},
		{"a figure dressed as a title", "依据:《3个工作日》第21项,实际5个工作日", "5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := unstatedFigure(tt.answer, []*knowledge.Item{testItem()}, title, draft)
			if ok != (tt.unstated != "") || got != tt.unstated {
				t.Errorf("unstatedFigure(%q) = %q, %v; want %q", tt.answer, got, ok, tt.unstated)
			}
		})
	}
}

// fixedPhraser answers every question with text.
type fixedPhraser struct {
	text     string
	err      error
	question string
	titles   []string
}

func (p *fixedPhraser) Phrase(_ context.Context, question string, items []*knowledge.Item, docTitle func(*knowledge.Item) string, _ string) (string, error) {
	p.question = question
	for _, it := range items {
		p.titles = append(p.titles, docTitle(it))
	}
	return p.text, p.err
}

func TestPhraseChecksFigures(t *testing.T) {
	kb := &knowledge.Base{Docs: []*knowledge.Document{{File: testDoc, Title: testDocTitle}}}
	const draft = "无外部工程的办电时间压缩至3个工作日以内。"
	tests := []struct {
		name, question, answer string
		outcome                string
	}{
		{"stated figure", "几天能通电?", "3个工作日内通电。依据:第21项「压缩办电时间」", "ok"},
		{"changed figure", "几天能通电?", "5个工作日内通电。依据:第21项「压缩办电时间」", "rejected"},
		{"changed chinese figure", "几天能通电?", "五个工作日内通电。依据:第21项「压缩办电时间」", "rejected"},
		{"stated in another unit", "几天能通电?", "3天内通电。依据:第21项「压缩办电时间」", "rejected"},
		{"stated in words", "几天能通电?", "三个工作日之内就能通电。依据:第21项「压缩办电时间」", "ok"},
		{"figure only the question states", "听说补贴100万元,对吧?", "补贴100万元。依据:第21项「压缩办电时间」", "rejected"},
		{"no citation", "几天能通电?", "3个工作日内通电。", "rejected"},
		{"breaker open", "几天能通电?", "", "open"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &fixedPhraser{text: tt.answer}
			if tt.outcome == "open" {
				p.err = llm.ErrOpen
			}
			reg := prometheus.NewRegistry()
			e := New(Config{}, Deps{Phraser: p, Metrics: NewMetrics(reg)})
			got := e.phrase(context.Background(), kb, tt.question, []knowledge.Hit{{Item: testItem()}}, draft)
			want := draft
			if tt.outcome == "ok" {
				want = tt.answer
			}
			if got != want {
				t.Errorf("phrase = %q, want %q", got, want)
			}
			if n := llmOutcomes(t, reg)[tt.outcome]; n != 1 {
				t.Errorf("outcome %q counted %v times, want once: %v", tt.outcome, n, llmOutcomes(t, reg))
			}
			if !slices.Equal(p.titles, []string{testDocTitle}) {
				t.Errorf("the phraser was given document titles %q, want %q", p.titles, testDocTitle)
			}
		})
	}
}

// llmOutcomes reads the language-model metric by outcome.
func llmOutcomes(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "frontdoor_llm_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			out[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
		}
	}
	return out
}
