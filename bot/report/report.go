// Package report computes the figures managers review — per unit and
// region, over a period: how many requests, how fast the first answer and
// the resolution came in working time, how many were on time, what is
// overdue now, what was escalated (督办), how businesses rated the service
// (好差评) and whether bad ratings were followed up (差评回访). One function
// produces them for the API, the dashboard, its CSV export and the CLI, so
// the numbers never disagree.
package report

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"frontdoor/bot/clock"
	"frontdoor/bot/fault"
	"frontdoor/bot/ticket"
)

// Source is where tickets come from; *ticket.Store is one.
type Source interface {
	List(ctx context.Context, q ticket.Query) ([]*ticket.Ticket, error)
	Policy() *clock.Policy
	Now() time.Time
}

// Options select what a report covers.
type Options struct {
	Tenant string
	Region string
	// From and To bound the period [From, To): a ticket counts when it
	// was created in it.
	From, To time.Time
	// Target is the resolution rate a unit should reach (河池: 60%); it
	// only marks rows, it changes no figure. Zero means DefaultTarget.
	Target float64
	// Limit caps the tickets read (default MaxTickets).
	Limit int
}

// DefaultTarget is the resolution rate the seed documents ask for (河池市
// 三(二): 12345 诉求解决率 ≥ 60%).
const DefaultTarget = 0.6

// MaxTickets bounds one report's reading; a larger period is marked
// truncated rather than read without end.
const MaxTickets = 100000

// Report is the figures of a region over a period.
type Report struct {
	Tenant    string    `json:"tenant"`
	Region    string    `json:"region"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Generated time.Time `json:"generated"`
	Target    float64   `json:"target"`
	// Truncated says the period holds more tickets than one report reads.
	Truncated bool `json:"truncated,omitempty"`
	// Units has one row per unit, the busiest first; Total sums the region.
	Units   []Row     `json:"units"`
	Total   Row       `json:"total"`
	Overdue []Overdue `json:"overdue"`
	Weeks   []Week    `json:"weeks"`
	// Dispatch counts the returned tickets each dispatcher re-assigned
	// (改派), busiest first.
	Dispatch []Dispatch `json:"dispatch"`
}

// Dispatch is one dispatcher's re-assignments.
type Dispatch struct {
	Name       string `json:"name"`
	Reassigned int    `json:"reassigned"`
}

// Row is one unit's figures (or the region's, in Total).
type Row struct {
	Unit    string `json:"unit"`
	Tickets int    `json:"tickets"`
	// Resolved tickets are resolved, rated or closed now.
	Resolved       int      `json:"resolved"`
	ResolutionRate *float64 `json:"resolution_rate"`
	BelowTarget    bool     `json:"below_target,omitempty"`
	// FirstResponse and Resolution are in working time on the region's
	// calendar, with paused time left out.
	FirstResponse Stat `json:"first_response"`
	Resolution    Stat `json:"resolution"`
	// OnTime counts resolution clocks stopped on or before their due;
	// Decided those stopped or already past due; OnTimeRate = OnTime/Decided.
	OnTime     int      `json:"on_time"`
	Decided    int      `json:"decided"`
	OnTimeRate *float64 `json:"on_time_rate"`
	// OverdueNow counts open, running tickets past their due.
	OverdueNow  int         `json:"overdue_now"`
	Escalations Escalations `json:"escalations"`
	Ratings     Ratings     `json:"ratings"`
	// BadRated counts tickets that got a bad rating; FollowedUp those whose
	// follow-up (差评回访整改) was completed; FollowupRate = FollowedUp/BadRated.
	BadRated     int      `json:"bad_rated"`
	FollowedUp   int      `json:"followed_up"`
	FollowupRate *float64 `json:"followup_rate"`
	// Returned counts the tickets this unit sent back to the dispatcher
	// (退单); ExtensionsAsked and ExtensionsApproved its 延期 requests.
	Returned           int `json:"returned"`
	ExtensionsAsked    int `json:"extensions_asked"`
	ExtensionsApproved int `json:"extensions_approved"`
	// Cooperations counts the parts of cases asked of this unit (协办);
	// CooperationsOnTime those it did by their deadline, and
	// CooperationsLate those done late or still open past it.
	Cooperations       int `json:"cooperations"`
	CooperationsOnTime int `json:"cooperations_on_time"`
	CooperationsLate   int `json:"cooperations_late"`
}

// Stat summarises durations: how many, the median and the 90th percentile.
type Stat struct {
	Count  int           `json:"count"`
	Median time.Duration `json:"-"`
	P90    time.Duration `json:"-"`
}

// Escalations count the tickets that reached each level of the ladder.
type Escalations struct {
	Level1 int `json:"level1"` // 一次督办
	Level2 int `json:"level2"` // 二次督办
	Level3 int `json:"level3"` // 问责
}

// Ratings count 好差评 by each ticket's latest rating.
type Ratings struct {
	Good    int `json:"good"`
	Neutral int `json:"neutral"`
	Bad     int `json:"bad"`
}

// Overdue is one ticket past its due.
type Overdue struct {
	ID      string    `json:"id"`
	Unit    string    `json:"unit"`
	Kind    string    `json:"kind"`
	Status  string    `json:"status"`
	Created time.Time `json:"created"`
	Due     time.Time `json:"due"`
	// Late is the working time since the due.
	Late      time.Duration `json:"-"`
	Level     int           `json:"level"`
	LevelName string        `json:"level_name,omitempty"`
}

// Week is one calendar week (Monday first) of the period.
type Week struct {
	Start      time.Time `json:"start"`
	Tickets    int       `json:"tickets"`
	Resolved   int       `json:"resolved"`
	OnTime     int       `json:"on_time"`
	Decided    int       `json:"decided"`
	OnTimeRate *float64  `json:"on_time_rate"`
	Overdue    int       `json:"overdue_now"`
	Bad        int       `json:"bad_rated"`
}

// Build reads the region's tickets created in the period and computes the
// report.
func Build(ctx context.Context, src Source, o Options) (*Report, error) {
	if o.Region == "" {
		return nil, fault.Invalidf("missing_region", "region is required")
	}
	if !o.From.Before(o.To) {
		return nil, fault.Invalidf("bad_period", "from must be before to")
	}
	limit := o.Limit
	if limit <= 0 {
		limit = MaxTickets
	}
	ts, err := src.List(ctx, ticket.Query{Tenant: o.Tenant, Region: o.Region, From: o.From,
		To: o.To.Add(-time.Millisecond), Limit: limit})
	if err != nil {
		return nil, err
	}
	r := Compute(ts, src.Policy(), src.Now(), o)
	r.Truncated = len(ts) >= limit
	return r, nil
}

// Compute turns tickets into the report; tickets outside the region or the
// period are ignored. It reads nothing and is deterministic for a given now.
func Compute(ts []*ticket.Ticket, p *clock.Policy, now time.Time, o Options) *Report {
	if o.Target <= 0 {
		o.Target = DefaultTarget
	}
	loc := p.Calendar().Location()
	r := &Report{Tenant: o.Tenant, Region: o.Region, From: o.From, To: o.To, Generated: now.In(loc), Target: o.Target,
		Units: []Row{}, Overdue: []Overdue{}, Weeks: weeks(o.From, o.To, loc), Dispatch: []Dispatch{}}
	units := map[string]*acc{}
	unit := func(name string) *acc {
		if units[name] == nil {
			units[name] = &acc{}
		}
		return units[name]
	}
	total := &acc{}
	dispatch := map[string]int{}
	for _, t := range ts {
		if t.Region != o.Region || t.Created.Before(o.From) || !t.Created.Before(o.To) {
			continue
		}
		f := measure(t, p, now)
		owner := t.Owner()
		unit(owner).add(f)
		total.add(f)
		for _, rt := range t.Returns {
			unit(rt.Unit).returned++
			total.returned++
			if rt.ReassignedBy != "" {
				dispatch[rt.ReassignedBy]++
			}
		}
		for _, k := range t.Tasks {
			a := unit(k.Unit)
			onTime := b2i(k.OnTime())
			late := b2i(k.State == ticket.TaskDone && !k.OnTime() || k.State == ticket.TaskOpen && !now.Before(k.Due))
			a.coop++
			a.coopOnTime += onTime
			a.coopLate += late
			total.coop++
			total.coopOnTime += onTime
			total.coopLate += late
		}
		for _, x := range t.Extensions {
			approved := b2i(x.State == ticket.ExtensionApproved)
			unit(x.Unit).extAsked++
			unit(x.Unit).extApproved += approved
			total.extAsked++
			total.extApproved += approved
		}
		r.addWeek(f, loc)
		if f.overdue {
			r.Overdue = append(r.Overdue, Overdue{ID: t.ID, Unit: owner, Kind: string(t.Kind), Status: string(t.Status),
				Created: t.Created, Due: t.Due(), Late: p.Elapsed(t.Region, t.Due(), now), Level: t.Level,
				LevelName: ticket.LevelName(t.Level)})
		}
	}
	for name, a := range units {
		r.Units = append(r.Units, a.row(name, o.Target))
	}
	sort.Slice(r.Units, func(i, j int) bool {
		if r.Units[i].Tickets != r.Units[j].Tickets {
			return r.Units[i].Tickets > r.Units[j].Tickets
		}
		return r.Units[i].Unit < r.Units[j].Unit
	})
	r.Total = total.row(TotalLabel, o.Target)
	sort.Slice(r.Overdue, func(i, j int) bool {
		if !r.Overdue[i].Due.Equal(r.Overdue[j].Due) {
			return r.Overdue[i].Due.Before(r.Overdue[j].Due)
		}
		return r.Overdue[i].ID < r.Overdue[j].ID
	})
	for i := range r.Weeks {
		r.Weeks[i].OnTimeRate = ratio(r.Weeks[i].OnTime, r.Weeks[i].Decided)
	}
	for name, n := range dispatch {
		r.Dispatch = append(r.Dispatch, Dispatch{Name: name, Reassigned: n})
	}
	sort.Slice(r.Dispatch, func(i, j int) bool {
		if r.Dispatch[i].Reassigned != r.Dispatch[j].Reassigned {
			return r.Dispatch[i].Reassigned > r.Dispatch[j].Reassigned
		}
		return r.Dispatch[i].Name < r.Dispatch[j].Name
	})
	return r
}

// TotalLabel names the region's total row.
const TotalLabel = "合计"

// facts are what one ticket contributes.
type facts struct {
	created         time.Time
	resolved        bool
	firstResponse   time.Duration
	responded       bool
	resolution      time.Duration
	resolvedClock   bool
	decided, onTime bool
	overdue         bool
	levels          [4]bool
	rating          ticket.Rating
	badRated        bool
	followedUp      bool
}

// measure reads one ticket's facts at now.
func measure(t *ticket.Ticket, p *clock.Policy, now time.Time) facts {
	f := facts{created: t.Created, resolved: !t.Status.Open(), rating: t.Rating,
		badRated: t.Reopened > 0, followedUp: t.Reopened > 0 && t.FollowedUp}
	if c := t.Clocks[ticket.ClockFirstResponse]; c != nil && !c.Stopped.IsZero() {
		f.responded, f.firstResponse = true, worked(p, t.Region, c)
	}
	if c := t.Clocks[ticket.ClockResolution]; c != nil {
		if !c.Stopped.IsZero() {
			f.resolvedClock, f.resolution = true, worked(p, t.Region, c)
			f.decided, f.onTime = true, c.MetOnTime()
		} else if c.Paused.IsZero() && !now.Before(c.Due) {
			f.decided = true
		}
	}
	if due := t.Due(); t.Status.Open() && t.Status != ticket.Paused && !due.IsZero() && !now.Before(due) {
		f.overdue = true
	}
	for _, l := range t.Escalations {
		if l >= 1 && l <= 3 {
			f.levels[l] = true
		}
	}
	return f
}

// worked is the working time a stopped clock ran, pauses left out.
func worked(p *clock.Policy, region string, c *ticket.Clock) time.Duration {
	d := p.Elapsed(region, c.Start, c.Stopped) - c.Held
	return max(d, 0)
}

// acc accumulates facts into a row.
type acc struct {
	n, resolved, onTime, decided, overdue int
	first, resolution                     []time.Duration
	esc                                   Escalations
	ratings                               Ratings
	bad, followed                         int
	returned, extAsked, extApproved       int
	coop, coopOnTime, coopLate            int
}

func (a *acc) add(f facts) {
	a.n++
	if f.resolved {
		a.resolved++
	}
	if f.responded {
		a.first = append(a.first, f.firstResponse)
	}
	if f.resolvedClock {
		a.resolution = append(a.resolution, f.resolution)
	}
	if f.decided {
		a.decided++
	}
	if f.onTime {
		a.onTime++
	}
	if f.overdue {
		a.overdue++
	}
	a.esc.Level1 += b2i(f.levels[1])
	a.esc.Level2 += b2i(f.levels[2])
	a.esc.Level3 += b2i(f.levels[3])
	switch f.rating {
	case ticket.Good:
		a.ratings.Good++
	case ticket.Neutral:
		a.ratings.Neutral++
	case ticket.Bad:
		a.ratings.Bad++
	}
	a.bad += b2i(f.badRated)
	a.followed += b2i(f.followedUp)
}

func (a *acc) row(unit string, target float64) Row {
	r := Row{Unit: unit, Tickets: a.n, Resolved: a.resolved, ResolutionRate: ratio(a.resolved, a.n),
		FirstResponse: stat(a.first), Resolution: stat(a.resolution), OnTime: a.onTime, Decided: a.decided,
		OnTimeRate: ratio(a.onTime, a.decided), OverdueNow: a.overdue, Escalations: a.esc, Ratings: a.ratings,
		BadRated: a.bad, FollowedUp: a.followed, FollowupRate: ratio(a.followed, a.bad),
		Returned: a.returned, ExtensionsAsked: a.extAsked, ExtensionsApproved: a.extApproved,
		Cooperations: a.coop, CooperationsOnTime: a.coopOnTime, CooperationsLate: a.coopLate}
	r.BelowTarget = r.ResolutionRate != nil && *r.ResolutionRate < target
	return r
}

// addWeek counts a ticket in the week it was created.
func (r *Report) addWeek(f facts, loc *time.Location) {
	start := weekStart(f.created, loc)
	for i := range r.Weeks {
		if !r.Weeks[i].Start.Equal(start) {
			continue
		}
		w := &r.Weeks[i]
		w.Tickets++
		w.Resolved += b2i(f.resolved)
		w.OnTime += b2i(f.onTime)
		w.Decided += b2i(f.decided)
		w.Overdue += b2i(f.overdue)
		w.Bad += b2i(f.badRated)
		return
	}
}

// weeks lists the weeks (Monday 00:00 local) that overlap [from, to).
func weeks(from, to time.Time, loc *time.Location) []Week {
	var out []Week
	for w := weekStart(from, loc); w.Before(to); w = w.AddDate(0, 0, 7) {
		out = append(out, Week{Start: w})
		if len(out) > 60 {
			break
		}
	}
	return out
}

func weekStart(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	back := (int(day.Weekday()) + 6) % 7 // Monday = 0
	return day.AddDate(0, 0, -back)
}

// stat computes the median and 90th percentile by linear interpolation
// between the nearest ranks (as a spreadsheet's PERCENTILE.INC does),
// rounded to the second.
func stat(ds []time.Duration) Stat {
	if len(ds) == 0 {
		return Stat{}
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return Stat{Count: len(s), Median: percentile(s, 0.5), P90: percentile(s, 0.9)}
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	pos := p * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	d := float64(sorted[lo]) + (float64(sorted[hi])-float64(sorted[lo]))*(pos-float64(lo))
	return time.Duration(d).Round(time.Second)
}

func ratio(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	v := float64(n) / float64(d)
	return &v
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Hours prints a duration as working hours with two decimals.
func Hours(d time.Duration) string { return fmt.Sprintf("%.2f", d.Hours()) }

// Percent prints a rate as a percentage with one decimal ("—" when undefined).
func Percent(r *float64) string {
	if r == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", *r*100)
}

// ParsePeriod reads a report's period from the strings a URL or the CLI
// gives: dates (YYYY-MM-DD, midnight in loc) or RFC 3339 times; an empty
// to means the end of today, an empty from 30 days before to. The period
// is half-open, [from, to), so to=2026-02-01 covers all of January.
func ParsePeriod(from, to string, now time.Time, loc *time.Location) (time.Time, time.Time, error) {
	var f, t time.Time
	var err error
	if strings.TrimSpace(to) == "" {
		n := now.In(loc)
		t = time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 1)
	} else if t, err = parseMoment(to, loc); err != nil {
		return f, t, fault.Invalidf("bad_to", "to %q: want YYYY-MM-DD or an RFC 3339 time", to)
	}
	if strings.TrimSpace(from) == "" {
		f = t.AddDate(0, 0, -30)
	} else if f, err = parseMoment(from, loc); err != nil {
		return f, t, fault.Invalidf("bad_from", "from %q: want YYYY-MM-DD or an RFC 3339 time", from)
	}
	if !f.Before(t) {
		return f, t, fault.Invalidf("bad_period", "from must be before to")
	}
	if t.Sub(f) > 400*24*time.Hour {
		return f, t, fault.Invalidf("period_too_long", "a report covers at most 400 days")
	}
	return f, t, nil
}

func parseMoment(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}
