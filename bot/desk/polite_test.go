package desk

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"frontdoor/bot"
	"frontdoor/bot/fault"
)

// TestPoliteErrors: what each engine error tells the business.
func TestPoliteErrors(t *testing.T) {
	d := New(0, Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"rate limited", &fault.Error{Kind: fault.RateLimited, Code: "rate_limited"}, bot.RateLimitedText},
		{"unavailable", fault.New(fault.Unavailable, "store_unavailable", "x"), bot.BusyText},
		{"in progress elsewhere", fault.New(fault.Conflict, "message_in_progress", "x"), bot.BusyText},
		{"too long", fault.Invalidf("text_too_long", "x"), bot.TooLongText},
		{"empty", fault.Invalidf("empty_text", "x"), bot.EmptyText},
		{"misconfigured region", fault.Invalidf("unknown_region", "x"), bot.UnreadText},
		{"timeout", context.DeadlineExceeded, bot.BusyText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := d.replyText(context.Background(), Account{Channel: bot.ChannelWeChat, Name: "demo"}, outcome{err: tt.err}); got != tt.want {
				t.Errorf("text = %q, want %q", got, tt.want)
			}
		})
	}
	if got := d.replyText(context.Background(), Account{Channel: bot.ChannelWeChat, Name: "demo"}, outcome{reply: bot.Reply{Text: "x", Silent: true}}); got != "" {
		t.Errorf("silent reply = %q, want nothing", got)
	}
}
