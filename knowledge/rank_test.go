package knowledge

import (
	"slices"
	"testing"

	"frontdoor/knowledge/knowledgetest"
)

// TestPrunedRankingIsExact checks that leaving out the items that cannot
// reach the top k changes nothing: on regions large enough for pruning to
// happen, the pruned ranking equals scoring every item with every term,
// item for item and bit for bit, for k of 1, 5 and 20.
func TestPrunedRankingIsExact(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a corpus 12 times the seeds")
	}
	fsys, err := knowledgetest.Perturbed(12, knowledgetest.SameRegions)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := Load(fsys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	questions := append(slices.Clone(benchQueries),
		struct{ region, text string }{"葛店开发区", "办店要多长时间"}, // a typo
		struct{ region, text string }{"葛店开发区", "kai gong si"},
		struct{ region, text string }{"徐州市", "我想问问企业"}, // nothing but common words
		struct{ region, text string }{"河池市", "帮办代办有哪些"},
	)
	pruned := 0
	for _, q := range questions {
		qn, err := kb.Ask(q.region, q.text)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []int{1, 5, 20} {
			for _, prefer := range []string{"", "帮办代办"} {
				qq := qn.q
				qq.prefer = prefer
				got, want := qn.ri.searchWith(qq, k, true), qn.ri.searchWith(qq, k, false)
				if len(got) != len(want) {
					t.Fatalf("%s %q k=%d: %d hits pruned, %d in full", q.region, q.text, k, len(got), len(want))
				}
				for i := range got {
					if got[i].Item != want[i].Item || got[i].Score != want[i].Score || got[i].Snippet != want[i].Snippet {
						t.Errorf("%s %q k=%d #%d: pruned %s %.3f, full %s %.3f", q.region, q.text, k, i,
							got[i].Item.ID, got[i].Score, want[i].Item.ID, want[i].Score)
					}
				}
				if k == 5 && prefer == "" && prunes(qn, k) {
					pruned++
				}
			}
		}
	}
	if pruned < len(questions)/2 {
		t.Errorf("pruning happened for %d of %d questions: the test does not exercise it", pruned, len(questions))
	}
}

// prunes reports whether scoring the question for k left items out.
func prunes(qn *Question, k int) bool {
	sc := qn.ri.scratch.Get().(*scratch)
	defer qn.ri.scratch.Put(sc)
	qn.ri.score(qn.q, k, sc, true)
	return len(sc.cands) > 0 && len(sc.cands)*commonShare <= len(qn.ri.items)
}

func TestCountsAndPostings(t *testing.T) {
	for _, d := range []int32{0, 1, 255, 256, 65535, 65536, 1<<23 + 5, maxRegionItems} {
		if c := newCounts(d); c.doc() != d {
			t.Errorf("newCounts(%d).doc() = %d", d, c.doc())
		}
		for _, sat := range []float64{0, 0.25, 0.999} {
			for _, in := range []bool{false, true} {
				if p := makePosting(d, in, sat); p.doc() != d || p.inText() != in || p.sat() != float64(float32(sat)) {
					t.Errorf("makePosting(%d, %v, %v) = %d, %v, %v", d, in, sat, p.doc(), p.inText(), p.sat())
				}
			}
		}
	}
	var c counts
	var full [nFields]uint8
	for f := range nFields {
		for range 300 + f {
			c.count(f)
		}
		full[f] = maxTF
	}
	if c.doc() != 0 || c.tfs() != full {
		t.Errorf("counts saturate at %d each without touching the item number: %d, %v", maxTF, c.doc(), c.tfs())
	}
	c = newCounts(maxRegionItems)
	c.count(fBody)
	c.count(fTags)
	if c.doc() != maxRegionItems || c.tf(fBody) != 1 || c.tf(fTags) != 1 || c.tf(fTitle) != 0 {
		t.Errorf("item %d, counts %v", c.doc(), c.tfs())
	}
}

func TestGallop(t *testing.T) {
	var ps []posting
	for _, d := range []int32{2, 3, 5, 8, 13, 21, 34} {
		ps = append(ps, makePosting(d, false, 0.5))
	}
	for d := int32(0); d <= 40; d++ {
		want, _ := slices.BinarySearchFunc(ps, d, func(p posting, d int32) int { return int(p.doc() - d) })
		if got := gallop(ps, d); got != want {
			t.Errorf("gallop(%d) = %d, want %d", d, got, want)
		}
	}
	if got := gallop(nil, 3); got != 0 {
		t.Errorf("gallop(nil) = %d", got)
	}
}
