package bot

import (
	"slices"
	"testing"
)

func TestFigures(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"arabic with a unit", "3个工作日内办结", []string{"3"}},
		{"chinese numeral with a measure word", "三个工作日内办结", []string{"3"}},
		{"full-width digits", "３个工作日", []string{"3"}},
		{"decimal", "0.5天", []string{"0.5"}},
		{"decimal is not its digits", "5天", []string{"5"}},
		{"trailing zeros dropped", "3.50元", []string{"3.5"}},
		{"percent", "降低10%", []string{"10%"}},
		{"full-width percent", "降低10％", []string{"10%"}},
		{"percent in words", "降低百分之十", []string{"10%"}},
		{"percent in words with digits", "降低百分之10", []string{"10%"}},
		{"wan multiplies", "补贴1万元", []string{"10000"}},
		{"wan in chinese", "补贴一万元", []string{"10000"}},
		{"the same in digits", "补贴10000元", []string{"10000"}},
		{"thousands commas", "补贴10,000元", []string{"10000"}},
		{"decimal wan", "1.5万", []string{"15000"}},
		{"fifty wan", "最高五十万元", []string{"500000"}},
		{"more than twenty wan", "二十多万", []string{"200000"}},
		{"yi", "3亿元", []string{"300000000"}},
		{"yi and wan in chinese", "三亿五千万元", []string{"350000000"}},
		{"qian wan after digits", "5千万元", []string{"50000000"}},
		{"zero holding a place", "一千零五户", []string{"1005"}},
		{"ten", "十天", []string{"10"}},
		{"fifteen", "十五个", []string{"15"}},
		{"about ten", "十余家企业", []string{"10"}},
		{"twenty on its own", "前二十", []string{"20"}},
		{"date", "2024年3月1日起", []string{"2024", "3", "1"}},
		{"year in chinese", "二〇二四年", []string{"2024"}},
		{"range in chinese", "三到五个工作日", []string{"3", "5"}},
		{"range in digits", "3-5个工作日", []string{"3", "5"}},
		{"one or two days", "一两天", []string{"1", "2"}},
		{"fraction", "三分之一", []string{"3", "1"}},
		{"once", "最多跑一次", []string{"1"}},
		{"hours", "两小时", []string{"2"}},
		{"item number", "依据第21项", []string{"21"}},
		{"document number", "鄂州发〔2021〕7号", []string{"2021", "7"}},
		{"hotline", "拨打12345", []string{"12345"}},
		{"landline", "0711-3862123", []string{"711", "3862123"}},
		{"unify", "统一受理", nil},
		{"one network", "一网通办", nil},
		{"very", "十分重要", nil},
		{"one-off", "一次性告知", nil},
		{"further", "进一步压缩", nil},
		{"the same clause", "同一条款还规定", nil},
		{"five-year plan", "十四五规划", nil},
		{"common people", "老百姓", nil},
		{"must not", "千万不要", nil},
		{"just in case", "万一出错", nil},
		{"at once", "第一时间处理", nil},
		{"enumeration", "一是压缩时间,二是减少材料", nil},
		{"a sentence's period", "共3.", []string{"3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := figures(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("figures(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFiguresCompare(t *testing.T) {
	same := func(a, b string) bool { return slices.Equal(figures(a), figures(b)) }
	tests := []struct {
		a, b string
		want bool
	}{
		{"3个工作日", "三个工作日", true},
		{"0.5天", "5天", false},
		{"1万元", "10000元", true},
		{"1万元", "1元", false},
		{"50万元", "五十万元", true},
		{"10%", "百分之十", true},
		{"10%", "10个", false},
		{"2024年", "二〇二四年", true},
	}
	for _, tt := range tests {
		t.Run(tt.a+" "+tt.b, func(t *testing.T) {
			if got := same(tt.a, tt.b); got != tt.want {
				t.Errorf("%q and %q state the same figures: %v, want %v (%q, %q)", tt.a, tt.b, got, tt.want, figures(tt.a), figures(tt.b))
			}
		})
	}
}

func TestMeasuredFigures(t *testing.T) {
	tests := []struct {
		in   string
		want []measured
	}{
		{"3个工作日内办结", []measured{{"3", "工作日"}}},
		{"三天", []measured{{"3", "天"}}},
		{"三到五个工作日", []measured{{"3", "工作日"}, {"5", "工作日"}}},
		{"3-5天", []measured{{"3", "天"}, {"5", "天"}}},
		{"两个半月", []measured{{"2", "月"}}},
		{"最高五十万元", []measured{{"500000", "元"}}},
		{"十余家企业", []measured{{"10", "家"}}},
		{"24小时", []measured{{"24", "小时"}}},
		{"2024年3月", []measured{{"2024", "年"}, {"3", ""}}}, // a date's month is no span
		{"5日内", []measured{{"5", ""}}},
		{"降低10%", []measured{{"10%", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := measuredFigures(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("measuredFigures(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestNumerals(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"一(四)", []string{"1", "4"}},
		{"十四五", []string{"14", "5"}},
		{"统一", []string{"1"}},
		{"第21项", []string{"21"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := numerals(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("numerals(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzFigures holds figures to never panicking and to being the numerals
// that count.
func FuzzFigures(f *testing.F) {
	for _, s := range []string{"3个工作日", "三亿五千万元", "百分之十", "1,000.50万", "二〇二四年", "十四五", "一千零五",
		"亿亿亿亿亿亿九", "九千九百九十九亿九千九百九十九万", "3-5个", "１２％", "万一", "百分之", "1."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		all := numerals(s)
		for _, v := range figures(s) {
			if v == "" || !slices.Contains(all, v) {
				t.Errorf("figures(%q) has %q, numerals %q", s, v, all)
			}
		}
	})
}

const (
	testDoc      = "001_ae791fdead5d71ad.txt"
	testDocTitle = "鄂州市优化营商环境若干措施(鄂州发〔2021〕7号)"
)
