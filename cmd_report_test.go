package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"frontdoor/bot/bottest"
	"frontdoor/bot/report"
	"frontdoor/bot/report/reporttest"
	"frontdoor/bot/staff"
	"frontdoor/bot/store/dial"
	"frontdoor/handlers"
	"frontdoor/handlers/console"
)

// TestReportCommandAgrees: the command's JSON, CSV and table carry the
// figures the API serves for the same tickets.
func TestReportCommandAgrees(t *testing.T) {
	env := bottest.New(t, bottest.Options{Now: reporttest.Start})
	reporttest.Write(t, env)
	open := func(context.Context, string) (*reportEnv, error) {
		return &reportEnv{source: env.Tickets, kb: env.KB, close: func() {}}, nil
	}
	cli := func(t *testing.T, extra ...string) string {
		t.Helper()
		var out, errw bytes.Buffer
		args := append([]string{"--region", reporttest.Region, "--from", reporttest.From, "--to", reporttest.To}, extra...)
		if err := reportCommand(args, &out, &errw, open); err != nil {
			t.Fatalf("report %v: %v (%s)", extra, err, errw.String())
		}
		return out.String()
	}
	apiJSON, apiCSV := reportFromAPI(t, env)

	t.Run("json", func(t *testing.T) {
		var cliReport, apiReport map[string]any
		if err := json.Unmarshal([]byte(cli(t, "--json")), &cliReport); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(apiJSON, &apiReport); err != nil {
			t.Fatal(err)
		}
		c, _ := json.Marshal(cliReport)
		a, _ := json.Marshal(apiReport)
		if !bytes.Equal(c, a) {
			t.Errorf("CLI JSON differs from the API's:\n cli %s\n api %s", c, a)
		}
	})
	t.Run("csv", func(t *testing.T) {
		if got := cli(t, "--csv"); got != strings.TrimPrefix(apiCSV, "\uFEFF") {
			t.Errorf("CLI CSV differs from the API's:\n cli %s\n api %s", got, apiCSV)
		}
	})
	t.Run("table", func(t *testing.T) {
		out := cli(t)
		for _, want := range []string{reporttest.UnitA, reporttest.UnitB, reporttest.Desk, report.TotalLabel, "66.7%", "0.0%!",
			"17.50", "45.50", "2/2/1", "1/1/1", "问责", "2026-03-09"} {
			if !strings.Contains(out, want) {
				t.Errorf("table lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("errors", func(t *testing.T) {
		tests := []struct {
			name string
			args []string
			want string
		}{
			{"no region", []string{}, "usage"},
			{"csv and json", []string{"--region", reporttest.Region, "--csv", "--json"}, "usage"},
			{"unknown region", []string{"--region", "火星区"}, "unknown region"},
			{"bad date", []string{"--region", reporttest.Region, "--from", "03/02/2026"}, "bad_from"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var out, errw bytes.Buffer
				err := reportCommand(tt.args, &out, &errw, open)
				if tt.want == "usage" && err != errUsage || tt.want != "usage" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
					t.Errorf("err = %v, want %s", err, tt.want)
				}
			})
		}
	})
}

// reportFromAPI asks the running router for the fixture's report as a
// manager of the region, as JSON and as CSV.
func reportFromAPI(t *testing.T, env *bottest.Env) ([]byte, string) {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	st := staff.NewStore(env.Redis, env.Keys, staff.Options{Cost: bcrypt.MinCost, Now: env.Clock.Now})
	u := staff.User{Name: "gd-boss", Role: staff.RoleManager, Region: reporttest.Region, Tenant: "demo"}
	if err := st.Add(context.Background(), u, "manager-pass"); err != nil {
		t.Fatal(err)
	}
	srv := handlers.New(handlers.Deps{Engine: env.Engine, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Console: console.Deps{Staff: st, Feeds: dial.Wrap(env.Redis)}})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	resp, err := http.Post(ts.URL+"/api/v1/staff/login", "application/json",
		strings.NewReader(`{"name":"gd-boss","password":"manager-pass"}`))
	if err != nil {
		t.Fatal(err)
	}
	var login struct {
		Token string `json:"token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&login)
	resp.Body.Close()
	get := func(format string) []byte {
		q := url.Values{"region": {reporttest.Region}, "from": {reporttest.From}, "to": {reporttest.To}, "format": {format}}
		req, _ := http.NewRequest("GET", ts.URL+"/api/v1/reports/units?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+login.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("report %s: %d %s", format, resp.StatusCode, raw)
		}
		return raw
	}
	return get("json"), string(get("csv"))
}
