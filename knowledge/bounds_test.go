package knowledge

import (
	"slices"
	"testing"
	"testing/fstest"
)

func TestConditionBound(t *testing.T) {
	tests := []struct {
		c            Commitment
		limit        float64
		upper, bound bool
	}{
		{Commitment{Text: "160千瓦", Value: "160", Unit: "千瓦", Kind: "quantity", Subject: "实现城市地区用电报装容量160千瓦及以下的小微企业用电报装零投资"}, 160, true, true},
		{Commitment{Text: "100千瓦", Value: "100", Unit: "千瓦", Kind: "quantity", Subject: "农村地区100千瓦及以下的小微企业用电报装零投资"}, 100, true, true},
		{Commitment{Text: "1000万元", Value: "1000", Unit: "万元", Kind: "money", Subject: "对年营业收入1000万元以上的企业给予奖励"}, 1000, false, true},
		{Commitment{Text: "50万元", Value: "50", Unit: "万元", Kind: "money", Subject: "给予最高50万元奖励"}, 0, false, false},
		{Commitment{Text: "3个工作日", Value: "3", Unit: "工作日", Kind: "time", Subject: "压缩至3个工作日以内的"}, 0, false, false},
	}
	for _, tt := range tests {
		limit, upper, ok := conditionBound(tt.c)
		if ok != tt.bound || ok && (limit != tt.limit || upper != tt.upper) {
			t.Errorf("conditionBound(%q) = %v %v %v, want %v %v %v", tt.c.Subject, limit, upper, ok, tt.limit, tt.upper, tt.bound)
		}
	}
}

func TestQuantitiesIn(t *testing.T) {
	tests := []struct {
		text, unit string
		want       []float64
	}{
		{"用电也就一百二十千瓦", "千瓦", []float64{120}},
		{"报装150多千瓦的厂", "千瓦", []float64{150}},
		{"年营收八百来万能不能申请", "万元", []float64{800}},
		{"两千千瓦的大厂", "千瓦", []float64{2000}},
		{"三个工作日能通吗", "千瓦", nil},
	}
	for _, tt := range tests {
		if got := quantitiesIn(tt.text, tt.unit); !slices.Equal(got, tt.want) {
			t.Errorf("quantitiesIn(%q, %q) = %v, want %v", tt.text, tt.unit, got, tt.want)
		}
	}
}

// A quantity the question states picks the figure whose bound it meets;
// one that meets none leaves the choice to the words.
func TestBestCommitmentMeetsTheBound(t *testing.T) {
	b := seedBase(t)
	it, ok := b.FindItem("001_ae791fdead5d71ad.txt", "7")
	if !ok {
		t.Fatal("no item 7")
	}
	kinds := map[string]bool{"quantity": true, "money": true}
	tests := []struct{ question, want string }{
		{"城里的小厂子一百二十千瓦 接电外线要自己掏钱吗", "160千瓦"}, // 120 is over the rural 100
		{"农村的小厂报装五百千瓦 外线要自己出钱吗", "100千瓦"},    // over both: the place decides
	}
	for _, tt := range tests {
		q, err := b.Ask("葛店开发区", tt.question)
		if err != nil {
			t.Fatal(err)
		}
		if c, _ := q.BestCommitment(it, kinds); c.Text != tt.want {
			t.Errorf("%q: %s, want %s", tt.question, c.Text, tt.want)
		}
	}
}

// Words the item's own questions hold tell which item a question is about,
// not which of its figures: a figure's question sharing such a word with
// the question is weaker evidence than one naming the condition.
func TestBestCommitmentDiscountsTheItemsOwnWords(t *testing.T) {
	fsys := seedsMapFS(t)
	fsys["questions/001_ae791fdead5d71ad.yaml"] = &fstest.MapFile{Data: []byte(`doc: 001_ae791fdead5d71ad.txt
items:
  - path: "一、(二) 7"
    questions: ["小作坊接电要不要自己出钱", "作坊拉电线谁出钱"]
    figures:
      "160千瓦": ["市区的企业多大容量以内免费接电"]
      "100千瓦": ["乡下小作坊多少千瓦以下接电不花钱"]
`)}
	b, err := Load(fsys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	it, ok := b.FindItem("001_ae791fdead5d71ad.txt", "7")
	if !ok {
		t.Fatal("no item 7")
	}
	q, err := b.Ask("葛店开发区", "市区的小作坊 接电外线要钱吗")
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := q.BestCommitment(it, map[string]bool{"quantity": true, "money": true}); c.Text != "160千瓦" {
		t.Errorf("%s (%s), want 160千瓦", c.Text, c.Subject)
	}
}
