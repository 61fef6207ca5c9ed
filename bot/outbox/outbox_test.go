package outbox

import (
	"context"
	"testing"

	"frontdoor/bot/fault"
	"frontdoor/bot/store/storetest"
)

func TestValidCursor(t *testing.T) {
	tests := []struct {
		cursor string
		want   bool
	}{
		{"1700000000000-0", true},
		{"0-0", true},
		{"18446744073709551615-18446744073709551615", true},
		{"99999999999999999999-0", false}, // digits, but past 64 bits: Redis refuses it
		{"0-99999999999999999999", false},
		{"1700000000000", false},
		{"-1-0", false},
		{"+1-0", false},
		{"1-", false},
		{"-", false},
		{"", false},
		{"1-2-3", false},
		{"abc-1", false},
	}
	for _, tt := range tests {
		t.Run(tt.cursor, func(t *testing.T) {
			if got := validCursor(tt.cursor); got != tt.want {
				t.Errorf("validCursor(%q) = %v, want %v", tt.cursor, got, tt.want)
			}
		})
	}
}

// TestListRefusesCursorsRedisWouldRefuse: an out-of-range cursor is the
// client's mistake (Invalid, a 400), never a store error.
func TestListRefusesCursorsRedisWouldRefuse(t *testing.T) {
	rdb, keys := storetest.Client(t)
	o := New(rdb, keys)
	ctx := context.Background()
	if _, err := o.Append(ctx, "demo", "u-1", Message{Text: "您好", From: "staff"}); err != nil {
		t.Fatal(err)
	}
	for _, after := range []string{"99999999999999999999-0", "1-99999999999999999999"} {
		_, _, err := o.List(ctx, "demo", "u-1", after, 10)
		if fault.KindOf(err) != fault.Invalid {
			t.Errorf("List(after=%q) = %v, want an Invalid fault", after, err)
		}
	}
	msgs, _, err := o.List(ctx, "demo", "u-1", "0-0", 10)
	if err != nil || len(msgs) != 1 {
		t.Errorf("List(after=0-0) = %d messages, %v; want the one appended", len(msgs), err)
	}
}
