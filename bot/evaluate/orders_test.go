package evaluate_test

import (
	"strings"
	"testing"

	"frontdoor/bot/evaluate"
	"frontdoor/bot/intent"
	"frontdoor/knowledge"
	"frontdoor/seeds"
)

// Orders trains one model per order and counts, per set, the messages it
// reads right, and over every set the complaints and paperwork requests.
func TestOrders(t *testing.T) {
	exs, err := knowledge.ReadCorpus(seeds.FS)
	if err != nil {
		t.Fatal(err)
	}
	sets := [][]evaluate.Case{
		{{Text: "你好", Intent: "greeting"}, {Text: "注销公司一般要多长时间", Intent: "policy_query"}},
		{{Text: "窗口的人态度恶劣还乱收费 三番五次刁难我们 我要投诉", Intent: "complaint"},
			{Text: "注销公司一般要多长时间", Intent: "complaint"}}, // labelled wrong on purpose
	}
	// Two fits of two epochs a model, not sixteen of three: what Orders
	// counts is the subject, and the test trains three models.
	r, err := evaluate.Orders(exs, intent.Options{Epochs: 2, Orders: 2}, 2, []string{"dir/a.jsonl", "b.jsonl"}, sets, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Orders) != 2 || r.Matters != 2 || r.Cases[0] != 2 || r.Cases[1] != 2 {
		t.Fatalf("report %+v", r)
	}
	for _, o := range r.Orders {
		if o.Right[0] != 2 || o.Right[1] != 1 || o.Matter != 1 {
			t.Errorf("order %d: right %v, complaints %d; want [2 1], 1", o.Seed, o.Right, o.Matter)
		}
	}
	if right, matter := r.Mean(); right != 3 || matter != 1 {
		t.Errorf("mean %v, %v; want 3, 1", right, matter)
	}
	// A model given for seed 1 is scored instead of one trained: here one
	// that knows only greetings and complaints.
	tiny, err := intent.Train([]intent.Example{{Text: "你好", Intent: "greeting"}, {Text: "我要投诉", Intent: "complaint"}}, intent.Options{})
	if err != nil {
		t.Fatal(err)
	}
	given, err := evaluate.Orders(exs, intent.Options{Epochs: 2, Orders: 2}, 2, []string{"a", "b"}, sets, tiny)
	if err != nil {
		t.Fatal(err)
	}
	if o := given.Orders[0]; o.Right[0] != 1 || o.Seed != 1 {
		t.Errorf("seed 1 given: right %v; want the given model's [1 …]", o.Right)
	}
	if o := given.Orders[1]; o.Right[0] != r.Orders[1].Right[0] || o.Right[1] != r.Orders[1].Right[1] {
		t.Errorf("seed 2: right %v; want %v as trained", o.Right, r.Orders[1].Right)
	}
	var b strings.Builder
	r.Print(&b)
	for _, want := range []string{"a (2)", "b (2)", "all (4)", "mean: 3.00 of 4 right (0.750), 1.00 of 2"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}
