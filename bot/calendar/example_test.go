package calendar_test

import (
	"fmt"
	"time"

	"frontdoor/bot/calendar"
)

func Example() {
	data, err := calendar.Parse([]byte(`
years:
  2026:
    holidays:
      - {name: 国庆节, from: 2026-10-01, to: 2026-10-07}
    workdays:
      - 2026-09-20
      - 2026-10-10
overrides:
  "2026-10-09": off
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	c := calendar.New(data, calendar.OnMissingYear(func(year int) {
		fmt.Println("no holiday schedule for", year)
	}))
	arrived := time.Date(2026, 9, 30, 16, 45, 0, 0, c.Location())
	fmt.Println(c.DeadlineWorkingDays(arrived, 2).Format(time.DateTime))
	fmt.Println(c.AddWorkingTime(arrived, 2*time.Hour, calendar.DefaultHours()).Format(time.DateTime))
	fmt.Println(c.HolidayName(time.Date(2026, 10, 3, 12, 0, 0, 0, c.Location())))
	c.IsWorkday(time.Date(2027, 1, 4, 12, 0, 0, 0, c.Location()))
	// Output:
	// 2026-10-10 23:59:59
	// 2026-10-08 10:15:00
	// 国庆节
	// no holiday schedule for 2027
}
