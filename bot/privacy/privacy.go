// Package privacy keeps personal data out of logs and out of what the
// service sends to others. Mobile, resident ID-card and bank-card numbers
// that businesses type into chats are masked in every log record, whatever
// attribute they hide in; text bound for a language model loses landline
// numbers and e-mail addresses too.
package privacy

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Mask hides mobile, resident ID-card and bank-card numbers, written in
// ASCII or full-width digits, whole or in groups separated by spaces or
// dashes: 13812345678 → 138****5678, 110101199003071234 →
// 110101********1234, 6222 0212 3456 7890 → 6222 02** **** 7890.
// Landline numbers stay: in logs they are the offices' own.
func Mask(s string) string {
	// Every number masked holds at least 11 digits; most log strings have
	// no such number and skip the scan.
	if longestNumber(s) < 11 {
		return s
	}
	return maskNumbers(s, false, nil, nil)
}

// MaskOutbound is Mask for text that leaves the service: it also hides
// landline numbers with an area code (0791-88888888 → 0791-****8888) and
// e-mail addresses (zhang@example.com → z***@example.com). A number or
// address that one of public states too stays: policy documents print
// office telephones and hotlines for anyone to call, and hiding them would
// only hide them from the answer.
func MaskOutbound(s string, public ...string) string {
	hasMail := strings.Contains(s, "@")
	if longestNumber(s) < 10 && !hasMail {
		return s
	}
	keep := map[string]bool{}
	for _, p := range public {
		maskNumbers(p, true, nil, func(key string) { keep[key] = true })
		for _, m := range reEmail.FindAllString(p, -1) {
			keep[strings.ToLower(m)] = true
		}
	}
	s = maskNumbers(s, true, keep, nil)
	if hasMail {
		s = reEmail.ReplaceAllStringFunc(s, func(m string) string {
			if keep[strings.ToLower(m)] {
				return m
			}
			_, n := utf8.DecodeRuneInString(m)
			return m[:n] + "***" + m[strings.IndexByte(m, '@'):]
		})
	}
	return s
}

var reEmail = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)

// maxSpan is the most digits a masked number holds (a 19-digit card).
const maxSpan = 19

// group is a run of digits in a number written in groups.
type group struct {
	start, end int  // rune positions
	x          bool // an ID card's check character X follows
}

// maskNumbers masks, in each number s writes (digit groups joined by
// spaces or dashes), the longest runs of groups that form a personal
// number, left to right; landlines adds landline numbers. A number whose
// key keep holds stays; found, when set, is told every number's key
// instead of masking it.
func maskNumbers(s string, landlines bool, keep map[string]bool, found func(key string)) string {
	rs := []rune(s)
	changed := false
	for i := 0; i < len(rs); {
		if !isDigit(rs[i]) {
			i++
			continue
		}
		gs, next := groupsAt(rs, i)
		for g := 0; g < len(gs); {
			end, head, tail := g, 0, 0
			var digits []byte
			var best []byte
			for h := g; h < len(gs); h++ {
				for p := gs[h].start; p < gs[h].end; p++ {
					digits = append(digits, asciiDigit(rs[p]))
				}
				if len(digits) > maxSpan {
					break
				}
				if hd, tl, ok := classify(digits, gs[g:h+1], landlines); ok {
					end, head, tail, best = h, hd, tl, append(best[:0], digits...)
				}
			}
			if best == nil {
				g++
				continue
			}
			key := string(best)
			if gs[end].x && len(best) == 17 {
				key += "X"
			}
			switch {
			case found != nil:
				found(key)
			case keep[key]:
			default:
				maskDigits(rs, gs[g:end+1], head, len(best)-tail)
				changed = true
			}
			g = end + 1
		}
		i = next
	}
	if !changed {
		return s
	}
	return string(rs)
}

// groupsAt reads the digit groups of the number starting at rs[i] and
// returns where the number ends.
func groupsAt(rs []rune, i int) ([]group, int) {
	var gs []group
	for {
		g := group{start: i}
		for i < len(rs) && isDigit(rs[i]) {
			i++
		}
		g.end = i
		if i < len(rs) && (rs[i] == 'X' || rs[i] == 'x' || rs[i] == 'Ｘ' || rs[i] == 'ｘ') {
			g.x = true
		}
		gs = append(gs, g)
		// up to three separators (" - ") join the next group
		j := i
		for j < len(rs) && j-i < 3 && isSeparator(rs[j]) {
			j++
		}
		if g.x || j == i || j == len(rs) || !isDigit(rs[j]) {
			return gs, i
		}
		i = j
	}
}

// classify says whether digits, read from groups, are a number to mask,
// and how many of its leading and trailing digits stay.
func classify(d []byte, gs []group, landlines bool) (head, tail int, ok bool) {
	n := len(d)
	x := gs[len(gs)-1].x
	switch {
	case n == 18 && isIDCard(d), n == 17 && x && isIDCard(d):
		return 6, n - 14, true
	case n == 11 && isMobile(d):
		return 3, 4, true
	case n == 13 && d[0] == '8' && d[1] == '6' && isMobile(d[2:]):
		return 5, 4, true
	case n >= 16 && n <= 19 && inFours(gs):
		return 6, 4, true
	case landlines && n >= 10 && n <= 12 && d[0] == '0' && d[1] != '0':
		area := 4
		if d[1] == '1' || d[1] == '2' {
			area = 3 // 010 and 02x
		}
		if local := n - area; local < 7 || local > 8 || len(gs) > 1 && gs[0].end-gs[0].start != area {
			return 0, 0, false
		}
		return area, 4, true
	}
	return 0, 0, false
}

// isIDCard checks the first 17 characters of a resident ID number: a
// region code not starting with 0 and a birth date in 1900–2099.
func isIDCard(d []byte) bool {
	if d[0] == '0' || !(d[6] == '1' && d[7] == '9' || d[6] == '2' && d[7] == '0') {
		return false
	}
	month := int(d[10]-'0')*10 + int(d[11]-'0')
	day := int(d[12]-'0')*10 + int(d[13]-'0')
	return month >= 1 && month <= 12 && day >= 1 && day <= 31
}

func isMobile(d []byte) bool { return len(d) == 11 && d[0] == '1' && d[1] >= '3' }

// inFours reports whether a number is written whole or in groups of four
// (the last may be shorter), the ways bank cards are written.
func inFours(gs []group) bool {
	for i, g := range gs {
		if n := g.end - g.start; len(gs) > 1 && (i < len(gs)-1 && n != 4 || n > 4) {
			return false
		}
	}
	return true
}

// maskDigits replaces the digits of gs from the from-th to before the
// to-th with '*', keeping the separators.
func maskDigits(rs []rune, gs []group, from, to int) {
	k := 0
	for _, g := range gs {
		for p := g.start; p < g.end; p++ {
			if k >= from && k < to {
				rs[p] = '*'
			}
			k++
		}
	}
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }

func asciiDigit(r rune) byte {
	if r >= '０' {
		return byte(r-'０') + '0'
	}
	return byte(r)
}

func isSeparator(r rune) bool {
	switch r {
	case ' ', '-', '\u00a0', '\u3000', '－', '‐', '–', '—':
		return true
	}
	return false
}

// longestNumber is how many digits the longest number of s holds,
// counting digit groups that separators join as one number.
func longestNumber(s string) int {
	longest, run, seps := 0, 0, 0
	for _, r := range s {
		switch {
		case isDigit(r):
			run, seps = run+1, 0
			longest = max(longest, run)
		case run > 0 && isSeparator(r) && seps < 3:
			seps++
		default:
			run, seps = 0, 0
		}
	}
	return longest
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

// Phones are the telephone numbers s writes — mobile numbers, and
// landlines with their area code — as ASCII digits, found as Mask finds
// them (full-width digits, groups joined by spaces or dashes), so that
// what a business gives as its number is what the logs hide.
func Phones(s string) []string {
	if longestNumber(s) < 10 {
		return nil
	}
	var out []string
	maskNumbers(s, true, nil, func(key string) {
		if d := []byte(key); isMobile(d) || d[0] == '0' && len(d) >= 10 && len(d) <= 12 {
			out = append(out, key)
		}
	})
	return out
}
