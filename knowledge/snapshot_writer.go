package knowledge

import (
	"context"
	"sync"
	"time"
)

// SnapshotWriter writes the snapshots of reloaded bases in the background,
// so that a reload serves what it built as soon as it is built. At a
// province's scale writing and syncing the snapshot costs several times
// the rebuild of the region that changed (100× the seeds, one document
// changed: served in 0.26 s, against 1.03 s with the write first), and an
// editor's change waited for both.
//
// Writes run one at a time, the newest base last: a base scheduled while
// another is written replaces any base still waiting, so a burst of edits
// costs at most two writes. A snapshot not yet written when the process
// ends is only a slower next start: it finds the file stale and rebuilds
// from it what changed since it was written.
type SnapshotWriter struct {
	// done, if set, hears of every write: the base, how long the write
	// took, and why it failed.
	done func(b *Base, took time.Duration, err error)
	// hold, in tests, is received from before each write.
	hold chan struct{}

	mu      sync.Mutex
	path    string // of the pending base
	pending *Base
	idle    chan struct{} // closed when nothing is written or waiting; nil then
	closed  bool
}

// NewSnapshotWriter returns a writer that reports each write to done (nil
// for none).
func NewSnapshotWriter(done func(b *Base, took time.Duration, err error)) *SnapshotWriter {
	return &SnapshotWriter{done: done}
}

// schedule queues b's snapshot for path, in place of any still waiting,
// and reports false once the writer is closed.
func (w *SnapshotWriter) schedule(path string, b *Base) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return false
	}
	w.path, w.pending = path, b
	if w.idle == nil {
		w.idle = make(chan struct{})
		go w.run()
	}
	return true
}

// drop forgets a base still waiting: a reload found the file current.
func (w *SnapshotWriter) drop() {
	w.mu.Lock()
	w.pending = nil
	w.mu.Unlock()
}

func (w *SnapshotWriter) run() {
	for {
		w.mu.Lock()
		path, b := w.path, w.pending
		w.pending = nil
		if b == nil {
			close(w.idle)
			w.idle = nil
			w.mu.Unlock()
			return
		}
		w.mu.Unlock()
		if w.hold != nil {
			<-w.hold
		}
		start := time.Now()
		err := writeSnapshotFile(path, b, b.key)
		if w.done != nil {
			w.done(b, time.Since(start), err)
		}
	}
}

// Wait returns once every scheduled snapshot is written, or when ctx ends.
func (w *SnapshotWriter) Wait(ctx context.Context) error {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	idle := w.idle
	w.mu.Unlock()
	if idle == nil {
		return nil
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close drops a snapshot still waiting, waits for the one being written,
// and schedules no more: later reloads write theirs before returning.
func (w *SnapshotWriter) Close() {
	if w == nil {
		return
	}
	w.mu.Lock()
	w.closed, w.pending = true, nil
	idle := w.idle
	w.mu.Unlock()
	if idle != nil {
		<-idle
	}
}
