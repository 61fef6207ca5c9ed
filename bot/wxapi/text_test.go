package wxapi

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTruncateBytes(t *testing.T) {
	tests := []struct {
		name string
		s    string
		max  int
		head string
	}{
		{"shorter than max", "abc", 10, "abc"},
		{"exactly max", "abc", 3, "abc"},
		{"ascii cut", "abcdef", 4, "abcd"},
		{"empty", "", 5, ""},
		{"zero max", "abc", 0, ""},
		{"negative max", "abc", -1, ""},
		{"cut on boundary", "中文字", 6, "中文"},
		{"cut inside 3-byte rune", "中文字", 7, "中文"},
		{"cut inside 3-byte rune, last byte", "中文字", 8, "中文"},
		{"first rune does not fit", "中文", 2, ""},
		{"cut inside 4-byte rune", "a😀", 4, "a"},
		{"4-byte rune fits", "a😀b", 5, "a😀"},
		{"invalid bytes cut anywhere", "a\x80\x80\x80\x80", 3, "a\x80\x80"},
		{"truncated sequence before cut", "a\xe4\xb8b", 3, "a\xe4\xb8"},
		{"start byte at cut", "ab中", 2, "ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head, rest := TruncateBytes(tt.s, tt.max)
			if head != tt.head {
				t.Fatalf("head = %q, want %q", head, tt.head)
			}
			if head+rest != tt.s {
				t.Fatalf("head+rest = %q, want %q", head+rest, tt.s)
			}
		})
	}
}

func TestTruncateBytesEveryCut(t *testing.T) {
	s := strings.Repeat("a中é😀", 50)
	for max := 0; max <= len(s)+1; max++ {
		head, rest := TruncateBytes(s, max)
		if len(head) > max || head+rest != s || !utf8.ValidString(head) || !utf8.ValidString(rest) {
			t.Fatalf("max %d: head %q rest %q", max, head, rest)
		}
		// The cut is as late as possible: one more rune would not fit.
		if r, size := utf8.DecodeRuneInString(rest); r != utf8.RuneError && len(head)+size <= max {
			t.Fatalf("max %d: cut early, head is %d bytes", max, len(head))
		}
	}
}
