package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"frontdoor/bot/calendar"
)

func runCalendar(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "deadline" {
		fmt.Fprintln(stderr, "usage: frontdoor calendar deadline --from RFC3339 --working-days N")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return errUsage
	}
	fs := newFlags("calendar deadline", "calendar deadline --from RFC3339 --working-days N", stderr)
	from := fs.String("from", "", "when the request arrived, RFC 3339 (default now)")
	days := fs.Int("working-days", 0, "working days allowed (the arrival day does not count)")
	seedsDir := fs.String("seeds", "", "knowledge directory holding calendar.yaml (default FRONTDOOR_SEEDS or ./seeds)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	start := time.Now()
	if *from != "" {
		t, err := time.Parse(time.RFC3339, *from)
		if err != nil {
			return fmt.Errorf("--from %q: want RFC 3339, like 2026-09-30T10:00:00+08:00", *from)
		}
		start = t
	}
	if *days < 0 {
		return fmt.Errorf("--working-days %d: must not be negative", *days)
	}
	cfg := Defaults()
	if v, ok := os.LookupEnv("FRONTDOOR_SEEDS"); ok {
		cfg.SeedsDir = v
	}
	if *seedsDir != "" {
		cfg.SeedsDir = *seedsDir
	}
	data, err := calendarYAML(seedsFS(cfg, nil))
	if err != nil {
		return err
	}
	d, err := calendar.Parse(data)
	if err != nil {
		return fmt.Errorf("calendar.yaml: %w", err)
	}
	cal := calendar.New(d, calendar.OnMissingYear(func(y int) {
		fmt.Fprintf(stderr, "warning: no official holiday schedule for %d; counting weekends only\n", y)
	}))
	fmt.Fprintln(stdout, cal.DeadlineWorkingDays(start, *days).Format(time.RFC3339))
	return nil
}
