package evaluate_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"frontdoor/bot/bottest"
	"frontdoor/bot/evaluate"
)

func runSet(t *testing.T, path string) evaluate.Report {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cases, err := evaluate.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	env := bottest.New(t, bottest.Options{})
	rep := evaluate.Run(context.Background(), env.Engine, "eval", "t", cases)
	if testing.Verbose() {
		var b strings.Builder
		rep.Print(&b)
		t.Log("\n" + b.String())
	}
	return rep
}

// TestDevSet guards the figures the engine reaches on the development set.
func TestDevSet(t *testing.T) {
	rep := runSet(t, "testdata/dev.jsonl")
	checks := []struct {
		name      string
		got, want float64
	}{
		{"intent accuracy", rep.IntentAccuracy, 0.95},
		{"top-1", rep.Top1, 0.95},
		{"top-3", rep.Top3, 0.98},
		{"routing accuracy", rep.RoutingAccuracy, 0.95},
		{"commitment recall", rep.FigureRecall, 0.95},
	}
	for _, c := range checks {
		if c.got < c.want {
			t.Errorf("%s = %.3f, want ≥ %.2f", c.name, c.got, c.want)
		}
	}
	if rep.Errors > 0 {
		t.Errorf("%d cases failed with an error", rep.Errors)
	}
}

// TestExtraSet runs a second set written independently from the documents
// alone, to watch that tuning on the development set generalises. Its
// floors guard against regressions, not targets.
func TestExtraSet(t *testing.T) {
	for _, set := range []string{"testdata/extra.jsonl", "testdata/holdout.jsonl"} {
		t.Run(set, func(t *testing.T) { checkFloors(t, runSet(t, set)) })
	}
}

func checkFloors(t *testing.T, rep evaluate.Report) {
	if rep.Errors > 0 {
		t.Errorf("%d cases failed with an error", rep.Errors)
	}
	t.Logf("intent %.3f top-1 %.3f top-3 %.3f routing %.3f commitment %.3f",
		rep.IntentAccuracy, rep.Top1, rep.Top3, rep.RoutingAccuracy, rep.FigureRecall)
	if rep.IntentAccuracy < 0.9 || rep.Top1 < 0.7 || rep.Top3 < 0.8 {
		t.Errorf("below the regression floors (intent 0.9, top-1 0.7, top-3 0.8)")
	}
}
