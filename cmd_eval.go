package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"frontdoor/bot/evaluate"
	"frontdoor/bot/store"
)

// runEval sends a labelled set through the same engine the API uses, on
// REDIS_URL or a throwaway in-memory Redis, under a key prefix of its own.
func runEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval", "eval --set FILE [--json]", stderr)
	set := fs.String("set", "", "JSON-lines evaluation set (required)")
	asJSON := fs.Bool("json", false, "print the report as JSON, with every outcome")
	seedsDir := fs.String("seeds", "", "knowledge directory (default FRONTDOOR_SEEDS or ./seeds)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *set == "" {
		fs.Usage()
		return errUsage
	}
	f, err := os.Open(*set)
	if err != nil {
		return err
	}
	defer f.Close()
	cases, err := evaluate.Read(f)
	if err != nil {
		return fmt.Errorf("%s: %w", *set, err)
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
	cfg.RateLimit = "off"
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
	rep := evaluate.Run(ctx, a.engine, "eval", runID, cases)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	rep.Print(stdout)
	return nil
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
