package console_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/url"
	"strings"
	"testing"

	"frontdoor/bot/bottest"
	"frontdoor/bot/report"
	"frontdoor/bot/report/reporttest"
	"frontdoor/bot/staff"
)

// TestReportAPIAgrees: the API's JSON, its CSV export and the dashboard
// show the figures report.Build computes for the fixture.
func TestReportAPIAgrees(t *testing.T) {
	cs := newConsoleServer(t, bottest.Options{Now: reporttest.Start})
	reporttest.Write(t, cs.env)
	cs.addUser(t, staff.User{Name: "gd-boss", Role: staff.RoleManager, Region: reporttest.Region})
	s := cs.login(t, "gd-boss")
	loc := cs.env.Tickets.Policy().Calendar().Location()
	from, to, err := report.ParsePeriod(reporttest.From, reporttest.To, cs.env.Tickets.Now(), loc)
	if err != nil {
		t.Fatal(err)
	}
	want, err := report.Build(context.Background(), cs.env.Tickets, report.Options{Tenant: "demo", Region: reporttest.Region,
		From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"region": {reporttest.Region}, "from": {reporttest.From}, "to": {reporttest.To}}

	t.Run("json", func(t *testing.T) {
		resp := cs.request(t, "GET", "/api/v1/reports/units?"+q.Encode(), s.Token, "", nil, nil)
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("= %d %s", resp.StatusCode, raw)
		}
		wantRaw, _ := json.Marshal(want)
		if !bytes.Equal(raw, wantRaw) {
			t.Errorf("API JSON differs from report.Build:\n got %s\nwant %s", raw, wantRaw)
		}
		var got struct {
			Units []struct {
				Unit          string `json:"unit"`
				Tickets       int    `json:"tickets"`
				OverdueNow    int    `json:"overdue_now"`
				FirstResponse struct {
					MedianSeconds int64 `json:"median_seconds"`
					P90Seconds    int64 `json:"p90_seconds"`
				} `json:"first_response"`
				Escalations map[string]int `json:"escalations"`
				Ratings     map[string]int `json:"ratings"`
			} `json:"units"`
		}
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatal(err)
		}
		a := got.Units[0]
		if a.Unit != reporttest.UnitA || a.Tickets != 3 || a.FirstResponse.MedianSeconds != 3600 ||
			a.FirstResponse.P90Seconds != 9360 || a.Escalations["level2"] != 1 || a.Ratings["bad"] != 1 {
			t.Errorf("unit A = %+v", a)
		}
	})
	t.Run("csv", func(t *testing.T) {
		q := url.Values{"region": {reporttest.Region}, "from": {reporttest.From}, "to": {reporttest.To}, "format": {"csv"}}
		resp := cs.request(t, "GET", "/api/v1/reports/units?"+q.Encode(), s.Token, "", nil, nil)
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("= %d %v", resp.StatusCode, resp.Header)
		}
		var wantCSV bytes.Buffer
		if err := report.WriteCSV(&wantCSV, want); err != nil {
			t.Fatal(err)
		}
		got := strings.TrimPrefix(string(raw), "\uFEFF")
		if got != wantCSV.String() {
			t.Errorf("CSV differs:\n got %s\nwant %s", got, wantCSV.String())
		}
		rows, err := csv.NewReader(strings.NewReader(got)).ReadAll()
		if err != nil || len(rows) != 5 || rows[2][0] != reporttest.UnitB || rows[2][14] != "1" || rows[2][17] != "1" {
			t.Errorf("csv rows = %v, %v", rows, err)
		}
	})
	t.Run("dashboard", func(t *testing.T) {
		resp := cs.request(t, "GET", "/console/dashboard?"+q.Encode(), "", "", nil, map[string]string{"Cookie": s.cookie.String()})
		raw, _ := io.ReadAll(resp.Body)
		page := string(raw)
		if resp.StatusCode != 200 {
			t.Fatalf("= %d %.300s", resp.StatusCode, page)
		}
		row := page[strings.Index(page, `data-unit="`+reporttest.UnitB+`"`):]
		row = row[:strings.Index(row, "</tr>")]
		for _, w := range []string{`data-field="tickets">2<`, `data-field="overdue_now">1<`, "0.0%", "1/1/1"} {
			if !strings.Contains(row, w) {
				t.Errorf("unit B row lacks %q: %s", w, row)
			}
		}
		if !strings.Contains(page, "66.7%") || !strings.Contains(page, "<polyline") {
			t.Errorf("dashboard lacks the total rate or the trend line")
		}
	})
	t.Run("bad requests", func(t *testing.T) {
		for path, want := range map[string]int{
			"/api/v1/reports/units?region=" + url.QueryEscape("火星区"): 400,
			"/api/v1/reports/units?from=2026-13-01":                  400,
			"/api/v1/reports/units?format=xml":                       400,
			"/api/v1/reports/units?from=2026-03-10&to=2026-03-01":    400,
		} {
			if code := cs.request(t, "GET", path, s.Token, "", nil, nil).StatusCode; code != want {
				t.Errorf("GET %s = %d, want %d", path, code, want)
			}
		}
	})
}
