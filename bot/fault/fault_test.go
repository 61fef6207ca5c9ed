package fault

import (
	"errors"
	"fmt"
	"testing"
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
