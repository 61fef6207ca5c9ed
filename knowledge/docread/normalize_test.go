package docread

import (
	"slices"
	"testing"
)

func TestCleanLine(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "一、总体要求", "一、总体要求"},
		{"full-width ASCII folds", "(一)ABC123:%", "(一)ABC123:%"},
		{"Chinese punctuation kept", "、。“”《》〔〕【】", "、。“”《》〔〕【】"},
		{"ideographic space", "牵头单位:\u3000区政数局", "牵头单位: 区政数局"},
		{"no-break and en/em spaces", "a\u00a0b\u2002c\u2003d\u202fe", "a b c d e"},
		{"zero-width removed", "优化\u200b营商\u200d环境\ufeff\u00ad", "优化营商环境"},
		{"bidi marks removed", "\u200e2022\u200f", "2022"},
		{"controls removed", "a\x00b\x07c\x7f", "abc"},
		{"trim and collapse", " \t 优化  营商 \u3000 环境 \t", "优化 营商 环境"},
		{"space between CJK kept", "牵 头单位", "牵 头单位"},
		{"only spaces", "\u00a0 \u3000\t", ""},
		{"invalid UTF-8 replaced", "ab\xffcd", "ab\uFFFDcd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cleanLine(tt.in); got != tt.want {
				t.Errorf("cleanLine(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCleanLines(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"CRLF", "a\r\nb\r\n", []string{"a", "b"}},
		{"CR only", "a\rb", []string{"a", "b"}},
		{"blank lines dropped", "a\n\n \u00a0 \n\u3000\nb", []string{"a", "b"}},
		{"unicode separators", "a\u2028b\u2029c\x0cd\x0be", []string{"a", "b", "c", "d", "e"}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cleanLines(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("cleanLines(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
