package calendar

import (
	"sync"
	"time"

	_ "time/tzdata" // the deadline must not depend on the host having zoneinfo installed
)

// MaxSpanDays bounds every walk over the calendar: no computation looks at
// more than this many calendar days (about ten years) past its starting
// date. Results that would need more are clamped, as documented on each
// method, so that corrupt input such as a huge n or overrides that turn off
// every day cannot stall a request.
const MaxSpanDays = 3660

// endOfDay is the last second of a working day; a deadline "within N working
// days" is met by anything up to the end of the Nth day, not its start.
const endOfDay = 23*time.Hour + 59*time.Minute + 59*time.Second

// Calendar answers working-day questions for one set of [Data]. Its answers
// never change after [New], and it is safe for concurrent use.
type Calendar struct {
	loc       *time.Location
	known     map[int]bool  // years that have a schedule
	days      map[day]entry // exceptions to the weekend rule, overrides applied
	onMissing func(year int)
	reported  sync.Map // year -> struct{}; years already passed to onMissing
}

// Option adjusts a [Calendar] while [New] builds it; afterwards the
// Calendar cannot be changed.
type Option func(*Calendar)

// OnMissingYear registers f to hear about years the data does not cover,
// since deadlines in such a year silently ignore its holidays until someone
// adds the year's schedule. f is called at most once per year per Calendar,
// synchronously from whichever computation first reaches the year, possibly
// from several goroutines for different years; it should be quick, such as
// logging and counting a metric.
func OnMissingYear(f func(year int)) Option {
	return func(c *Calendar) { c.onMissing = f }
}

// New builds a Calendar from d, which may be nil for a calendar that only
// knows weekends. Without a zone in d, dates are read in [DefaultTimezone].
// In a year without a schedule only Saturdays and Sundays are off, apart
// from any overrides.
func New(d *Data, opts ...Option) *Calendar {
	c := &Calendar{loc: defaultLocation(), known: map[int]bool{}, days: map[day]entry{}}
	if d != nil {
		if d.loc != nil {
			c.loc = d.loc
		}
		for y, yd := range d.years {
			c.known[y] = true
			for k, e := range yd.days {
				c.days[k] = e
			}
		}
		for k, work := range d.overrides {
			c.days[k] = entry{work: work}
		}
	}
	for _, opt := range opts {
		opt(c)
	}
	return c
}

func defaultLocation() *time.Location {
	if loc, err := time.LoadLocation(DefaultTimezone); err == nil {
		return loc
	}
	// China has not observed daylight saving since 1991, so a fixed offset
	// gives the same answers for any date the service deals with.
	return time.FixedZone("CST", 8*60*60)
}

// Location is the zone in which the calendar decides which date a moment
// falls on; all times it returns are in this zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// IsWorkday reports whether t falls, in the calendar's zone, on an official
// working day: a weekday that is not a holiday, or a weekend day that is
// worked (调休).
func (c *Calendar) IsWorkday(t time.Time) bool {
	return c.isWorkday(dayOf(t, c.loc))
}

// HolidayName names the holiday t falls on, such as 国庆节, so that a reply
// can explain why nobody answers today. It is empty on working days, on
// ordinary weekends and on days made off by an override.
func (c *Calendar) HolidayName(t time.Time) string {
	d := dayOf(t, c.loc)
	c.checkYear(d)
	if e, ok := c.days[d]; ok && !e.work {
		return e.name
	}
	return ""
}

// DeadlineWorkingDays implements the contract rule "the day a request
// arrives does not count; N working days ends with the Nth working day after
// it": it returns 23:59:59 on the nth working day after the date from falls
// on. The arrival date never counts, even when it is a working day and the
// request came before opening hours. n <= 0 gives the end of the arrival
// date. If fewer than n working days follow within [MaxSpanDays], the end of
// the last day examined is returned.
func (c *Calendar) DeadlineWorkingDays(from time.Time, n int) time.Time {
	d := dayOf(from, c.loc)
	for i := 0; n > 0 && i < MaxSpanDays; i++ {
		d++
		if c.isWorkday(d) {
			n--
		}
	}
	return d.at(endOfDay, c.loc)
}

// WorkingDaysBetween counts working days after a's date up to and including
// b's date, the same way [Calendar.DeadlineWorkingDays] counts, so that
// WorkingDaysBetween(from, DeadlineWorkingDays(from, n)) == n and a report
// can say how many working days a request took. It is negative when b is
// before a, and counts at most [MaxSpanDays] days.
func (c *Calendar) WorkingDaysBetween(a, b time.Time) int {
	da, db := dayOf(a, c.loc), dayOf(b, c.loc)
	if db < da {
		return -c.WorkingDaysBetween(b, a)
	}
	n := 0
	for d, i := da+1, 0; d <= db && i < MaxSpanDays; d, i = d+1, i+1 {
		if c.isWorkday(d) {
			n++
		}
	}
	return n
}

func (c *Calendar) isWorkday(d day) bool {
	c.checkYear(d)
	if e, ok := c.days[d]; ok {
		return e.work
	}
	return !d.isWeekend()
}

func (c *Calendar) checkYear(d day) {
	if c.onMissing == nil {
		return
	}
	y := d.year()
	if c.known[y] {
		return
	}
	if _, seen := c.reported.LoadOrStore(y, struct{}{}); !seen {
		c.onMissing(y)
	}
}
