package knowledge

import (
	"context"
	"maps"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"
)

// withSentence is fsys with one more sentence at the end of doc,
// different for each n.
func withSentence(fsys fstest.MapFS, doc string, n int) fstest.MapFS {
	out := maps.Clone(fsys)
	out[doc] = &fstest.MapFile{Data: append(append([]byte{}, fsys[doc].Data...),
		[]byte("\n加强督查考核第"+strconv.Itoa(n)+"轮,确保各项措施落地见效。\n")...)}
	return out
}

// seedDocument is the seeds' document the tests change.
const seedDocument = "002_c95ffdd180ea7e81.txt"

// TestReloadServesBeforeItsSnapshotIsWritten: with a writer, a reload
// returns the base it built while its snapshot is still unwritten — and
// answers questions meanwhile — and the snapshot written afterwards is
// current and answers as the built base does.
func TestReloadServesBeforeItsSnapshotIsWritten(t *testing.T) {
	fsys := seedDir(t)
	var writes atomic.Int32
	w := NewSnapshotWriter(func(_ *Base, _ time.Duration, err error) {
		if err != nil {
			t.Error(err)
		}
		writes.Add(1)
	})
	w.hold = make(chan struct{})
	defer w.Close()
	snap := Snapshot{Path: filepath.Join(t.TempDir(), SnapshotFile), Build: "test", Writer: w}
	first, use, err := LoadWithSnapshot(fsys, Options{}, snap, nil)
	if err != nil || !use.Wrote || writes.Load() != 0 {
		t.Fatalf("start-up did not write its snapshot itself: %+v %v", use, err)
	}
	changed := withSentence(fsys, seedDocument, 1)
	b, use, err := LoadWithSnapshot(changed, Options{}, snap, first)
	if err != nil || !use.Pending || use.Wrote {
		t.Fatalf("the reload did not leave its snapshot to the writer: %+v %v", use, err)
	}
	key, _, err := snapshotKey(changed, Options{}, snap.Build)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openSnapshot(snap.Path, key, false, changed, Options{}); err == nil {
		t.Fatal("the snapshot was current before the writer wrote it")
	}
	// The write reads the base while questions are answered from it.
	var wg sync.WaitGroup
	questions := evalQuestions(t)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, q := range questions {
			if a, err := b.Ask(q[0], q[1]); err == nil {
				a.Search(5, "")
			}
		}
	}()
	w.hold <- struct{}{}
	if err := w.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if writes.Load() != 1 {
		t.Fatalf("%d writes, want 1", writes.Load())
	}
	read, err := openSnapshot(snap.Path, key, false, changed, Options{})
	if err != nil {
		t.Fatalf("the written snapshot is not current: %v", err)
	}
	for _, q := range questions[:60] {
		want, err := b.Ask(q[0], q[1])
		if err != nil {
			continue
		}
		got, _ := read.Ask(q[0], q[1])
		sameHits(t, q[1], got.Search(5, ""), want.Search(5, ""))
	}
}

// TestSnapshotWritesCoalesce: bases scheduled while a snapshot is written
// replace one another; only the newest is written after it. A reload that
// finds the file current drops a base still waiting, and a closed writer
// leaves the writing to the reload.
func TestSnapshotWritesCoalesce(t *testing.T) {
	fsys := seedDir(t)
	var mu sync.Mutex
	var written []*Base
	w := NewSnapshotWriter(func(b *Base, _ time.Duration, err error) {
		if err != nil {
			t.Error(err)
		}
		mu.Lock()
		written = append(written, b)
		mu.Unlock()
	})
	w.hold = make(chan struct{}, 8)
	snap := Snapshot{Path: filepath.Join(t.TempDir(), SnapshotFile), Build: "test", Writer: w}
	prev, _, err := LoadWithSnapshot(fsys, Options{}, snap, nil)
	if err != nil {
		t.Fatal(err)
	}
	var bases []*Base
	for n := range 3 {
		b, use, err := LoadWithSnapshot(withSentence(fsys, seedDocument, n), Options{}, snap, prev)
		if err != nil || !use.Pending {
			t.Fatalf("reload %d: %+v %v", n, use, err)
		}
		bases, prev = append(bases, b), b
		if n == 0 {
			taken(t, w) // the first is being written when the others come
		}
	}
	w.hold <- struct{}{}
	w.hold <- struct{}{}
	if err := w.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(written) != 2 || written[0] != bases[0] || written[1] != bases[2] {
		t.Errorf("wrote %d bases, want the first and the last of 3", len(written))
	}
	mu.Unlock()
	last := withSentence(fsys, seedDocument, 2)
	if b, use, err := LoadWithSnapshot(last, Options{}, snap, nil); err != nil || !use.Loaded {
		t.Fatalf("the last base's snapshot was not left on disk: %+v %v", use, err)
	} else {
		prev = b
	}

	// One base's write held and another waiting, then a reload back to
	// what the file holds: the waiting base is dropped, not written over
	// it (the one already being written still lands).
	held, use, err := LoadWithSnapshot(withSentence(fsys, seedDocument, 4), Options{}, snap, prev)
	if err != nil || !use.Pending {
		t.Fatalf("%+v %v", use, err)
	}
	taken(t, w)
	waiting, use, err := LoadWithSnapshot(withSentence(fsys, seedDocument, 5), Options{}, snap, held)
	if err != nil || !use.Pending {
		t.Fatalf("%+v %v", use, err)
	}
	if _, use, err := LoadWithSnapshot(last, Options{}, snap, waiting); err != nil || !use.Loaded {
		t.Fatalf("%+v %v", use, err)
	}
	w.hold <- struct{}{}
	if err := w.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(written) != 3 || written[2] != held {
		t.Errorf("wrote %d bases; want the held one written and the waiting one dropped", len(written))
	}
	mu.Unlock()

	w.Close()
	if _, use, err := LoadWithSnapshot(withSentence(fsys, seedDocument, 5), Options{}, snap, prev); err != nil || !use.Wrote {
		t.Fatalf("a reload after Close did not write its snapshot itself: %+v %v", use, err)
	}
}

// taken waits until w's writer has taken the base scheduled last.
func taken(t *testing.T, w *SnapshotWriter) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		w.mu.Lock()
		waiting := w.pending != nil
		w.mu.Unlock()
		if !waiting {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the writer never took the base")
		}
		time.Sleep(time.Millisecond)
	}
}
