package intent

import (
	"math"
	"testing"
)

// A message of the corpus is its own nearest neighbour; a message that
// shares no feature with the corpus gets no vote; and pooling the vote
// with the weights keeps a prediction both agree on as certain as the
// weights made it.
func TestNeighbours(t *testing.T) {
	exs := shippedCorpus(t)
	m := shippedModel(t)
	rowsOf := func(text string) []int32 {
		hs, _ := features(text, nil)
		var rows []int32
		for _, h := range hs {
			if r, ok := m.index.row(h); ok {
				rows = append(rows, r)
			}
		}
		return rows
	}
	sc := m.bufs.Get().(*scratch)
	defer m.bufs.Put(sc)
	v := make([]float64, len(m.labels))
	for _, i := range []int{0, len(exs) / 3, len(exs) / 2, len(exs) - 1} {
		t.Run(exs[i].Text, func(t *testing.T) {
			if !m.near.votes(rowsOf(exs[i].Text), sc, v) {
				t.Fatal("no vote")
			}
			top := sc.best[0]
			if exs[top.msg].Text != exs[i].Text {
				t.Errorf("nearest is %q", exs[top.msg].Text)
			}
			sum := 0.0
			for c := range v {
				sum += v[c]
			}
			if math.Abs(sum-1) > 1e-9 || len(sc.best) != neighbourCount {
				t.Errorf("votes %v from %d messages", v, len(sc.best))
			}
			for _, x := range sc.touched {
				if sc.acc[x] != 0 {
					t.Fatal("the accumulator is not cleared")
				}
			}
		})
	}
	if m.near.votes(nil, sc, v) {
		t.Errorf("a message sharing nothing got a vote: %v", v)
	}

	z := []float64{math.Log(0.99), math.Log(0.01)}
	pool(z, []float64{1, 0})
	softmax(z)
	if z[0] < 0.99 {
		t.Errorf("agreeing experts: %v, want at least 0.99", z)
	}
	z = []float64{math.Log(0.6), math.Log(0.4)}
	pool(z, []float64{0, 1})
	softmax(z)
	if z[1] <= 0.5 {
		t.Errorf("a unanimous vote against a weak lean: %v", z)
	}
}
