package fault

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestKindOf(t *testing.T) {
	cause := errors.New("dial tcp: refused")
	tests := []struct {
		name string
		err  error
		want Kind
	}{
		{"plain error is internal", errors.New("boom"), Internal},
		{"fault error", New(NotFound, "no_ticket", "no such ticket"), NotFound},
		{"wrapped fault", fmt.Errorf("handle: %w", Wrap(Unavailable, "redis", "try later", cause)), Unavailable},
		{"nil-free invalidf", Invalidf("bad", "field %s", "x"), Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := KindOf(tt.err); got != tt.want {
				t.Errorf("KindOf = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWrapKeepsCause(t *testing.T) {
	cause := errors.New("connection refused")
	err := Wrap(Unavailable, "store_unavailable", "try again", cause)
	if !errors.Is(err, cause) {
		t.Fatal("cause lost")
	}
	if got := err.Error(); got != "store_unavailable: try again: connection refused" {
		t.Errorf("Error() = %q", got)
	}
}

func TestInvalidfQuotesAShortPrefix(t *testing.T) {
	long := strings.Repeat("区", 10000)
	e := Invalidf("unknown_region", "unknown region %q; known: %s", long, "朝阳区")
	if n := utf8.RuneCountInString(e.Msg); n > QuoteLimit+40 {
		t.Errorf("message is %d runes long: %.80s…", n, e.Msg)
	}
	if !strings.Contains(e.Msg, "区区区") || !strings.Contains(e.Msg, "朝阳区") {
		t.Errorf("message %q lost what it quotes", e.Msg)
	}
}

func TestClip(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "abc…"},
		{"朝阳区市场监管局", 3, "朝阳区…"},
		{"", 3, ""},
		{"\xff\xfe\xfd\xfc", 2, "\xff\xfe…"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Clip(tt.in, tt.n); got != tt.want {
				t.Errorf("Clip(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
			}
		})
	}
}
