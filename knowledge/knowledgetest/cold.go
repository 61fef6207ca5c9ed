package knowledgetest

import (
	"testing"
	"time"
)

// Cold runs op once per benchmark iteration, each time after a walk over
// 16 MB that pushes what op reads out of the processor's caches, as a
// server's other work does between two messages, and reports the mean
// time of op alone as metric. A benchmark whose tables stay in cache says
// a prediction or a question's analysis costs a fraction of what it costs
// in the server's profile.
func Cold(b *testing.B, metric string, op func(i int)) {
	evict := make([]byte, 16<<20)
	var sink byte
	var spent time.Duration
	n := 0
	for b.Loop() {
		for i := 0; i < len(evict); i += 64 {
			evict[i]++
			sink += evict[i]
		}
		start := time.Now()
		op(n)
		spent += time.Since(start)
		n++
	}
	b.ReportMetric(float64(spent.Nanoseconds())/float64(n), metric)
	if sink == 1 {
		b.Log() // keeps the walk from being optimised away
	}
}
