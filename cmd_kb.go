package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"frontdoor/knowledge"
)

func runKB(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stderr, "usage: frontdoor kb dump [--json] | query --region R [--json] \"text\" | stats | build | expand --doc FILE")
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	switch args[0] {
	case "dump":
		return kbDump(args[1:], stdout, stderr)
	case "query":
		return kbQuery(args[1:], stdout, stderr)
	case "stats":
		return kbStats(args[1:], stdout, stderr)
	case "build":
		return kbBuild(args[1:], stdout, stderr)
	case "expand":
		return kbExpand(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "frontdoor kb: unknown subcommand %q (dump, query, stats, build, expand)\n", args[0])
	return errUsage
}

// loadBaseFor loads the knowledge base of a seeds directory for the kb
// commands, as the server would load it.
func loadBaseFor(seedsDir string) (*knowledge.Base, error) {
	cfg := Defaults()
	if v, ok := os.LookupEnv("FRONTDOOR_SEEDS"); ok {
		cfg.SeedsDir = v
	}
	if seedsDir != "" {
		cfg.SeedsDir = seedsDir
	}
	return loadKB(seedsFS(cfg, nil), nil, knowledge.Options{}, knowledge.Snapshot{}, nil)
}

// dumpItem is the dump's line format (CONTRACT.md).
type dumpItem struct {
	Doc         string           `json:"doc"`
	Region      string           `json:"region"`
	Item        string           `json:"item"`
	Path        string           `json:"path"`
	Title       string           `json:"title"`
	Text        string           `json:"text"`
	Lead        []string         `json:"lead_units"`
	Resp        []string         `json:"responsible_units"`
	Coop        []string         `json:"cooperating_units"`
	Deadline    string           `json:"deadline"`
	DeadlineISO string           `json:"deadline_date,omitempty"`
	Commitments []dumpCommitment `json:"commitments"`
	Tags        []string         `json:"tags"`
	Section     string           `json:"section,omitempty"`
	Source      string           `json:"source"`
	// Questions are the item's reviewed questions (questions/FILE.yaml).
	Questions []string `json:"questions,omitempty"`
}

type dumpCommitment struct {
	Text    string `json:"text"`
	Value   string `json:"value"`
	Unit    string `json:"unit"`
	Subject string `json:"subject,omitempty"`
	Kind    string `json:"kind,omitempty"`
}

func toDump(it *knowledge.Item) dumpItem {
	d := dumpItem{Doc: it.Doc, Region: it.Region, Item: it.Number, Path: it.Path, Title: it.Title, Text: it.Text,
		Lead: orEmpty(it.Lead), Resp: orEmpty(it.Resp), Coop: orEmpty(it.Coop), Deadline: it.Deadline,
		DeadlineISO: it.DeadlineDate, Tags: orEmpty(it.Tags), Section: it.Section, Source: it.Source,
		Commitments: []dumpCommitment{}, Questions: it.AllQuestions()}
	for _, c := range it.Commitments {
		d.Commitments = append(d.Commitments, dumpCommitment{Text: c.Text, Value: c.Value, Unit: c.Unit, Subject: c.Subject, Kind: c.Kind})
	}
	return d
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func kbDump(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("kb dump", "kb dump [--json] [--seeds DIR]", stderr)
	asJSON := fs.Bool("json", false, "one JSON object a line, one per item")
	seedsDir := fs.String("seeds", "", "knowledge directory (default FRONTDOOR_SEEDS or ./seeds)")
	if err := parse(fs, args); err != nil {
		return err
	}
	b, err := loadBaseFor(*seedsDir)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for _, it := range b.Items {
		if *asJSON {
			if err := enc.Encode(toDump(it)); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(stdout, "%s %s [%s] %s\n  牵头: %s  责任: %s  时限: %s\n", it.Doc, it.Region, it.Path, it.Title,
			strings.Join(it.Lead, "、"), strings.Join(it.Resp, "、"), it.Deadline)
	}
	return nil
}

func kbQuery(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("kb query", "kb query --region R [--json] [-n 5] \"text\"", stderr)
	region := fs.String("region", "", "the business's region (required)")
	asJSON := fs.Bool("json", false, "print JSON")
	n := fs.Int("n", 5, "how many items")
	seedsDir := fs.String("seeds", "", "knowledge directory (default FRONTDOOR_SEEDS or ./seeds)")
	if err := parse(fs, args); err != nil {
		return err
	}
	text := strings.Join(fs.Args(), " ")
	if *region == "" || strings.TrimSpace(text) == "" {
		fs.Usage()
		return errUsage
	}
	b, err := loadBaseFor(*seedsDir)
	if err != nil {
		return err
	}
	hits, err := b.Search(*region, text, *n)
	if err != nil {
		return err
	}
	if *asJSON {
		type out struct {
			dumpItem
			Score   float64 `json:"score"`
			Snippet string  `json:"snippet"`
		}
		list := make([]out, 0, len(hits))
		for _, h := range hits {
			list = append(list, out{toDump(h.Item), h.Score, h.Snippet})
		}
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	for i, h := range hits {
		fmt.Fprintf(stdout, "%d. %.2f %s [%s] %s\n   %s\n", i+1, h.Score, h.Item.Doc, h.Item.Path, h.Item.Title, h.Snippet)
	}
	return nil
}

func kbStats(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("kb stats", "kb stats [--seeds DIR]", stderr)
	seedsDir := fs.String("seeds", "", "knowledge directory (default FRONTDOOR_SEEDS or ./seeds)")
	if err := parse(fs, args); err != nil {
		return err
	}
	b, err := loadBaseFor(*seedsDir)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "document\tregion\titems\twith units\tcommitments\ttagged\twarnings")
	for _, d := range b.Docs {
		s := d.Stats()
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\n", d.File, d.Region, s.Items, s.WithUnits, s.Commitments, s.Tagged, len(d.Warnings))
	}
	tw.Flush()
	for _, d := range b.Docs {
		for _, w := range d.Warnings {
			fmt.Fprintf(stdout, "warning: %s: %s\n", d.File, w)
		}
	}
	for _, p := range b.Problems {
		fmt.Fprintf(stdout, "not loaded: %s: %s\n", p.File, p.Reason)
	}
	fmt.Fprintf(stdout, "%d documents, %d items (%d from the catalogue), %d synonym groups, loaded in %d ms\n",
		len(b.Docs), len(b.Items), len(b.Catalog.Items), len(b.Catalog.Synonyms), b.BuildTime.Milliseconds())
	return nil
}

// kbBuild builds the knowledge base of the seeds directory and writes its
// snapshot and the intent model beside it, which servers of this build
// start from: a step for a release (or an image) after its documents
// change, so that no replica pays for the build at start-up. The editors'
// changes in Redis are not in it; a server that finds them rebuilds and
// rewrites it.
func kbBuild(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("kb build", "kb build [--seeds DIR]", stderr)
	seedsDir := fs.String("seeds", "", "knowledge directory (default FRONTDOOR_SEEDS or ./seeds)")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := LoadConfig("", os.LookupEnv)
	if err != nil {
		return err
	}
	if *seedsDir != "" {
		cfg.SeedsDir = *seedsDir
	}
	fsys := seedsFS(cfg, nil)
	build := buildIdentity()
	snap := snapshotOf(cfg, fsys, build)
	if snap.Path == "" {
		return fmt.Errorf("no snapshot to build: the knowledge directory %q is missing, or FRONTDOOR_KB_SNAPSHOT is off", cfg.SeedsDir)
	}
	b, err := knowledge.BuildSnapshot(fsys, knowledge.Options{}, snap)
	if err != nil {
		return err
	}
	info, err := os.Stat(snap.Path)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d documents, %d items, %d regions, %.1f MiB, built in %d ms\n",
		snap.Path, len(b.Docs), len(b.Items), len(b.Regions()), float64(info.Size())/(1<<20), b.BuildTime.Milliseconds())
	start := time.Now()
	m, err := loadIntents(fsys, nil, modelFileOf(snap), build, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: intent model of %d messages, %d features, in %d ms\n",
		modelFileOf(snap), m.Examples, m.Features(), time.Since(start).Milliseconds())
	return nil
}
