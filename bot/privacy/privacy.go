// Package privacy keeps personal data out of logs: mainland mobile numbers
// and resident ID-card numbers that businesses type into chats are masked
// in every log record, whatever attribute they hide in.
package privacy

import (
	"context"
	"log/slog"
	"regexp"
)

var (
	// 18-digit resident ID (last may be X), not part of a longer number.
	reIDCard = regexp.MustCompile(`(^|[^0-9])([1-9]\d{5})(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(\d{3}[0-9Xx])($|[^0-9])`)
	// 11-digit mobile number starting 1[3-9], optionally with +86.
	rePhone = regexp.MustCompile(`(^|[^0-9])((?:\+?86[- ]?)?1[3-9]\d)(\d{4})(\d{4})($|[^0-9])`)
)

// Mask hides ID-card and mobile numbers: 13812345678 → 138****5678,
// 110101199003071234 → 110101********1234.
func Mask(s string) string {
	// Both numbers hold a run of at least 11 digits (a mobile number is
	// one, an ID number 17 and a check character); most log strings have
	// none and skip the expressions.
	if !hasDigitRun(s, 11) {
		return s
	}
	s = reIDCard.ReplaceAllString(s, "${1}${2}********${3}${4}")
	// two passes: adjacent matches share a boundary character
	for i := 0; i < 2; i++ {
		s = rePhone.ReplaceAllString(s, "${1}${2}****${4}${5}")
	}
	return s
}

// hasDigitRun reports whether s has n ASCII digits in a row.
func hasDigitRun(s string, n int) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			run = 0
			continue
		}
		if run++; run >= n {
			return true
		}
	}
	return false
}

// Handler masks every string attribute and the message of the records it
// passes to the next handler.
type Handler struct{ next slog.Handler }

// NewHandler wraps next.
func NewHandler(next slog.Handler) *Handler { return &Handler{next: next} }

// Enabled reports whether the next handler wants the level.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle masks and forwards a record.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, Mask(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(maskAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

// WithAttrs masks attributes bound to a derived logger.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	masked := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		masked[i] = maskAttr(a)
	}
	return &Handler{next: h.next.WithAttrs(masked)}
}

// WithGroup opens a group on the next handler.
func (h *Handler) WithGroup(name string) slog.Handler { return &Handler{next: h.next.WithGroup(name)} }

func maskAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, Mask(v.String()))
	case slog.KindGroup:
		g := v.Group()
		out := make([]any, len(g))
		for i, ga := range g {
			out[i] = maskAttr(ga)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, Mask(err.Error()))
		}
		if s, ok := v.Any().(interface{ String() string }); ok {
			return slog.String(a.Key, Mask(s.String()))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
