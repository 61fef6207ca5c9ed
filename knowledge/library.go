package knowledge

import (
	"errors"
	"sync"
	"sync/atomic"
)

// Library holds the current knowledge base and replaces it atomically on
// reload. Searches never see a half-built base and never wait for a
// reload; a reload that fails keeps the old base and reports why.
type Library struct {
	load func() (*Base, error)
	cur  atomic.Pointer[Base]
	mu   sync.Mutex // one reload at a time
	last atomic.Pointer[string]
}

// ErrNotLoaded is returned before the first successful load.
var ErrNotLoaded = errors.New("knowledge base not loaded")

// NewLibrary loads the base once; load is called again on every Reload.
func NewLibrary(load func() (*Base, error)) (*Library, error) {
	l := &Library{load: load}
	if _, err := l.Reload(); err != nil {
		return nil, err
	}
	return l, nil
}

// Current returns the base in use.
func (l *Library) Current() *Base { return l.cur.Load() }

// Reload builds a new base and swaps it in; on error the old one stays.
func (l *Library) Reload() (*Base, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, err := l.load()
	if err != nil {
		msg := err.Error()
		l.last.Store(&msg)
		return nil, err
	}
	l.last.Store(nil)
	l.cur.Store(b)
	return b, nil
}

// LastError is the reason the last reload failed ("" if it succeeded).
func (l *Library) LastError() string {
	if p := l.last.Load(); p != nil {
		return *p
	}
	return ""
}

// Ready reports whether a base is loaded.
func (l *Library) Ready() error {
	if l.cur.Load() == nil {
		return ErrNotLoaded
	}
	return nil
}
