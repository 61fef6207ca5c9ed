package evaluate_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"frontdoor/bot/bottest"
	"frontdoor/bot/evaluate"
	"frontdoor/knowledge"
)

// TestAnswersIdenticalFromSnapshot: the engine answers every message of
// the evaluation sets with the same words, intent, citations and units
// whether its knowledge base was built from the documents or read from
// the snapshot they were built into.
func TestAnswersIdenticalFromSnapshot(t *testing.T) {
	fsys := os.DirFS("../../seeds")
	built, err := knowledge.Load(fsys, knowledge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	snap := knowledge.Snapshot{Path: filepath.Join(t.TempDir(), knowledge.SnapshotFile), Build: "test"}
	if _, err := knowledge.BuildSnapshot(fsys, knowledge.Options{}, snap); err != nil {
		t.Fatal(err)
	}
	mapped, use, err := knowledge.LoadWithSnapshot(fsys, knowledge.Options{}, snap, nil)
	if err != nil || !use.Loaded {
		t.Fatalf("the snapshot was not read: %+v %v", use, err)
	}
	sets, _ := filepath.Glob("testdata/*.jsonl")
	for _, set := range sets {
		t.Run(filepath.Base(set), func(t *testing.T) {
			f, err := os.Open(set)
			if err != nil {
				t.Fatal(err)
			}
			cases, err := evaluate.Read(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			var reps [2]evaluate.Report
			for i, kb := range []*knowledge.Base{built, mapped} {
				env := bottest.New(t, bottest.Options{KB: func() *knowledge.Base { return kb }})
				reps[i] = evaluate.Run(context.Background(), env.Engine, "eval", "snap", cases)
			}
			for i, want := range reps[0].Outcomes {
				got := reps[1].Outcomes[i]
				if got.Reply != want.Reply || got.Intent != want.Intent || got.Asked != want.Asked ||
					!reflect.DeepEqual(got.Citations, want.Citations) || !reflect.DeepEqual(got.Units, want.Units) {
					t.Errorf("%s: from the snapshot %q %s %v, built %q %s %v", want.Case.ID,
						got.Reply, got.Intent, got.Citations, want.Reply, want.Intent, want.Citations)
				}
			}
		})
	}
}
