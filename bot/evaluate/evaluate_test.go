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

// floors are the least each figure may fall to before a change counts as
// a regression: a little under what the engine reaches, not the targets
// (frontdoor eval prints the figures; the README says where they stand).
type floors struct {
	intent, top1, top3, routing, figure, headline, asked float64
}

// TestDevSet guards the figures the engine reaches on the development set.
func TestDevSet(t *testing.T) {
	checkFloors(t, runSet(t, "testdata/dev.jsonl"), floors{intent: 0.95, top1: 0.95, top3: 0.98, routing: 0.9,
		figure: 0.95, headline: 0.9, asked: 0.1})
}

// TestExtraSet runs two sets written independently from the documents
// alone, to watch that tuning on the development set generalises.
func TestExtraSet(t *testing.T) {
	for _, set := range []string{"testdata/extra.jsonl", "testdata/holdout.jsonl"} {
		t.Run(set, func(t *testing.T) {
			checkFloors(t, runSet(t, set), floors{intent: 0.92, top1: 0.93, top3: 0.95, routing: 0.9,
				figure: 0.9, headline: 0.85, asked: 0.1})
		})
	}
}

func checkFloors(t *testing.T, rep evaluate.Report, f floors) {
	t.Helper()
	if rep.Errors > 0 {
		t.Errorf("%d cases failed with an error", rep.Errors)
	}
	checks := []struct {
		name      string
		got, want float64
	}{
		{"intent accuracy", rep.IntentAccuracy, f.intent},
		{"top-1", rep.Top1, f.top1},
		{"top-3", rep.Top3, f.top3},
		{"routing accuracy", rep.RoutingAccuracy, f.routing},
		{"commitment recall", rep.FigureRecall, f.figure},
		{"headline figure", rep.HeadlineRecall, f.headline},
	}
	for _, c := range checks {
		if c.got < c.want {
			t.Errorf("%s = %.3f, want ≥ %.2f", c.name, c.got, c.want)
		}
	}
	if rep.AskRate > f.asked {
		t.Errorf("asked back on %.3f of messages, want ≤ %.2f", rep.AskRate, f.asked)
	}
}
