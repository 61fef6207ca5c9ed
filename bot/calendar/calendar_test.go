package calendar_test

import (
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"frontdoor/bot/calendar"
)

const seedPath = "../../seeds/calendar.yaml"

func seedYAML(tb testing.TB) string {
	tb.Helper()
	raw, err := os.ReadFile(seedPath)
	if err != nil {
		tb.Fatalf("read seed calendar: %v", err)
	}
	return string(raw)
}

func loadSeed(tb testing.TB) *calendar.Data {
	tb.Helper()
	d, err := calendar.Parse([]byte(seedYAML(tb)))
	if err != nil {
		tb.Fatalf("parse seed calendar: %v", err)
	}
	return d
}

func seedCalendar(tb testing.TB, opts ...calendar.Option) *calendar.Calendar {
	tb.Helper()
	return calendar.New(loadSeed(tb), opts...)
}

func shanghai(tb testing.TB) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		tb.Fatalf("load zone: %v", err)
	}
	return loc
}

// at reads "2006-01-02 15:04" (seconds optional) in Beijing time.
func at(tb testing.TB, s string) time.Time {
	tb.Helper()
	for _, layout := range []string{time.DateTime, "2006-01-02 15:04", time.DateOnly} {
		if t, err := time.ParseInLocation(layout, s, shanghai(tb)); err == nil {
			return t
		}
	}
	tb.Fatalf("bad test time %q", s)
	return time.Time{}
}

func endOf(tb testing.TB, date string) time.Time {
	tb.Helper()
	return at(tb, date+" 23:59:59")
}

func TestSeedYears(t *testing.T) {
	d := loadSeed(t)
	if got, want := d.Years(), []int{2024, 2025, 2026}; !slices.Equal(got, want) {
		t.Errorf("Years() = %v, want %v", got, want)
	}
}

func TestSeedHolidayCounts(t *testing.T) {
	// Each notice grants a known number of days off beyond ordinary
	// weekends and takes back a known number of weekend days; counting them
	// guards against a mistyped range in the seed file.
	c := seedCalendar(t)
	tests := []struct {
		year         int
		extraOff, on int
	}{
		{year: 2024, extraOff: 19, on: 8},
		{year: 2025, extraOff: 18, on: 5},
		{year: 2026, extraOff: 19, on: 6},
	}
	for _, tt := range tests {
		t.Run(time.Date(tt.year, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006"), func(t *testing.T) {
			var extraOff, on int
			for d := time.Date(tt.year, 1, 1, 12, 0, 0, 0, c.Location()); d.Year() == tt.year; d = d.AddDate(0, 0, 1) {
				weekend := d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
				work := c.IsWorkday(d)
				switch {
				case weekend && work:
					on++
				case !weekend && !work:
					extraOff++
				}
			}
			if extraOff != tt.extraOff || on != tt.on {
				t.Errorf("weekdays off = %d, weekend days worked = %d; want %d and %d", extraOff, on, tt.extraOff, tt.on)
			}
		})
	}
}

func TestIsWorkday(t *testing.T) {
	c := seedCalendar(t)
	tests := []struct {
		name string
		t    time.Time
		want bool
	}{
		{"ordinary Monday", at(t, "2026-03-09 10:00"), true},
		{"ordinary Saturday", at(t, "2026-03-07 10:00"), false},
		{"元旦 2026 on a Friday", at(t, "2026-01-02 10:00"), false},
		{"元旦 2026 make-up Sunday", at(t, "2026-01-04 10:00"), true},
		{"春节 2026 weekday", at(t, "2026-02-18 10:00"), false},
		{"春节 2026 last day", at(t, "2026-02-23 10:00"), false},
		{"after 春节 2026", at(t, "2026-02-24 10:00"), true},
		{"春节 2026 make-up Saturday before", at(t, "2026-02-14 10:00"), true},
		{"春节 2026 make-up Saturday after", at(t, "2026-02-28 10:00"), true},
		{"国庆 2026 make-up Sunday before", at(t, "2026-09-20 10:00"), true},
		{"国庆 2026 make-up Saturday after", at(t, "2026-10-10 10:00"), true},
		{"国庆 2025 eighth day", at(t, "2025-10-08 10:00"), false},
		{"国庆 2025 make-up Sunday", at(t, "2025-09-28 10:00"), true},
		{"端午 2024 Monday", at(t, "2024-06-10 10:00"), false},
		{"清明 2024 make-up Sunday", at(t, "2024-04-07 10:00"), true},
		{"UTC evening is next morning in Beijing", time.Date(2026, 2, 13, 17, 0, 0, 0, time.UTC), true},
		{"UTC afternoon is still Friday in Beijing", time.Date(2026, 2, 27, 15, 0, 0, 0, time.UTC), true},
		{"UTC Friday evening is Saturday in Beijing", time.Date(2026, 3, 6, 16, 30, 0, 0, time.UTC), false},
		{"year without data: weekday", at(t, "2027-01-01 10:00"), true},
		{"year without data: weekend", at(t, "2027-01-02 10:00"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.IsWorkday(tt.t); got != tt.want {
				t.Errorf("IsWorkday(%s) = %v, want %v", tt.t, got, tt.want)
			}
		})
	}
}

func TestHolidayName(t *testing.T) {
	c := seedCalendar(t)
	tests := []struct {
		name string
		t    time.Time
		want string
	}{
		{"国庆 2026", at(t, "2026-10-03 10:00"), "国庆节"},
		{"combined holiday 2025", at(t, "2025-10-06 10:00"), "国庆节、中秋节"},
		{"make-up working day", at(t, "2026-10-10 10:00"), ""},
		{"ordinary weekend", at(t, "2026-03-07 10:00"), ""},
		{"ordinary weekday", at(t, "2026-03-09 10:00"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.HolidayName(tt.t); got != tt.want {
				t.Errorf("HolidayName(%s) = %q, want %q", tt.t, got, tt.want)
			}
		})
	}
}

func TestDeadlineWorkingDays(t *testing.T) {
	c := seedCalendar(t)
	tests := []struct {
		name string
		from time.Time
		n    int
		want string // date whose end is the deadline
	}{
		{"n=1 from a Friday", at(t, "2026-03-06 10:00"), 1, "2026-03-09"},
		{"n=1 from a Monday", at(t, "2026-03-09 10:00"), 1, "2026-03-10"},
		{"n=0 is the end of the arrival day", at(t, "2026-03-09 10:00"), 0, "2026-03-09"},
		{"n=0 on a holiday", at(t, "2026-10-03 10:00"), 0, "2026-10-03"},
		{"negative n counts as 0", at(t, "2026-03-09 10:00"), -3, "2026-03-09"},
		{"arrival before opening hours does not count", at(t, "2026-03-09 07:00"), 1, "2026-03-10"},
		{"arrival just after midnight", at(t, "2026-03-09 00:00"), 1, "2026-03-10"},
		{"arrival at the last second of a day", at(t, "2026-03-06 23:59:59"), 1, "2026-03-09"},
		{"five days over a weekend", at(t, "2026-03-04 16:00"), 5, "2026-03-11"},
		{"15 days, the common statutory limit", at(t, "2026-03-02 09:30"), 15, "2026-03-23"},
		{"across 春节 2026", at(t, "2026-02-12 10:00"), 3, "2026-02-24"},
		{"across 春节 2026 from its first day", at(t, "2026-02-15 10:00"), 1, "2026-02-24"},
		{"lands on 春节 make-up Saturday 2026-02-14", at(t, "2026-02-12 10:00"), 2, "2026-02-14"},
		{"lands on 春节 make-up Saturday 2026-02-28", at(t, "2026-02-24 10:00"), 4, "2026-02-28"},
		{"arrival on 调休 Saturday does not count", at(t, "2026-02-14 10:00"), 1, "2026-02-24"},
		{"arrival on 调休 Saturday, early", at(t, "2026-02-28 08:00"), 1, "2026-03-02"},
		{"arrival on a holiday", at(t, "2026-10-03 10:00"), 1, "2026-10-08"},
		{"arrival on the last holiday", at(t, "2026-10-07 22:00"), 1, "2026-10-08"},
		{"across 国庆 2026", at(t, "2026-09-30 10:00"), 1, "2026-10-08"},
		{"lands on 国庆 make-up Saturday 2026-10-10", at(t, "2026-09-30 10:00"), 3, "2026-10-10"},
		{"lands on 国庆 make-up Sunday 2026-09-20", at(t, "2026-09-18 10:00"), 1, "2026-09-20"},
		{"15 days across 中秋 and 国庆 2026", at(t, "2026-09-21 10:00"), 15, "2026-10-19"},
		{"lands on 国庆 make-up Sunday 2025-09-28", at(t, "2025-09-26 10:00"), 1, "2025-09-28"},
		{"across 国庆 2025", at(t, "2025-09-26 10:00"), 4, "2025-10-09"},
		{"lands on 国庆 make-up Saturday 2025-10-11", at(t, "2025-09-26 10:00"), 6, "2025-10-11"},
		{"across 春节 2025 via make-up Sunday 2025-01-26", at(t, "2025-01-24 10:00"), 3, "2025-02-05"},
		{"across 春节 2024", at(t, "2024-02-08 10:00"), 2, "2024-02-18"},
		{"across the year end into 2025", at(t, "2024-12-31 10:00"), 1, "2025-01-02"},
		{"arrival given in UTC", time.Date(2026, 3, 6, 17, 0, 0, 0, time.UTC), 1, "2026-03-09"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.DeadlineWorkingDays(tt.from, tt.n)
			want := endOf(t, tt.want)
			if !got.Equal(want) {
				t.Errorf("DeadlineWorkingDays(%s, %d) = %s, want %s", tt.from, tt.n, got, want)
			}
			if got.Location() != c.Location() {
				t.Errorf("result in %v, want %v", got.Location(), c.Location())
			}
			if n := max(tt.n, 0); c.WorkingDaysBetween(tt.from, got) != n {
				t.Errorf("WorkingDaysBetween(from, deadline) = %d, want %d", c.WorkingDaysBetween(tt.from, got), n)
			}
		})
	}
}

func TestDeadlineClampsHugeN(t *testing.T) {
	c := seedCalendar(t)
	from := at(t, "2026-03-09 10:00")
	got := c.DeadlineWorkingDays(from, 1<<40)
	want := endOf(t, "2026-03-09").AddDate(0, 0, calendar.MaxSpanDays)
	if !got.Equal(want) {
		t.Errorf("DeadlineWorkingDays(huge) = %s, want %s", got, want)
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	c := seedCalendar(t)
	tests := []struct {
		name string
		a, b time.Time
		want int
	}{
		{"same day", at(t, "2026-03-09 09:00"), at(t, "2026-03-09 17:00"), 0},
		{"over a weekend", at(t, "2026-03-06 09:00"), at(t, "2026-03-09 09:00"), 1},
		{"a week of 春节 2026", at(t, "2026-02-13 09:00"), at(t, "2026-02-24 09:00"), 2},
		{"reversed", at(t, "2026-02-24 09:00"), at(t, "2026-02-13 09:00"), -2},
		{"whole of 2026", at(t, "2025-12-31 12:00"), at(t, "2026-12-31 12:00"), 248}, // 261 weekdays - 19 off + 6 make-up days
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.WorkingDaysBetween(tt.a, tt.b); got != tt.want {
				t.Errorf("WorkingDaysBetween = %d, want %d", got, tt.want)
			}
		})
	}
}

// missingYears records OnMissingYear calls.
type missingYears struct {
	mu    sync.Mutex
	years []int
}

func (m *missingYears) record(y int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.years = append(m.years, y)
}

func (m *missingYears) got() []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.years)
}

func TestMissingYear(t *testing.T) {
	tests := []struct {
		name    string
		run     func(c *calendar.Calendar)
		want    string // deadline date, if the case computes one
		missing []int
	}{
		{
			name: "deadline inside covered years reports nothing",
			run:  func(c *calendar.Calendar) { c.DeadlineWorkingDays(at(t, "2026-12-01 10:00"), 5) },
		},
		{
			name:    "deadline into 2027 counts weekends only",
			run:     func(c *calendar.Calendar) { c.DeadlineWorkingDays(at(t, "2026-12-31 10:00"), 2) },
			want:    "2027-01-04", // 2027-01-01 is an ordinary Friday without data
			missing: []int{2027},
		},
		{
			name: "each year is reported once",
			run: func(c *calendar.Calendar) {
				for range 3 {
					c.DeadlineWorkingDays(at(t, "2027-03-01 10:00"), 300)
				}
			},
			missing: []int{2027, 2028},
		},
		{
			name:    "IsWorkday reports too",
			run:     func(c *calendar.Calendar) { c.IsWorkday(at(t, "2023-06-01 10:00")) },
			missing: []int{2023},
		},
		{
			name: "working time into 2027",
			run: func(c *calendar.Calendar) {
				c.AddWorkingTime(at(t, "2026-12-31 17:00"), time.Hour, calendar.DefaultHours())
			},
			missing: []int{2027},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m missingYears
			c := seedCalendar(t, calendar.OnMissingYear(m.record))
			tt.run(c)
			if tt.want != "" {
				if got := c.DeadlineWorkingDays(at(t, "2026-12-31 10:00"), 2); !got.Equal(endOf(t, tt.want)) {
					t.Errorf("deadline = %s, want end of %s", got, tt.want)
				}
			}
			if got := m.got(); !slices.Equal(got, tt.missing) {
				t.Errorf("missing years reported = %v, want %v", got, tt.missing)
			}
		})
	}
}

func TestMissingYearConcurrent(t *testing.T) {
	var calls atomic.Int32
	c := seedCalendar(t, calendar.OnMissingYear(func(year int) {
		if year != 2027 {
			t.Errorf("unexpected missing year %d", year)
		}
		calls.Add(1)
	}))
	from := at(t, "2026-12-20 10:00")
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 50 {
				c.DeadlineWorkingDays(from, 20)
				c.WorkingTimeBetween(from, from.AddDate(0, 0, 30), calendar.DefaultHours())
			}
		})
	}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("OnMissingYear called %d times, want 1", n)
	}
}

func TestNilData(t *testing.T) {
	var m missingYears
	c := calendar.New(nil, calendar.OnMissingYear(m.record))
	if c.Location().String() != calendar.DefaultTimezone {
		t.Errorf("Location() = %v, want %s", c.Location(), calendar.DefaultTimezone)
	}
	// Without data 2026-10-01 is an ordinary Thursday.
	if got := c.DeadlineWorkingDays(at(t, "2026-09-30 10:00"), 1); !got.Equal(endOf(t, "2026-10-01")) {
		t.Errorf("deadline = %s, want end of 2026-10-01", got)
	}
	if got := m.got(); !slices.Equal(got, []int{2026}) {
		t.Errorf("missing years = %v, want [2026]", got)
	}
}
