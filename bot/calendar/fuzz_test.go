package calendar_test

import (
	"os"
	"slices"
	"testing"
	"time"

	"frontdoor/bot/calendar"
)

func FuzzParse(f *testing.F) {
	if seed, err := os.ReadFile(seedPath); err == nil {
		f.Add(seed)
	}
	for _, doc := range []string{
		"",
		"{}",
		"timezone: Asia/Shanghai\n",
		"years:\n  2026:\n    holidays: [{name: 元旦, from: 2026-01-01, to: 2026-01-03}]\n    workdays: [2026-01-04]\n",
		"overrides: {\"2026-12-31\": off, \"2026-12-26\": on}\n",
		"years:\n  2026:\n    holidays: &h [{name: a, date: 2026-01-01}]\n  2025:\n    holidays: *h\n",
		"years: {0: {}, 10000: {}, -1: {}}\n",
		"years:\n  2026:\n    holidays:\n      - {name: x, from: 2026-12-31, to: 2026-01-01}\n",
		"calendar: [\n",
	} {
		f.Add([]byte(doc))
	}
	from := time.Date(2026, 9, 30, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := calendar.Parse(data)
		if err != nil {
			if d != nil {
				t.Errorf("Parse returned data along with error %v", err)
			}
			if err.Error() == "" {
				t.Error("empty error message")
			}
			return
		}
		// Whatever parsed must be usable without hanging or panicking.
		c := calendar.New(d)
		end := c.DeadlineWorkingDays(from, 5)
		if end.Before(from) {
			t.Errorf("deadline %s before arrival", end)
		}
		// Data that turns off nearly every day makes AddWorkingTime clamp
		// at MaxSpanDays; short of that the round trip must be exact.
		y, m, dd := from.In(c.Location()).Date()
		limit := time.Date(y, m, dd+calendar.MaxSpanDays, 0, 0, 0, 0, c.Location())
		due := c.AddWorkingTime(from, 10*time.Hour, calendar.Hours{})
		if got := c.WorkingTimeBetween(from, due, calendar.Hours{}); due.Before(limit) && got != 10*time.Hour {
			t.Errorf("WorkingTimeBetween(from, AddWorkingTime(from, 10h)) = %v", got)
		}
		if !slices.IsSorted(d.Years()) {
			t.Errorf("Years() not sorted: %v", d.Years())
		}
	})
}

func FuzzParseHours(f *testing.F) {
	for _, s := range []string{"09:00-12:00,13:30-17:30", "00:00-24:00", "9:00~12:00；13:30～17:30", "24:00-24:00", ",", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := calendar.ParseHours(s)
		if err != nil {
			return
		}
		again, err := calendar.ParseHours(h.String())
		if err != nil {
			t.Fatalf("String() %q of parsed %q does not parse: %v", h.String(), s, err)
		}
		if !slices.Equal(again.Windows(), h.Windows()) {
			t.Fatalf("round trip of %q: %v != %v", s, again.Windows(), h.Windows())
		}
	})
}
