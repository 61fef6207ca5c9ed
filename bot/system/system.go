// Package system assembles the bot's parts — the ticket store, the staff
// accounts, the outbox, the engine and the platforms' desk — and the clock
// policy they count with, in one place, for the server, every command and
// the tests alike: what is tested is what runs.
package system

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"frontdoor/bot"
	"frontdoor/bot/alert"
	"frontdoor/bot/calendar"
	"frontdoor/bot/clock"
	"frontdoor/bot/desk"
	"frontdoor/bot/intent"
	"frontdoor/bot/outbox"
	"frontdoor/bot/staff"
	"frontdoor/bot/store"
	"frontdoor/bot/ticket"
	"frontdoor/knowledge"
)

// Settings are the tunable parts of the system, from a validated
// configuration.
type Settings struct {
	Engine bot.Config
	Staff  staff.Options
	// ReplyBudget is how long a platform callback waits for a passive
	// reply (desk.DefaultBudget when 0).
	ReplyBudget time.Duration
	// Replication is what every write that answers a business waits for.
	Replication store.Replication
	// Alerts say where alerts go and how hard to try.
	Alerts alert.Config
}

// Parts are what the system is built on.
type Parts struct {
	Redis   store.Client
	Keys    store.Keys
	KB      func() *knowledge.Base
	Intents func() *intent.Model
	Policy  *clock.Policy
	// Pushers reach businesses on the WeChat-style channels; one set
	// serves the engine (staff replies, clock notices) and the desk (slow
	// answers), so they share one token cache.
	Pushers map[string]bot.Pusher
	Phraser bot.Phraser
	// Registry gets every counter (nil: registered nowhere).
	Registry prometheus.Registerer
	Logger   *slog.Logger
	// Now is the clock (nil: the real one).
	Now func() time.Time
}

// System is the assembled bot.
type System struct {
	Engine  *bot.Engine
	Tickets *ticket.Store
	Staff   *staff.Store
	Outbox  *outbox.Outbox
	Desk    *desk.Desk
	Metrics *bot.Metrics
	// Alerts sends the alerts ticket changes write; the server runs it.
	Alerts *alert.Sender
}

// New assembles the system.
func New(s Settings, p Parts) *System {
	if p.Logger == nil {
		p.Logger = slog.Default()
	}
	if s.Staff.Now == nil {
		s.Staff.Now = p.Now
	}
	sys := &System{Outbox: outbox.New(p.Redis, p.Keys), Metrics: bot.NewMetrics(p.Registry)}
	sys.Tickets = ticket.NewStore(p.Redis, p.Keys, p.Policy, p.Now)
	sys.Tickets.Replication = s.Replication
	sys.Tickets.Alert = alert.Of
	sys.Alerts = alert.New(s.Alerts, alert.Deps{Redis: p.Redis, Keys: p.Keys, Tickets: sys.Tickets, KB: p.KB,
		Registry: p.Registry, Logger: p.Logger})
	sys.Staff = staff.NewStore(p.Redis, p.Keys, s.Staff)
	sys.Engine = bot.New(s.Engine, bot.Deps{Redis: p.Redis, Keys: p.Keys, KB: p.KB, Intents: p.Intents, Tickets: sys.Tickets,
		Outbox: sys.Outbox, Pushers: p.Pushers, Phraser: p.Phraser, Staff: sys.Staff, Metrics: sys.Metrics,
		Logger: p.Logger, Now: p.Now})
	sys.Desk = desk.New(s.ReplyBudget, desk.Deps{Engine: sys.Engine, Redis: p.Redis, Keys: p.Keys, Pushers: p.Pushers,
		Registry: p.Registry, Logger: p.Logger})
	return sys
}

// Policy is the clock policy of a knowledge base: the official calendar
// (calendarYAML, the seeds' calendar.yaml) with the catalogue's calendar
// section laid over it, and the regions' clock settings. onMissing hears
// of every computation that touched a year without a schedule.
func Policy(calendarYAML []byte, b *knowledge.Base, onMissing func(year int)) (*clock.Policy, error) {
	d, err := calendar.Parse(calendarYAML)
	if err != nil {
		return nil, fmt.Errorf("calendar.yaml: %w", err)
	}
	if b != nil && b.Catalog != nil && len(b.Catalog.Calendar) > 0 {
		extra, err := calendar.Parse(b.Catalog.Calendar)
		if err != nil {
			return nil, fmt.Errorf("catalogue calendar section: %w", err)
		}
		d = calendar.Merge(d, extra)
	}
	var opts []calendar.Option
	if onMissing != nil {
		opts = append(opts, calendar.OnMissingYear(onMissing))
	}
	var regions []clock.RegionSettings
	if b != nil && b.Catalog != nil {
		for _, r := range b.Catalog.Regions {
			regions = append(regions, clock.RegionSettings{Name: r.Name, Clocks: r.Clocks, Hours: r.Hours})
		}
	}
	p, err := clock.PolicyFor(calendar.New(d, opts...), regions)
	if err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	return p, nil
}
