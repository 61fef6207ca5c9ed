package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"frontdoor/bot/evaluate"
	"frontdoor/bot/intent"
	"frontdoor/bot/store"
)

// setList is a repeatable --set flag.
type setList []string

func (s *setList) String() string     { return strings.Join(*s, ",") }
func (s *setList) Set(v string) error { *s = append(*s, v); return nil }

// maxOrders bounds --orders: each order trains a model.
const maxOrders = 64

// runEval sends labelled sets through the same engine the API uses, on
// REDIS_URL or a throwaway in-memory Redis, under a key prefix of its own,
// cross-validates the intent model on the corpus it was trained on, and
// with --orders scores the model alone trained in several orders.
func runEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval", "eval --set FILE [--set FILE …] [--folds K] [--orders N] [--json]", stderr)
	var sets setList
	fs.Var(&sets, "set", "JSON-lines evaluation set (required; repeat for several)")
	folds := fs.Int("folds", 5, "folds of the cross-validations on the corpus, the intent model's and the ranking's and routing's (0: none)")
	orders := fs.Int("orders", 0, "also score the intent model alone trained in this many orders (seeds 1…N) on every set, and their mean")
	asJSON := fs.Bool("json", false, "print the report as JSON, with every outcome")
	seedsDir := fs.String("seeds", "", "knowledge directory (default FRONTDOOR_SEEDS or ./seeds)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if len(sets) == 0 {
		fs.Usage()
		return errUsage
	}
	if *orders < 0 || *orders > maxOrders {
		return fmt.Errorf("--orders %d: want 0 to %d", *orders, maxOrders)
	}
	caseSets := make([][]evaluate.Case, len(sets))
	for i, name := range sets {
		cases, err := readSet(name)
		if err != nil {
			return err
		}
		caseSets[i] = cases
	}
	cfg, err := LoadConfig("", os.LookupEnv)
	if err != nil {
		return err
	}
	if *seedsDir != "" {
		cfg.SeedsDir = *seedsDir
	}
	runID := strconv.FormatInt(time.Now().UnixNano(), 36)
	cfg.RedisPrefix = "fdeval-" + runID
	cfg.RateLimit, cfg.TenantRateLimit = "off", "off"
	log := newLogger("error")
	ctx := context.Background()
	if cfg.RedisURL == "" {
		// a throwaway store: nothing an evaluation writes is worth keeping
		e, err := store.StartEmbedded(ctx, store.EmbeddedOptions{Binary: "-", Logger: log})
		if err != nil {
			return err
		}
		defer e.Close()
		cfg.RedisURL = e.URL
	}
	a, err := newApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	defer cleanPrefix(a, cfg.RedisPrefix)
	reps := make([]evaluate.Report, len(sets))
	for i, cases := range caseSets {
		reps[i] = evaluate.Run(ctx, a.Engine, "eval", runID+"-"+strconv.Itoa(i), cases)
		reps[i].Set = sets[i]
	}
	var cv *intent.CVReport
	var ret *evaluate.RetrievalReport
	var ords *evaluate.OrdersReport
	if *folds > 1 {
		r, err := evaluate.CrossRetrieval(a.Engine, seedsFS(cfg, nil), *folds)
		if err != nil {
			return err
		}
		ret = &r
	}
	if *folds > 1 || *orders > 0 {
		exs, err := intent.LoadCorpus(corpusLayers(seedsFS(cfg, nil))...)
		if err != nil {
			return err
		}
		if *folds > 1 {
			r, err := intent.CrossValidate(exs, *folds, intent.Options{})
			if err != nil {
				return err
			}
			cv = &r
		}
		if *orders > 0 {
			// The engine's model is seed 1's, trained on the same corpus
			// with the same options.
			r, err := evaluate.Orders(exs, intent.Options{}, *orders, sets, caseSets, a.intents.Load())
			if err != nil {
				return err
			}
			ords = &r
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if len(reps) == 1 && ords == nil {
			reps[0].CrossValidation, reps[0].Retrieval = cv, ret
			return enc.Encode(reps[0])
		}
		return enc.Encode(struct {
			Sets            []evaluate.Report         `json:"sets"`
			CrossValidation *intent.CVReport          `json:"cross_validation,omitempty"`
			Retrieval       *evaluate.RetrievalReport `json:"retrieval_cross_validation,omitempty"`
			Orders          *evaluate.OrdersReport    `json:"orders,omitempty"`
		}{reps, cv, ret, ords})
	}
	for i, rep := range reps {
		if len(reps) > 1 {
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			fmt.Fprintf(stdout, "== %s\n", rep.Set)
		}
		rep.Print(stdout)
	}
	if cv != nil {
		fmt.Fprintln(stdout)
		cv.Print(stdout)
	}
	if ret != nil {
		fmt.Fprintln(stdout)
		ret.Print(stdout)
	}
	if ords != nil {
		fmt.Fprintln(stdout)
		ords.Print(stdout)
	}
	return nil
}

// readSet reads one evaluation set.
func readSet(name string) ([]evaluate.Case, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cases, err := evaluate.Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return cases, nil
}

// cleanPrefix removes what an evaluation wrote to a shared Redis.
func cleanPrefix(a *app, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	iter := a.rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		a.rdb.Del(ctx, iter.Val())
	}
}
