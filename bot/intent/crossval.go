package intent

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sync"
)

// CVReport is what k-fold cross-validation measured: each message was
// classified by a model trained without its fold.
type CVReport struct {
	Folds    int     `json:"folds"`
	Examples int     `json:"examples"`
	Accuracy float64 `json:"accuracy"`
	MacroF1  float64 `json:"macro_f1"`
	// LogLoss is the mean negative log probability of the true class.
	LogLoss float64 `json:"log_loss"`
	// ECE is the expected calibration error over ten confidence bins: how
	// far, on average, the top probability is from the share it gets right.
	ECE       float64      `json:"ece"`
	Classes   []ClassScore `json:"classes"`
	Confident []Coverage   `json:"confident"`
}

// ClassScore is one class's precision, recall and F1.
type ClassScore struct {
	Label     string  `json:"label"`
	Support   int     `json:"support"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

// Coverage is how many messages reach a confidence, and how many of those
// are right: what asking back below the threshold would cost and buy.
type Coverage struct {
	Threshold float64 `json:"threshold"`
	Coverage  float64 `json:"coverage"`
	Accuracy  float64 `json:"accuracy"`
}

// CrossValidate trains k models, each without one of k stratified folds,
// and scores every message with the model that did not see it.
func CrossValidate(examples []Example, k int, opts Options) (CVReport, error) {
	if k < 2 {
		k = 5
	}
	fold := Folds(examples, k, opts.Seed)
	preds := make([]Prediction, len(examples))
	errs := make([]error, k)
	var wg sync.WaitGroup
	for f := range k {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var train []Example
			for i, ex := range examples {
				if fold[i] != f {
					train = append(train, ex)
				}
			}
			m, err := Train(train, opts)
			if err != nil {
				errs[f] = err
				return
			}
			for i, ex := range examples {
				if fold[i] == f {
					preds[i] = m.Predict(ex.Text)
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return CVReport{}, err
		}
	}
	return score(examples, preds, k), nil
}

// Folds assigns every example one of k folds, class by class in a seeded
// shuffle, so that each fold holds its share of every class.
func Folds(examples []Example, k int, seed uint64) []int {
	byClass := map[string][]int{}
	for i, ex := range examples {
		byClass[ex.Intent] = append(byClass[ex.Intent], i)
	}
	out := make([]int, len(examples))
	rng := rand.New(rand.NewPCG(seed, 0xf01d))
	for _, l := range labelsOf(examples) {
		idx := byClass[l]
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		for n, i := range idx {
			out[i] = n % k
		}
	}
	return out
}

func score(examples []Example, preds []Prediction, k int) CVReport {
	r := CVReport{Folds: k, Examples: len(examples)}
	labels := labelsOf(examples)
	tp, fp, fn, support := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	right := 0
	const bins = 10
	var binN, binRight [bins]int
	var binConf [bins]float64
	thresholds := []float64{0.4, 0.5, 0.6, 0.7, 0.8, 0.9}
	confN, confRight := make([]int, len(thresholds)), make([]int, len(thresholds))
	for i, ex := range examples {
		top := preds[i].Top()
		support[ex.Intent]++
		ok := top.Label == ex.Intent
		if ok {
			right++
			tp[ex.Intent]++
		} else {
			fp[top.Label]++
			fn[ex.Intent]++
		}
		r.LogLoss -= math.Log(math.Max(preds[i].Of(ex.Intent), 1e-12))
		b := min(int(top.P*bins), bins-1)
		binN[b]++
		binConf[b] += top.P
		if ok {
			binRight[b]++
		}
		for t, th := range thresholds {
			if top.P >= th {
				confN[t]++
				if ok {
					confRight[t]++
				}
			}
		}
	}
	n := float64(len(examples))
	r.Accuracy = float64(right) / n
	r.LogLoss /= n
	for b := range bins {
		if binN[b] > 0 {
			r.ECE += math.Abs(binConf[b]-float64(binRight[b])) / n
		}
	}
	for _, l := range labels {
		c := ClassScore{Label: l, Support: support[l]}
		c.Precision = ratio(tp[l], tp[l]+fp[l])
		c.Recall = ratio(tp[l], tp[l]+fn[l])
		if c.Precision+c.Recall > 0 {
			c.F1 = 2 * c.Precision * c.Recall / (c.Precision + c.Recall)
		}
		r.MacroF1 += c.F1 / float64(len(labels))
		r.Classes = append(r.Classes, c)
	}
	for t, th := range thresholds {
		r.Confident = append(r.Confident, Coverage{Threshold: th, Coverage: float64(confN[t]) / n, Accuracy: ratio(confRight[t], confN[t])})
	}
	return r
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Print writes the report for people.
func (r CVReport) Print(w io.Writer) {
	fmt.Fprintf(w, "intent model, %d-fold cross-validation on %d corpus messages\n", r.Folds, r.Examples)
	fmt.Fprintf(w, "  accuracy %.3f  macro-F1 %.3f  log-loss %.3f  calibration error (ECE) %.3f\n", r.Accuracy, r.MacroF1, r.LogLoss, r.ECE)
	for _, c := range r.Classes {
		fmt.Fprintf(w, "  %-15s n=%-5d precision %.3f  recall %.3f  F1 %.3f\n", c.Label, c.Support, c.Precision, c.Recall, c.F1)
	}
	for _, c := range r.Confident {
		fmt.Fprintf(w, "  top probability ≥ %.1f: %5.1f%% of messages, %.3f of them right\n", c.Threshold, 100*c.Coverage, c.Accuracy)
	}
}
