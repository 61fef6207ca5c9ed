package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"frontdoor/bot/report"
	"frontdoor/knowledge"
)

// reportEnv is what the report command reads: the tickets, the knowledge
// base (to resolve region names) and the resolution target.
type reportEnv struct {
	source report.Source
	kb     *knowledge.Base
	target float64
	close  func()
}

// reportOpener connects to the configured Redis; tests pass their own.
type reportOpener func(ctx context.Context, configFile string) (*reportEnv, error)

// runReport prints the per-unit figures of a region over a period — the
// same figures as GET /api/v1/reports/units and the dashboard.
func runReport(args []string, stdout, stderr io.Writer) error {
	return reportCommand(args, stdout, stderr, openReport)
}

func reportCommand(args []string, stdout, stderr io.Writer, open reportOpener) error {
	fs := newFlags("report", "report --region R [--from DATE] [--to DATE] [--csv|--json] [--tenant T]", stderr)
	configFile := fs.String("config", "", "YAML configuration file; env FRONTDOOR_CONFIG")
	region := fs.String("region", "", "region, as the documents name it (required)")
	from := fs.String("from", "", "start of the period, YYYY-MM-DD or RFC 3339 (default 30 days before --to)")
	to := fs.String("to", "", "end of the period, exclusive (default: the end of today)")
	tenant := fs.String("tenant", "demo", "tenant")
	asCSV := fs.Bool("csv", false, "print CSV: one line per unit, the total last")
	asJSON := fs.Bool("json", false, "print the whole report as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *region == "" || *asCSV && *asJSON {
		fs.Usage()
		return errUsage
	}
	ctx, cancel := context.WithTimeout(context.Background(), reportTimeout)
	defer cancel()
	env, err := open(ctx, *configFile)
	if err != nil {
		return err
	}
	defer env.close()
	r, err := buildCLIReport(ctx, env, *tenant, *region, *from, *to)
	if err != nil {
		return err
	}
	switch {
	case *asCSV:
		return report.WriteCSV(stdout, r)
	case *asJSON:
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return report.WriteTable(stdout, r)
}

// buildCLIReport resolves the region and period as the API does and
// computes the report.
func buildCLIReport(ctx context.Context, env *reportEnv, tenant, region, from, to string) (*report.Report, error) {
	name, ok := env.kb.ResolveRegion(region)
	if !ok {
		return nil, errUnknownRegion(region, env.kb)
	}
	loc := env.source.Policy().Calendar().Location()
	f, t, err := report.ParsePeriod(from, to, env.source.Now(), loc)
	if err != nil {
		return nil, err
	}
	return report.Build(ctx, env.source, report.Options{Tenant: tenant, Region: name, From: f, To: t, Target: env.target})
}

func errUnknownRegion(region string, kb *knowledge.Base) error {
	return fmt.Errorf("unknown region %q; known regions: %s", region, strings.Join(kb.Regions(), ", "))
}

// openReport connects to the configured Redis and loads the knowledge base.
func openReport(ctx context.Context, configFile string) (*reportEnv, error) {
	a, err := openApp(ctx, configFile)
	if err != nil {
		return nil, err
	}
	return &reportEnv{source: a.Tickets, kb: a.Engine.KB(), target: a.cfg.ResolutionTarget, close: a.close}, nil
}

// reportTimeout bounds a report's reading.
const reportTimeout = time.Minute
