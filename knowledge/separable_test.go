package knowledge

import (
	"slices"
	"testing"
)

func TestJoinSeparable(t *testing.T) {
	a, err := newGeneralAnalyzer()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, text string
		want       []string
	}{
		{"count and measure word", "这个月已经停了三次电", []string{"停电"}},
		{"digits", "停了4次电了", []string{"停电"}},
		{"range of counts", "今年停了四五回电", []string{"停电"}},
		{"measure word with 好几", "开个便利店要办好几个证", []string{"办证"}},
		{"negation", "项目一直开不了工", []string{"开工"}},
		{"resultative", "最快多久能通上水", []string{"通水"}},
		{"two in one message", "接个水接个电", []string{"接水", "接电"}},
		{"whole already", "经常停电", nil},
		{"object begins a word", "刚接上了电话", nil},
		{"object begins another word", "办了个证明", nil},
		{"infix too long", "停了整整三个月的电", nil},
		{"not an infix", "停车场没有电", nil},
		{"verb at the end", "什么时候停", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := a.joinSeparable(tt.text); !slices.Equal(got, tt.want) {
				t.Errorf("joinSeparable(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}
