package intent

import "math/bits"

// featureIndex finds a feature's row of the weights by its hash. It is
// open addressing over one power-of-two array holding each hash beside its
// row, so that a lookup reads one cache line where a map reads its control
// word and then its slot. In a server the model is mostly out of the
// processor's caches by the time the next message comes, and a message
// looks up about a hundred and fifty features: those reads were most of a
// prediction's time (BenchmarkPredictCold).
type featureIndex struct {
	slots []featureSlot
	shift uint // 64 − log2(len(slots))
	n     int
}

// featureSlot holds a hash and its row plus one; 0 marks an empty slot, so
// that a hash of 0 is a feature like any other.
type featureSlot struct {
	hash uint64
	row  int32
}

// newFeatureIndex indexes hashes[i] as row i. ok is false when a hash
// repeats.
func newFeatureIndex(hashes []uint64) (x featureIndex, ok bool) {
	// At most two slots in three used: a lookup of a feature the model does
	// not know, most of a new message's trigrams, stops at the first empty
	// slot, one or two slots on.
	size := 8
	for size < len(hashes)+len(hashes)/2 {
		size *= 2
	}
	x = featureIndex{slots: make([]featureSlot, size), shift: uint(64 - bits.TrailingZeros(uint(size)))}
	for row, h := range hashes {
		i := x.home(h)
		for ; x.slots[i].row != 0; i = (i + 1) & (len(x.slots) - 1) {
			if x.slots[i].hash == h {
				return featureIndex{}, false
			}
		}
		x.slots[i] = featureSlot{h, int32(row) + 1}
		x.n++
	}
	return x, true
}

// home is the slot a hash is looked for from: the high bits of its
// product with 2⁶⁴/φ, which spreads hashes that differ in a few bits.
func (x *featureIndex) home(h uint64) int {
	return int((h * 0x9e3779b97f4a7c15) >> x.shift)
}

// row is the row of a feature, if the model has it.
func (x *featureIndex) row(h uint64) (int32, bool) {
	mask := len(x.slots) - 1
	for i := x.home(h); ; i = (i + 1) & mask {
		s := x.slots[i]
		if s.row == 0 {
			return 0, false
		}
		if s.hash == h {
			return s.row - 1, true
		}
	}
}

// hashes lists the features' hashes by row.
func (x *featureIndex) hashes() []uint64 {
	out := make([]uint64, x.n)
	for _, s := range x.slots {
		if s.row != 0 {
			out[s.row-1] = s.hash
		}
	}
	return out
}
