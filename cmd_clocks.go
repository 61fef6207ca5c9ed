package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"frontdoor/bot/ticket"
)

// runClocks shows the open tickets' clocks, due first, or fires what is
// due now (the scheduler in every server does this continuously).
func runClocks(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("clocks", "clocks [--tenant T] [--limit N] [--fire]", stderr)
	configFile := fs.String("config", "", "YAML configuration file; env FRONTDOOR_CONFIG")
	tenant := fs.String("tenant", "demo", "tenant")
	limit := fs.Int("limit", 50, "how many open tickets to show")
	fire := fs.Bool("fire", false, "fire the clocks that are due now, once, and say what fired")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := LoadConfig(*configFile, os.LookupEnv)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, err := newApp(ctx, cfg, newLogger("warn"))
	if err != nil {
		return err
	}
	defer a.close()
	if *fire {
		sc := &ticket.Scheduler{Store: a.Tickets, Logger: a.log, Notify: a.Engine.ClockNotifier()}
		n, err := sc.RunOnce(ctx, *tenant)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d tickets had clocks due\n", n)
		return nil
	}
	ts, err := a.Tickets.List(ctx, ticket.Query{Tenant: *tenant, Open: true, Limit: *limit})
	if err != nil {
		return err
	}
	now := a.Tickets.Now()
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ticket\tregion\tunit\tstatus\tclock\tdue\tstate\tlevel")
	for _, t := range ts {
		for _, name := range []string{ticket.ClockFirstResponse, ticket.ClockResolution, ticket.ClockFollowup} {
			c := t.Clocks[name]
			if c == nil {
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Region, t.Owner(), t.Status, name,
				c.Due.In(a.Tickets.Policy().Calendar().Location()).Format("2006-01-02 15:04"), c.State(now),
				ticket.LevelName(t.Level))
		}
	}
	return tw.Flush()
}
