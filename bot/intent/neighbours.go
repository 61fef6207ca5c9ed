package intent

import (
	"encoding/binary"
	"fmt"
	"math"
)

// The model's weights say what each gram leans towards on its own; they
// cannot say that a message is worded almost as one of the corpus is. The
// corpus's nearest messages can: their intents vote, and the vote is
// pooled with the weights' probabilities. The two err on different
// messages — a story whose words lean to a complaint but which is told
// like the corpus's questions, a short ask whose grams are rare — so
// together they are right more often than either: intent right on 338.1
// of the evaluation sets' 350 messages against 334.75 for the weights
// alone (mean over eight training orders; the vote alone reaches
// 315–335), at the same accuracy in 5-fold cross-validation on the corpus
// (0.938) and a lower log-loss (0.182 against 0.188).

// The constants below were chosen by those two measures together.
const (
	// neighbourCount is how many of the nearest messages vote. Ten were
	// chosen when the weights came from one fit; with the weights averaged
	// over sixteen orders, 24 vote as accurately in cross-validation
	// (0.947), with a lower log-loss and calibration error (0.152 and 0.003
	// against 0.153 and 0.005), and get 1,288.0 of the 1,340 evaluation
	// messages right against 1,287.1 (420.1 of the 433 complaints and
	// paperwork requests against 418.9; mean over eight seeds; 16 gave
	// 1,287.6 and 419.4, 32 the same as 24, 6 1,281.75 and 415.5), for
	// about 0.7 µs more a prediction (BenchmarkPredict 4.3 → 5.0 µs).
	neighbourCount = 24
	// voteWeight is the power the vote is raised to when pooled with the
	// weights' probabilities, and voteFloor what a class no neighbour
	// votes for keeps: a vote of a few dozen messages is evidence, not proof.
	voteWeight = 0.7
	voteFloor  = 0.1
	// commonShare is the share of the corpus's messages above which a
	// feature tells few apart ("的", "我们") and is not looked up: such
	// features cost the most postings. At 3% the vote was as accurate as
	// at 5% or 10% for a third less time; at 1.5% it is as accurate as at
	// 3% (1,280.5 of the 1,340 evaluation messages against 1,280.25, mean
	// over eight training orders; cross-validated accuracy 0.939 against
	// 0.938) and a prediction takes 22–25 µs instead of 28–43 with the
	// model out of the caches (BenchmarkPredictCold). At 1% it loses a
	// message (1,279.4).
	commonShare = 0.015
)

// neighbours holds the corpus's messages by feature, for the vote.
// Messages are compared by the cosine of their features weighted by
// inverse document frequency.
type neighbours struct {
	idf   []float32 // per feature row; 0 for a common feature, which has no postings
	start []int32   // row r's messages are post[start[r]:start[r+1]]
	post  []int32   // message numbers
	norm  []float32 // per message: 1 / the length of its weighted features
	class []uint8   // per message: its intent, as an index of the model's labels
}

// buildNeighbours indexes n messages whose feature rows are
// rows[at[i]:at[i+1]] and whose classes are ys, over the rows whose
// hashes byRow lists.
func buildNeighbours(rows []int32, at []int, ys []int, byRow []uint64) *neighbours {
	nrows := len(byRow)
	n := len(ys)
	df := make([]int32, nrows)
	for _, r := range rows {
		df[r]++
	}
	nb := &neighbours{idf: make([]float32, nrows), start: make([]int32, nrows+1),
		norm: make([]float32, n), class: make([]uint8, n)}
	limit := int32(commonShare * float64(n))
	for r, d := range df {
		if d > 0 && d <= limit && !isPair(byRow[r]) {
			// A gapped pair mostly repeats the grams around it: in the
			// vote it costs more postings than it tells apart.
			nb.idf[r] = float32(math.Log(float64(n) / float64(1+d)))
		} else {
			df[r] = 0
		}
		nb.start[r+1] = nb.start[r] + df[r]
	}
	nb.post = make([]int32, nb.start[nrows])
	next := append([]int32(nil), nb.start[:nrows]...)
	for i := range n {
		sq := 0.0
		for _, r := range rows[at[i]:at[i+1]] {
			if w := nb.idf[r]; w > 0 {
				nb.post[next[r]] = int32(i)
				next[r]++
				sq += float64(w) * float64(w)
			}
		}
		if sq > 0 {
			nb.norm[i] = float32(1 / math.Sqrt(sq))
		}
		nb.class[i] = uint8(ys[i])
	}
	return nb
}

// votes sets v to each class's share of the similarity of the
// neighbourCount messages nearest the message of feature rows rows, and
// reports whether any message shares a feature with it.
func (nb *neighbours) votes(rows []int32, sc *scratch, v []float64) bool {
	if len(sc.acc) < len(nb.norm) {
		sc.acc = make([]float32, len(nb.norm))
	}
	acc, touched := sc.acc, sc.touched[:0]
	for _, r := range rows {
		w := nb.idf[r]
		if w == 0 {
			continue
		}
		w *= w
		for _, e := range nb.post[nb.start[r]:nb.start[r+1]] {
			if acc[e] == 0 {
				touched = append(touched, e)
			}
			acc[e] += w
		}
	}
	// The nearest, by cosine (the message's own length is the same for
	// every candidate and left out); ties go to the earlier message, so
	// the vote is the same on every run.
	best := sc.best[:0]
	for _, e := range touched {
		s := acc[e] * nb.norm[e]
		acc[e] = 0
		if len(best) == neighbourCount && !nearer(s, e, best[len(best)-1]) {
			continue
		}
		at := len(best)
		if at < neighbourCount {
			best = append(best, near{})
		} else {
			at--
		}
		for at > 0 && nearer(s, e, best[at-1]) {
			best[at] = best[at-1]
			at--
		}
		best[at] = near{e, s}
	}
	sc.touched, sc.best = touched, best
	clear(v)
	total := 0.0
	for _, b := range best {
		total += float64(b.sim)
	}
	if total == 0 {
		return false
	}
	for _, b := range best {
		v[nb.class[b.msg]] += float64(b.sim) / total
	}
	return true
}

// pool adds the vote v to the weights' scores z, before the softmax: the
// probabilities become the product of the two experts' (the weights',
// and the vote's raised to voteWeight, floored at voteFloor), which keeps
// them calibrated — a plain average would make every message where both
// agree look less certain than it is.
func pool(z, v []float64) {
	for c := range z {
		z[c] += voteWeight * math.Log(v[c]+voteFloor)
	}
}

// near is a message and its similarity to the one voted on.
type near struct {
	msg int32
	sim float32
}

func nearer(s float32, e int32, than near) bool {
	return s > than.sim || s == than.sim && e < than.msg
}

// append writes the index after the model's weights: each row's weight
// and count of messages, the message numbers, then each message's norm
// and class.
func (nb *neighbours) append(b []byte) []byte {
	le := binary.LittleEndian
	for _, w := range nb.idf {
		b = le.AppendUint32(b, math.Float32bits(w))
	}
	for r := range nb.idf {
		b = le.AppendUint32(b, uint32(nb.start[r+1]-nb.start[r]))
	}
	for _, e := range nb.post {
		b = le.AppendUint32(b, uint32(e))
	}
	for _, v := range nb.norm {
		b = le.AppendUint32(b, math.Float32bits(v))
	}
	return append(b, nb.class...)
}

// readNeighbours reads what append wrote for nrows rows, n messages and
// nl classes, which must be all of data.
func readNeighbours(data []byte, nrows, n, nl int) (*neighbours, error) {
	le := binary.LittleEndian
	bad := func(what string) (*neighbours, error) {
		return nil, fmt.Errorf("%w: %s", ErrModelCorrupt, what)
	}
	if len(data) < 8*nrows {
		return bad("cut short")
	}
	nb := &neighbours{idf: make([]float32, nrows), start: make([]int32, nrows+1)}
	for r := range nrows {
		w := math.Float32frombits(le.Uint32(data[4*r:]))
		if !(w >= 0) || math.IsInf(float64(w), 0) {
			return bad("a feature's weight")
		}
		nb.idf[r] = w
	}
	counts := data[4*nrows : 8*nrows]
	total := 0
	for r := range nrows {
		c := int(le.Uint32(counts[4*r:]))
		if c > n || (c > 0) != (nb.idf[r] > 0) {
			return bad("a feature's messages")
		}
		total += c
		if total > len(data) {
			return bad("cut short")
		}
		nb.start[r+1] = int32(total)
	}
	data = data[8*nrows:]
	if len(data) != 4*total+5*n {
		return bad("cut short or overlong")
	}
	nb.post = make([]int32, total)
	for i := range nb.post {
		e := le.Uint32(data[4*i:])
		if e >= uint32(n) {
			return bad("a message number")
		}
		nb.post[i] = int32(e)
	}
	data = data[4*total:]
	nb.norm = make([]float32, n)
	for i := range nb.norm {
		v := math.Float32frombits(le.Uint32(data[4*i:]))
		if !(v >= 0) || math.IsInf(float64(v), 0) {
			return bad("a message's norm")
		}
		nb.norm[i] = v
	}
	nb.class = append([]uint8(nil), data[4*n:]...)
	for _, c := range nb.class {
		if int(c) >= nl {
			return bad("a message's class")
		}
	}
	return nb, nil
}
