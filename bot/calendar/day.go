package calendar

import (
	"fmt"
	"time"
)

const secondsPerDay = 24 * 60 * 60

// day is a civil date counted in days since 1970-01-01. Keeping dates as
// integers makes "the next day" an increment and map keys cheap, and keeps
// the schedule independent of any time zone until a moment is produced.
type day int64

func dayFromDate(y int, m time.Month, d int) day {
	return day(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay)
}

// dayOf is the civil date of t as seen in loc, which is what decides whether
// a moment falls on a working day.
func dayOf(t time.Time, loc *time.Location) day {
	y, m, d := t.In(loc).Date()
	return dayFromDate(y, m, d)
}

func (d day) date() (int, time.Month, int) {
	return time.Unix(int64(d)*secondsPerDay, 0).UTC().Date()
}

func (d day) year() int {
	y, _, _ := d.date()
	return y
}

func (d day) weekday() time.Weekday {
	// 1970-01-01 was a Thursday; the double modulo keeps dates before it
	// non-negative.
	return time.Weekday(((int64(d)+int64(time.Thursday))%7 + 7) % 7)
}

func (d day) isWeekend() bool {
	wd := d.weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// at is the moment offset past midnight on d in loc, read as wall-clock time
// so that a zone with daylight saving still opens its office at 09:00.
func (d day) at(offset time.Duration, loc *time.Location) time.Time {
	y, m, dd := d.date()
	return wallClock(y, m, dd, offset, loc)
}

func wallClock(y int, m time.Month, d int, offset time.Duration, loc *time.Location) time.Time {
	// Seconds and nanoseconds are passed separately because a whole day in
	// nanoseconds overflows int on 32-bit platforms.
	return time.Date(y, m, d, 0, 0, int(offset/time.Second), int(offset%time.Second), loc)
}

func (d day) String() string {
	y, m, dd := d.date()
	return fmt.Sprintf("%04d-%02d-%02d", y, int(m), dd)
}
