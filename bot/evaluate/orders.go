package evaluate

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"frontdoor/bot/intent"
)

// The order in which training visits the corpus moves the model's answers
// on a few borderline messages, so one model's figures on a set of a
// hundred messages move by one or two cases from one order to the next.
// A change to the corpus or the features is judged by the mean over
// several orders, which Orders measures.

// OrderScore is what the model trained in one order got right.
type OrderScore struct {
	Seed uint64 `json:"seed"`
	// Right is, per set, how many messages' intent the model got right.
	Right []int `json:"right"`
	// Matter is how many complaints and requests for paperwork, over
	// every set, it recognised as such.
	Matter int `json:"matter"`
}

// OrdersReport is the model alone, trained in several orders, on the
// messages of each set.
type OrdersReport struct {
	Sets    []string     `json:"sets"`
	Cases   []int        `json:"cases"`
	Matters int          `json:"matters"` // complaints and paperwork requests over every set
	Orders  []OrderScore `json:"orders"`
}

// matters are the intents that open a ticket in a unit: telling them from
// a question is what routing rests on.
var matters = map[string]bool{"complaint": true, "assist_request": true}

// Orders trains a model on examples in each of n orders (Options.Seed 1…n,
// the other options as given) and scores each on every set's messages.
// first, when not nil, is the model of seed 1 already trained on these
// examples with these options (the engine's own): training is
// deterministic, so it is scored as it is instead of trained again.
func Orders(examples []intent.Example, opts intent.Options, n int, names []string, sets [][]Case, first *intent.Model) (OrdersReport, error) {
	r := OrdersReport{Sets: names}
	for _, cases := range sets {
		r.Cases = append(r.Cases, len(cases))
		for _, c := range cases {
			if matters[c.Intent] {
				r.Matters++
			}
		}
	}
	for seed := uint64(1); seed <= uint64(n); seed++ {
		m := first
		if seed > 1 || m == nil {
			o := opts
			o.Seed = seed
			var err error
			if m, err = intent.Train(examples, o); err != nil {
				return r, err
			}
		}
		s := OrderScore{Seed: seed, Right: make([]int, len(sets))}
		for i, cases := range sets {
			for _, c := range cases {
				if m.Predict(c.Text).Top().Label != c.Intent {
					continue
				}
				s.Right[i]++
				if matters[c.Intent] {
					s.Matter++
				}
			}
		}
		r.Orders = append(r.Orders, s)
	}
	return r, nil
}

// Mean is the mean over orders of the messages right on every set, and of
// the complaints and paperwork requests recognised.
func (r OrdersReport) Mean() (right, matter float64) {
	if len(r.Orders) == 0 {
		return 0, 0
	}
	for _, o := range r.Orders {
		for _, n := range o.Right {
			right += float64(n)
		}
		matter += float64(o.Matter)
	}
	n := float64(len(r.Orders))
	return right / n, matter / n
}

// Print writes the report as a table.
func (r OrdersReport) Print(w io.Writer) {
	total := 0
	for _, n := range r.Cases {
		total += n
	}
	fmt.Fprintf(w, "intent model alone over %d training orders (messages right per set)\n", len(r.Orders))
	head := []string{"order"}
	for i, s := range r.Sets {
		head = append(head, fmt.Sprintf("%s (%d)", setName(s), r.Cases[i]))
	}
	head = append(head, fmt.Sprintf("all (%d)", total), fmt.Sprintf("complaints+paperwork (%d)", r.Matters))
	fmt.Fprintf(w, "  %s\n", strings.Join(head, "  "))
	for _, o := range r.Orders {
		sum := 0
		cells := []string{fmt.Sprintf("%5d", o.Seed)}
		for i, n := range o.Right {
			sum += n
			cells = append(cells, fmt.Sprintf("%*d", len(head[i+1]), n))
		}
		cells = append(cells, fmt.Sprintf("%*d", len(head[len(head)-2]), sum), fmt.Sprintf("%*d", len(head[len(head)-1]), o.Matter))
		fmt.Fprintf(w, "  %s\n", strings.Join(cells, "  "))
	}
	right, matter := r.Mean()
	fmt.Fprintf(w, "  mean: %.2f of %d right (%.3f), %.2f of %d complaints and paperwork requests\n",
		right, total, right/float64(max(total, 1)), matter, r.Matters)
}

// setName is a set's file name without its directory and extension.
func setName(path string) string { return strings.TrimSuffix(filepath.Base(path), ".jsonl") }
