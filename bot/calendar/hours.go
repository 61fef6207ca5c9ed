package calendar

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Window is one stretch of office hours, as offsets from local midnight.
type Window struct {
	Start, End time.Duration
}

// Hours is the set of daily office-hour windows of a region. Apart from the
// zero value, Hours come only from [NewHours], [ParseHours] and
// [DefaultHours], which validate them, so the working-time methods never meet
// windows that are empty or out of order. The zero Hours means
// [DefaultHours], so that a region without its own setting gets the usual
// office hours.
type Hours struct {
	windows []Window
}

// DefaultHours is the office schedule most government service halls keep:
// 09:00–12:00 and 13:30–17:30.
func DefaultHours() Hours {
	return Hours{windows: defaultWindows()}
}

func defaultWindows() []Window {
	return []Window{
		{9 * time.Hour, 12 * time.Hour},
		{13*time.Hour + 30*time.Minute, 17*time.Hour + 30*time.Minute},
	}
}

// NewHours validates windows: at least one, each inside a day (00:00 to
// 24:00) and not empty, in order and not overlapping. Overlaps are refused
// rather than merged because they usually mean a typo in the configuration.
func NewHours(windows ...Window) (Hours, error) {
	if len(windows) == 0 {
		return Hours{}, errors.New("calendar: hours: no windows; a region needs at least one")
	}
	for i, w := range windows {
		switch {
		case w.Start < 0 || w.End > 24*time.Hour:
			return Hours{}, fmt.Errorf("calendar: hours: window %s is not inside a day", w)
		case w.Start >= w.End:
			return Hours{}, fmt.Errorf("calendar: hours: window %s does not end after it starts", w)
		case i > 0 && w.Start < windows[i-1].End:
			return Hours{}, fmt.Errorf("calendar: hours: window %s starts before %s ends; list windows in order without overlap", w, windows[i-1])
		}
	}
	return Hours{windows: append([]Window(nil), windows...)}, nil
}

// ParseHours reads hours as configured per region, e.g.
// "09:00-12:00,13:30-17:30". Windows are separated by commas or semicolons
// (ASCII or full-width, as operators type either) and written HH:MM-HH:MM,
// where "~", "～" or "–" may stand for "-"; 24:00 ends a window at midnight.
func ParseHours(s string) (Hours, error) {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ';' || r == '，' || r == '；'
	})
	windows := make([]Window, 0, len(parts))
	for _, part := range parts {
		w, err := parseWindow(strings.TrimSpace(part))
		if err != nil {
			return Hours{}, fmt.Errorf("calendar: hours %q: %w", s, err)
		}
		windows = append(windows, w)
	}
	h, err := NewHours(windows...)
	if err != nil {
		return Hours{}, fmt.Errorf("%w (in %q)", err, s)
	}
	return h, nil
}

func parseWindow(s string) (Window, error) {
	i := strings.IndexAny(s, "-~～–")
	if i < 0 {
		return Window{}, fmt.Errorf("window %q: want HH:MM-HH:MM", s)
	}
	_, size := utf8.DecodeRuneInString(s[i:])
	start, err := parseClock(strings.TrimSpace(s[:i]))
	if err != nil {
		return Window{}, fmt.Errorf("window %q: %w", s, err)
	}
	end, err := parseClock(strings.TrimSpace(s[i+size:]))
	if err != nil {
		return Window{}, fmt.Errorf("window %q: %w", s, err)
	}
	return Window{start, end}, nil
}

func parseClock(s string) (time.Duration, error) {
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 || !digits(hh) || !digits(mm) {
		return 0, fmt.Errorf("time %q: want HH:MM", s)
	}
	// Both parts are one or two digits, so the conversions cannot fail.
	h, _ := strconv.Atoi(hh)
	m, _ := strconv.Atoi(mm)
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("time %q: not a time of day between 00:00 and 24:00", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

// digits rejects the signs and spaces strconv.Atoi would let through.
func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Windows returns a copy of the daily windows, for display and reports.
func (h Hours) Windows() []Window {
	return append([]Window(nil), h.list()...)
}

// PerDay is the working time of one full working day.
func (h Hours) PerDay() time.Duration {
	var total time.Duration
	for _, w := range h.list() {
		total += w.End - w.Start
	}
	return total
}

func (h Hours) list() []Window {
	if len(h.windows) == 0 {
		return defaultWindows()
	}
	return h.windows
}

// String renders the hours in the form [ParseHours] reads.
func (h Hours) String() string {
	parts := make([]string, 0, len(h.list()))
	for _, w := range h.list() {
		parts = append(parts, w.String())
	}
	return strings.Join(parts, ",")
}

// String renders the window as HH:MM-HH:MM; seconds, which [ParseHours]
// cannot express, are dropped.
func (w Window) String() string {
	return clock(w.Start) + "-" + clock(w.End)
}

func clock(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	return fmt.Sprintf("%s%02d:%02d", sign, int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// MarshalText lets Hours appear as a plain string in YAML and JSON.
func (h Hours) MarshalText() ([]byte, error) {
	return []byte(h.String()), nil
}

// UnmarshalText lets region settings hold hours as a plain string in YAML
// and JSON, validated as they are loaded.
func (h *Hours) UnmarshalText(text []byte) error {
	parsed, err := ParseHours(string(text))
	if err != nil {
		return err
	}
	*h = parsed
	return nil
}

// AddWorkingTime returns the moment at which d of working time has elapsed
// after from, counting only the windows of h on working days: a request at
// 17:00 with two hours to go is due at 10:30 on the next working day under
// [DefaultHours]. The result is the earliest such moment, so it can be the
// very end of a window. d <= 0 returns from. If d is not reached within
// [MaxSpanDays] calendar days, midnight at the end of that span is returned.
func (c *Calendar) AddWorkingTime(from time.Time, d time.Duration, h Hours) time.Time {
	t := from.In(c.loc)
	if d <= 0 {
		return t
	}
	windows := h.list()
	first := dayOf(t, c.loc)
	for day := first; day < first+MaxSpanDays; day++ {
		if !c.isWorkday(day) {
			continue
		}
		y, m, dd := day.date()
		for _, w := range windows {
			start, end := wallClock(y, m, dd, w.Start, c.loc), wallClock(y, m, dd, w.End, c.loc)
			if !end.After(t) {
				continue
			}
			if start.Before(t) {
				start = t
			}
			if avail := end.Sub(start); d > avail {
				d -= avail
				continue
			}
			return start.Add(d)
		}
	}
	return (first + MaxSpanDays).at(0, c.loc)
}

// WorkingTimeBetween is the working time under h within [a, b), used to add
// paused time back onto a deadline and to report how long a request really
// took. It is the inverse of [Calendar.AddWorkingTime]:
// WorkingTimeBetween(a, AddWorkingTime(a, d, h), h) == d. Like b.Sub(a), it
// is negative when b is before a. Only the first [MaxSpanDays] days after a's
// date are counted.
func (c *Calendar) WorkingTimeBetween(a, b time.Time, h Hours) time.Duration {
	if b.Before(a) {
		return -c.WorkingTimeBetween(b, a, h)
	}
	windows := h.list()
	first, last := dayOf(a, c.loc), dayOf(b, c.loc)
	last = min(last, first+MaxSpanDays-1)
	var total time.Duration
	for day := first; day <= last; day++ {
		if !c.isWorkday(day) {
			continue
		}
		y, m, dd := day.date()
		for _, w := range windows {
			start, end := wallClock(y, m, dd, w.Start, c.loc), wallClock(y, m, dd, w.End, c.loc)
			if start.Before(a) {
				start = a
			}
			if end.After(b) {
				end = b
			}
			if end.After(start) {
				total += end.Sub(start)
			}
		}
	}
	return total
}
