// Package reporttest writes a fixed set of tickets with known timings
// into a test's Redis, so that the report's figures can be asserted
// exactly wherever they are produced: the report package, the API, the
// CSV export and the command line.
package reporttest

import (
	"context"
	"testing"
	"time"

	"frontdoor/bot/bottest"
	"frontdoor/bot/ticket"
)

// The fixture's region, units and period. 葛店开发区 works 09:00–12:00 and
// 13:30–17:30 (7 working hours a day), answers first within 2 working
// hours and resolves general problems within 5 working days.
const (
	Tenant = "demo"
	Region = "葛店开发区"
	UnitA  = "市场监管分局"
	UnitB  = "税务局"
	Desk   = "行政审批局"
	// From and To are the period as the API and CLI take them.
	From = "2026-03-02"
	To   = "2026-03-16"
)

// Start is when the fake clock must start: before the first ticket.
var Start = At(2026, 2, 27, 9, 0)

// Now is when the report is read.
var Now = At(2026, 3, 13, 10, 0)

// Fixture names the tickets written.
type Fixture struct {
	// T1: unit A, reply after 1 h, resolved after 2 working days, rated good.
	// T2: unit A, reply after 3 h, resolved after 3 working days, rated bad,
	//     followed up.
	// T3: unit B, never answered: overdue, escalated to 问责 (level 3).
	// T4: unit B, reply after 2 h, paused a working day, still open.
	// T5: the desk's hand-off, reply after 0.5 h, resolved after 2 h, neutral.
	// T6: unit A, reply after 1 h, resolved after 8 working days (late),
	//     escalated twice on the way.
	// Before: unit A, created before the period; Elsewhere: another region.
	T1, T2, T3, T4, T5, T6, Before, Elsewhere string
}

// At is a wall-clock time in the official calendar's zone.
func At(y int, m time.Month, d, hh, mm int) time.Time {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	return time.Date(y, m, d, hh, mm, 0, 0, loc)
}

// Write walks the fake clock through the fixture's history, firing clocks
// the way the scheduler would where it matters, and leaves the clock at
// Now. The env must have been built with bottest.Options{Now: Start}.
func Write(t testing.TB, env *bottest.Env) Fixture {
	t.Helper()
	if env.Clock == nil {
		t.Fatal("reporttest: the env needs a fake clock (bottest.Options{Now: reporttest.Start})")
	}
	w := &writer{t: t, env: env, ctx: context.Background()}
	var f Fixture
	w.at(2026, 2, 27, 10, 0)
	f.Before = w.open(Region, ticket.Complaint, []string{UnitA}, "")
	w.at(2026, 3, 2, 9, 0)
	f.T1 = w.open(Region, ticket.Complaint, []string{UnitA}, "")
	w.at(2026, 3, 2, 10, 0)
	f.T6 = w.open(Region, ticket.Complaint, []string{UnitA}, "")
	w.reply(f.T1)
	w.at(2026, 3, 2, 11, 0)
	w.reply(f.T6)
	w.at(2026, 3, 2, 14, 0)
	f.T2 = w.open(Region, ticket.Complaint, []string{UnitA}, "")
	w.at(2026, 3, 2, 17, 0)
	w.reply(f.T2)
	w.at(2026, 3, 3, 9, 0)
	f.T3 = w.open(Region, ticket.Complaint, []string{UnitB}, "")
	f.Elsewhere = w.open("红谷滩区", ticket.Complaint, []string{"区市场监管局"}, "")
	w.at(2026, 3, 4, 9, 0)
	w.resolve(f.T1)
	w.rate(f.T1, ticket.Good)
	w.at(2026, 3, 5, 14, 0)
	w.resolve(f.T2)
	w.at(2026, 3, 5, 15, 0)
	w.rate(f.T2, ticket.Bad)
	w.at(2026, 3, 6, 10, 0)
	w.resolve(f.T2)
	w.at(2026, 3, 9, 9, 0)
	f.T4 = w.open(Region, ticket.Complaint, []string{UnitB}, "")
	w.at(2026, 3, 9, 11, 0)
	w.reply(f.T4)
	w.at(2026, 3, 10, 9, 0)
	w.do(w.env.Tickets.Pause(w.ctx, Tenant, f.T4, "staff", "等待企业补充材料"))
	f.T5 = w.open(Region, ticket.Handoff, nil, Desk)
	w.at(2026, 3, 10, 9, 30)
	w.reply(f.T5)
	w.at(2026, 3, 10, 11, 0)
	w.resolve(f.T5)
	w.rate(f.T5, ticket.Neutral)
	w.at(2026, 3, 11, 9, 0)
	w.do(w.env.Tickets.Resume(w.ctx, Tenant, f.T4, "staff"))
	w.at(2026, 3, 12, 9, 30)
	w.fire(f.T6)
	w.at(2026, 3, 12, 10, 0)
	w.resolve(f.T6)
	env.Clock.Set(Now)
	for _, id := range []string{f.Before, f.T3, f.T4, f.Elsewhere} {
		w.fire(id)
	}
	return f
}

// writer runs the fixture's steps, failing the test on any error.
type writer struct {
	t   testing.TB
	env *bottest.Env
	ctx context.Context
	n   int
}

func (w *writer) at(y int, m time.Month, d, hh, mm int) { w.env.Clock.Set(At(y, m, d, hh, mm)) }

func (w *writer) open(region string, kind ticket.Kind, units []string, desk string) string {
	w.t.Helper()
	w.n++
	tk, _, err := w.env.Tickets.Open(w.ctx, ticket.Request{Tenant: Tenant, Region: region, User: "biz-" + string(rune('a'+w.n)),
		Channel: "api", Kind: kind, Text: "企业诉求(报表测试)", Units: units, Desk: desk})
	if err != nil {
		w.t.Fatalf("open: %v", err)
	}
	return tk.ID
}

func (w *writer) reply(id string) {
	w.t.Helper()
	w.do(w.env.Tickets.Reply(w.ctx, Tenant, id, "staff", "已收到,正在办理"))
}

func (w *writer) resolve(id string) {
	w.t.Helper()
	w.do(w.env.Tickets.Resolve(w.ctx, Tenant, id, "staff", "已办结"))
}

func (w *writer) rate(id string, r ticket.Rating) {
	w.t.Helper()
	tk, err := w.env.Tickets.Get(w.ctx, Tenant, id)
	if err != nil {
		w.t.Fatal(err)
	}
	w.do(w.env.Tickets.Rate(w.ctx, Tenant, id, tk.User, r, ""))
}

func (w *writer) fire(id string) {
	w.t.Helper()
	if _, _, err := w.env.Tickets.Fire(w.ctx, Tenant, id); err != nil {
		w.t.Fatalf("fire %s: %v", id, err)
	}
}

func (w *writer) do(_ *ticket.Ticket, err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("fixture step: %v", err)
	}
}
