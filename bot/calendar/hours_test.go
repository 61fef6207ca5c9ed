package calendar_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"frontdoor/bot/calendar"
)

func mustHours(tb testing.TB, s string) calendar.Hours {
	tb.Helper()
	h, err := calendar.ParseHours(s)
	if err != nil {
		tb.Fatalf("ParseHours(%q): %v", s, err)
	}
	return h
}

func hm(h, m int) time.Duration {
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute
}

func TestParseHours(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []calendar.Window
	}{
		{"default", "09:00-12:00,13:30-17:30", calendar.DefaultHours().Windows()},
		{"spaces", " 09:00 - 12:00 , 13:30-17:30 ", calendar.DefaultHours().Windows()},
		{"full-width separators", "09:00～12:00，13:30～17:30", calendar.DefaultHours().Windows()},
		{"semicolons and tilde", "09:00~12:00;13:30~17:30", calendar.DefaultHours().Windows()},
		{"single-digit hour", "9:00-12:00", []calendar.Window{{hm(9, 0), hm(12, 0)}}},
		{"whole day", "00:00-24:00", []calendar.Window{{0, hm(24, 0)}}},
		{"adjacent windows", "08:00-12:00,12:00-13:00", []calendar.Window{{hm(8, 0), hm(12, 0)}, {hm(12, 0), hm(13, 0)}}},
		{"three windows", "08:30-12:00,14:00-18:00,19:00-21:00", []calendar.Window{{hm(8, 30), hm(12, 0)}, {hm(14, 0), hm(18, 0)}, {hm(19, 0), hm(21, 0)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := calendar.ParseHours(tt.in)
			if err != nil {
				t.Fatalf("ParseHours(%q): %v", tt.in, err)
			}
			if got := h.Windows(); !slices.Equal(got, tt.want) {
				t.Errorf("windows = %v, want %v", got, tt.want)
			}
			again, err := calendar.ParseHours(h.String())
			if err != nil || !slices.Equal(again.Windows(), h.Windows()) {
				t.Errorf("String() %q does not parse back: %v", h.String(), err)
			}
		})
	}
}

func TestParseHoursErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		msg  string
	}{
		{"empty", "", "no windows"},
		{"only separators", " , ", "want HH:MM-HH:MM"},
		{"no dash", "09:00", "want HH:MM-HH:MM"},
		{"missing end", "09:00-", `time ""`},
		{"hours only", "9-12", "want HH:MM"},
		{"sign", "+9:00-12:00", "want HH:MM"},
		{"minute out of range", "09:60-12:00", "not a time of day"},
		{"hour out of range", "09:00-25:00", "not a time of day"},
		{"past midnight", "22:00-24:30", "not a time of day"},
		{"end before start", "12:00-09:00", "does not end after it starts"},
		{"empty window", "09:00-09:00", "does not end after it starts"},
		{"out of order", "13:30-17:30,09:00-12:00", "starts before 13:30-17:30 ends"},
		{"overlap", "09:00-12:00,11:00-13:00", "starts before 09:00-12:00 ends"},
		{"full-width digits", "０９:００-12:00", "want HH:MM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := calendar.ParseHours(tt.in)
			if err == nil {
				t.Fatalf("ParseHours(%q) = %v, want error", tt.in, h)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not mention %q", err, tt.msg)
			}
		})
	}
}

func TestNewHoursErrors(t *testing.T) {
	tests := []struct {
		name    string
		windows []calendar.Window
	}{
		{"none", nil},
		{"before midnight", []calendar.Window{{-time.Hour, time.Hour}}},
		{"after midnight", []calendar.Window{{hm(23, 0), hm(25, 0)}}},
		{"empty", []calendar.Window{{hm(9, 0), hm(9, 0)}}},
		{"overlap", []calendar.Window{{hm(9, 0), hm(12, 0)}, {hm(11, 59), hm(13, 0)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := calendar.NewHours(tt.windows...); err == nil {
				t.Errorf("NewHours(%v) succeeded, want error", tt.windows)
			}
		})
	}
}

func TestHoursZeroValueIsDefault(t *testing.T) {
	var zero calendar.Hours
	if got, want := zero.String(), "09:00-12:00,13:30-17:30"; got != want {
		t.Errorf("zero String() = %q, want %q", got, want)
	}
	if got := zero.PerDay(); got != 7*time.Hour {
		t.Errorf("PerDay() = %v, want 7h", got)
	}
	c := seedCalendar(t)
	from := at(t, "2026-03-06 17:00")
	if a, b := c.AddWorkingTime(from, 2*time.Hour, zero), c.AddWorkingTime(from, 2*time.Hour, calendar.DefaultHours()); !a.Equal(b) {
		t.Errorf("zero Hours gives %s, DefaultHours gives %s", a, b)
	}
}

func TestHoursYAML(t *testing.T) {
	var region struct {
		Hours calendar.Hours `yaml:"hours"`
	}
	if err := yaml.Unmarshal([]byte("hours: 08:30-12:00,14:00-18:00\n"), &region); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if got := region.Hours.String(); got != "08:30-12:00,14:00-18:00" {
		t.Errorf("hours = %q", got)
	}
	if err := yaml.Unmarshal([]byte("hours: 14:00-12:00\n"), &region); err == nil {
		t.Error("invalid hours decoded without error")
	}
	out, err := yaml.Marshal(region)
	if err != nil || strings.TrimSpace(string(out)) != "hours: 08:30-12:00,14:00-18:00" {
		t.Errorf("encode = %q, %v", out, err)
	}
}

func TestAddWorkingTime(t *testing.T) {
	c := seedCalendar(t)
	def := calendar.DefaultHours()
	tests := []struct {
		name string
		from time.Time
		d    time.Duration
		h    calendar.Hours
		want time.Time
	}{
		{"inside the morning", at(t, "2026-03-09 10:00"), time.Hour, def, at(t, "2026-03-09 11:00")},
		{"across lunch", at(t, "2026-03-09 11:30"), time.Hour, def, at(t, "2026-03-09 14:00")},
		{"starting in the lunch break", at(t, "2026-03-09 12:30"), time.Hour, def, at(t, "2026-03-09 14:30")},
		{"before opening", at(t, "2026-03-09 07:00"), time.Hour, def, at(t, "2026-03-09 10:00")},
		{"after closing", at(t, "2026-03-09 18:00"), time.Hour, def, at(t, "2026-03-10 10:00")},
		{"across the night", at(t, "2026-03-09 17:00"), 2 * time.Hour, def, at(t, "2026-03-10 10:30")},
		{"ends exactly at lunch", at(t, "2026-03-09 09:00"), 3 * time.Hour, def, at(t, "2026-03-09 12:00")},
		{"a full day ends at closing", at(t, "2026-03-09 09:00"), 7 * time.Hour, def, at(t, "2026-03-09 17:30")},
		{"across a weekend", at(t, "2026-03-06 17:00"), 2 * time.Hour, def, at(t, "2026-03-09 10:30")},
		{"from a Saturday", at(t, "2026-03-07 10:00"), time.Hour, def, at(t, "2026-03-09 10:00")},
		{"across 春节 2026", at(t, "2026-02-14 17:00"), 2 * time.Hour, def, at(t, "2026-02-24 10:30")},
		{"into 春节 make-up Saturday", at(t, "2026-02-13 17:00"), 2 * time.Hour, def, at(t, "2026-02-14 10:30")},
		{"from a holiday", at(t, "2026-10-03 10:00"), time.Hour, def, at(t, "2026-10-08 10:00")},
		{"into 国庆 make-up Saturday", at(t, "2026-10-09 17:00"), time.Hour, def, at(t, "2026-10-10 09:30")},
		{"15 working days", at(t, "2026-03-02 09:00"), 15 * 7 * time.Hour, def, at(t, "2026-03-20 17:30")},
		{"seconds are kept", at(t, "2026-03-09 10:00:07"), 90 * time.Second, def, at(t, "2026-03-09 10:01:37")},
		{"zero duration", at(t, "2026-03-07 03:00"), 0, def, at(t, "2026-03-07 03:00")},
		{"negative duration", at(t, "2026-03-09 10:00"), -time.Hour, def, at(t, "2026-03-09 10:00")},
		{"other hours", at(t, "2026-03-09 11:00"), 2 * time.Hour, mustHours(t, "08:30-12:00,14:00-18:00"), at(t, "2026-03-09 15:00")},
		{"round-the-clock hours skip the weekend", at(t, "2026-03-06 23:00"), 2 * time.Hour, mustHours(t, "00:00-24:00"), at(t, "2026-03-09 01:00")},
		{"arrival in UTC", time.Date(2026, 3, 9, 1, 0, 0, 0, time.UTC), time.Hour, def, at(t, "2026-03-09 10:00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.AddWorkingTime(tt.from, tt.d, tt.h)
			if !got.Equal(tt.want) {
				t.Errorf("AddWorkingTime(%s, %v) = %s, want %s", tt.from, tt.d, got, tt.want)
			}
			if got.Location() != c.Location() {
				t.Errorf("result in %v, want %v", got.Location(), c.Location())
			}
			if back := c.WorkingTimeBetween(tt.from, got, tt.h); back != max(tt.d, 0) {
				t.Errorf("WorkingTimeBetween(from, result) = %v, want %v", back, max(tt.d, 0))
			}
		})
	}
}

func TestAddWorkingTimeClamps(t *testing.T) {
	c := seedCalendar(t)
	from := at(t, "2026-03-09 10:00")
	got := c.AddWorkingTime(from, 1<<62, calendar.DefaultHours())
	want := at(t, "2026-03-09 00:00").AddDate(0, 0, calendar.MaxSpanDays)
	if !got.Equal(want) {
		t.Errorf("AddWorkingTime(huge) = %s, want %s", got, want)
	}
}

func TestWorkingTimeBetween(t *testing.T) {
	c := seedCalendar(t)
	def := calendar.DefaultHours()
	tests := []struct {
		name string
		a, b time.Time
		want time.Duration
	}{
		{"inside one window", at(t, "2026-03-09 10:00"), at(t, "2026-03-09 11:00"), time.Hour},
		{"across lunch", at(t, "2026-03-09 11:30"), at(t, "2026-03-09 14:00"), time.Hour},
		{"within lunch", at(t, "2026-03-09 12:10"), at(t, "2026-03-09 13:20"), 0},
		{"a whole day", at(t, "2026-03-09 00:00"), at(t, "2026-03-10 00:00"), 7 * time.Hour},
		{"overnight", at(t, "2026-03-09 17:00"), at(t, "2026-03-10 10:30"), 2 * time.Hour},
		{"a weekend", at(t, "2026-03-07 00:00"), at(t, "2026-03-09 00:00"), 0},
		{"a week", at(t, "2026-03-09 00:00"), at(t, "2026-03-16 00:00"), 35 * time.Hour},
		{"across 春节 2026", at(t, "2026-02-13 09:00"), at(t, "2026-02-25 09:00"), 21 * time.Hour},
		{"国庆 2026 holiday week", at(t, "2026-10-01 00:00"), at(t, "2026-10-08 00:00"), 0},
		{"empty interval", at(t, "2026-03-09 10:00"), at(t, "2026-03-09 10:00"), 0},
		{"reversed", at(t, "2026-03-09 11:00"), at(t, "2026-03-09 10:00"), -time.Hour},
		{"reversed across a weekend", at(t, "2026-03-09 10:30"), at(t, "2026-03-06 17:00"), -2 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.WorkingTimeBetween(tt.a, tt.b, def)
			if got != tt.want {
				t.Errorf("WorkingTimeBetween(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
			if rev := c.WorkingTimeBetween(tt.b, tt.a, def); rev != -got {
				t.Errorf("reversed = %v, want %v", rev, -got)
			}
		})
	}
}

// randomHours are the office schedules the properties are checked under,
// including windows that touch midnight and each other.
func randomHours(tb testing.TB) []calendar.Hours {
	tb.Helper()
	return []calendar.Hours{
		calendar.DefaultHours(),
		mustHours(tb, "08:30-12:00,14:00-18:00,19:00-21:00"),
		mustHours(tb, "00:00-24:00"),
		mustHours(tb, "00:00-06:00,06:00-12:00,22:00-24:00"),
		mustHours(tb, "23:59-24:00"),
	}
}

// randomMoment is a moment between 2023-12-01 and 2028-01-31 Beijing time,
// so that covered years, the years around them and year ends all occur.
func randomMoment(r *rand.Rand, loc *time.Location) time.Time {
	start := time.Date(2023, 12, 1, 0, 0, 0, 0, loc)
	span := time.Date(2028, 1, 31, 0, 0, 0, 0, loc).Sub(start)
	return start.Add(time.Duration(r.Int64N(int64(span))))
}

func TestWorkingTimeRoundTrip(t *testing.T) {
	c := seedCalendar(t)
	r := rand.New(rand.NewPCG(20260215, 1))
	hours := randomHours(t)
	for i := range 10000 {
		h := hours[r.IntN(len(hours))]
		a := randomMoment(r, c.Location())
		var d time.Duration
		switch r.IntN(4) {
		case 0: // whole minutes, as deadlines are configured
			d = time.Duration(r.IntN(200*60)) * time.Minute
		case 1: // whole working days
			d = time.Duration(r.IntN(20)) * h.PerDay()
		default:
			d = time.Duration(r.Int64N(int64(300 * time.Hour)))
		}
		// Stay well inside MaxSpanDays, beyond which results are clamped.
		d = min(d, 500*h.PerDay())
		end := c.AddWorkingTime(a, d, h)
		if got := c.WorkingTimeBetween(a, end, h); got != d {
			t.Fatalf("case %d: WorkingTimeBetween(%s, AddWorkingTime(%s, %v, %v) = %s) = %v",
				i, a, a, d, h, end, got)
		}
		if end.Before(a) {
			t.Fatalf("case %d: AddWorkingTime(%s, %v, %v) = %s is before the start", i, a, d, h, end)
		}
		// The result is the earliest such moment: a nanosecond earlier, d
		// has not yet elapsed.
		if d > 0 {
			if got := c.WorkingTimeBetween(a, end.Add(-1), h); got != d-1 {
				t.Fatalf("case %d: result %s is not the earliest moment (one ns earlier: %v of %v)", i, end, got, d)
			}
		}
	}
}

func TestWorkingTimeAdditive(t *testing.T) {
	c := seedCalendar(t)
	r := rand.New(rand.NewPCG(20261001, 2))
	hours := randomHours(t)
	for i := range 1000 {
		h := hours[r.IntN(len(hours))]
		a, b, m := randomMoment(r, c.Location()), randomMoment(r, c.Location()), randomMoment(r, c.Location())
		ab, bm, am := c.WorkingTimeBetween(a, b, h), c.WorkingTimeBetween(b, m, h), c.WorkingTimeBetween(a, m, h)
		if ab+bm != am {
			t.Fatalf("case %d: W(a,b)+W(b,m) = %v + %v != W(a,m) = %v (a=%s b=%s m=%s h=%v)", i, ab, bm, am, a, b, m, h)
		}
		if ba := c.WorkingTimeBetween(b, a, h); ba != -ab {
			t.Fatalf("case %d: W(b,a) = %v, want %v", i, ba, -ab)
		}
	}
}

func TestDeadlineRoundTrip(t *testing.T) {
	c := seedCalendar(t)
	r := rand.New(rand.NewPCG(20250928, 3))
	for i := range 5000 {
		from := randomMoment(r, c.Location())
		n := r.IntN(40)
		end := c.DeadlineWorkingDays(from, n)
		if got := c.WorkingDaysBetween(from, end); got != n {
			t.Fatalf("case %d: WorkingDaysBetween(%s, DeadlineWorkingDays(%s, %d) = %s) = %d", i, from, from, n, end, got)
		}
		if n > 0 && !c.IsWorkday(end) {
			t.Fatalf("case %d: deadline %s is not a working day", i, end)
		}
		if h, m, s := end.Clock(); h != 23 || m != 59 || s != 59 {
			t.Fatalf("case %d: deadline %s is not at 23:59:59", i, end)
		}
	}
}
