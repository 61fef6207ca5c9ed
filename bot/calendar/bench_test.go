package calendar_test

import (
	"testing"
	"time"

	"frontdoor/bot/calendar"
)

func BenchmarkDeadline(b *testing.B) {
	c := seedCalendar(b)
	from := at(b, "2026-09-21 10:00")
	for b.Loop() {
		c.DeadlineWorkingDays(from, 15)
	}
}

func BenchmarkAddWorkingTime(b *testing.B) {
	c := seedCalendar(b)
	h := calendar.DefaultHours()
	from := at(b, "2026-09-21 10:00")
	d := 15 * h.PerDay()
	for b.Loop() {
		c.AddWorkingTime(from, d, h)
	}
}

func BenchmarkWorkingTimeBetween(b *testing.B) {
	c := seedCalendar(b)
	h := calendar.DefaultHours()
	from := at(b, "2026-09-21 10:00")
	to := from.Add(30 * 24 * time.Hour)
	for b.Loop() {
		c.WorkingTimeBetween(from, to, h)
	}
}

func BenchmarkParseSeed(b *testing.B) {
	raw := []byte(seedYAML(b))
	for b.Loop() {
		if _, err := calendar.Parse(raw); err != nil {
			b.Fatal(err)
		}
	}
}
