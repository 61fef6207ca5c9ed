package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// frontdoor eval sends a set through the engine and, with --orders, scores
// the intent model alone trained in each order.
func TestEvalCommand(t *testing.T) {
	// The engine's model is read from beside a snapshot of the test's own,
	// not trained for each of the two runs, and is seed 1's: of the
	// orders, only seed 2 trains.
	t.Setenv("FRONTDOOR_KB_SNAPSHOT", filepath.Join(t.TempDir(), "kb.snapshot"))
	cfg, err := LoadConfig("", os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	presetModel(t, cfg)
	set := filepath.Join(t.TempDir(), "mini.jsonl")
	lines := `{"id": "m-1", "region": "葛店开发区", "text": "你好", "intent": "greeting", "seed": null, "item_contains": null, "lead_units": [], "commitment": null}
{"id": "m-2", "region": "葛店开发区", "text": "低压小微企业接电 没有外线工程 要几天", "intent": "policy_query", "seed": "001_ae791fdead5d71ad.txt", "item_contains": "无外部工程的办电时间压缩至3个工作日以内", "lead_units": [], "commitment": "3个工作日"}
`
	if err := os.WriteFile(set, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errw bytes.Buffer
	if err := runEval([]string{"--set", set, "--folds", "0", "--orders", "2", "--json"}, &out, &errw); err != nil {
		t.Fatalf("eval: %v (%s)", err, errw.String())
	}
	var rep struct {
		Sets []struct {
			Cases          int     `json:"cases"`
			IntentAccuracy float64 `json:"intent_accuracy"`
		} `json:"sets"`
		Orders struct {
			Cases  []int `json:"cases"`
			Orders []struct {
				Right []int `json:"right"`
			} `json:"orders"`
		} `json:"orders"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if len(rep.Sets) != 1 || rep.Sets[0].Cases != 2 || rep.Sets[0].IntentAccuracy != 1 {
		t.Errorf("sets %+v", rep.Sets)
	}
	if len(rep.Orders.Orders) != 2 || len(rep.Orders.Cases) != 1 || rep.Orders.Orders[0].Right[0] != 2 {
		t.Errorf("orders %+v", rep.Orders)
	}

	if err := runEval([]string{"--set", set, "--orders", "-1"}, &out, &errw); err == nil || !strings.Contains(err.Error(), "--orders") {
		t.Errorf("--orders -1: %v", err)
	}
	out.Reset()
	if err := runEval([]string{"--set", set, "--folds", "0", "--orders", "1"}, &out, &errw); err != nil {
		t.Fatalf("eval: %v (%s)", err, errw.String())
	}
	if !strings.Contains(out.String(), "mean: 2.00 of 2 right") {
		t.Errorf("no mean in:\n%s", out.String())
	}
}
