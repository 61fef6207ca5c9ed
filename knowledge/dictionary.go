package knowledge

import (
	"maps"
	"strings"
	"sync"
)

// dictionary numbers the terms of one base, for all its regions: each
// string is kept once, and a region's tables hold 4-byte ids.
//
// Regions are built in parallel, so intern locks; lookup does not, because
// the dictionary only grows while the base is built and is read-only once
// the base is published.
type dictionary struct {
	mu  sync.Mutex
	ids map[string]uint32
}

func newDictionary() *dictionary { return &dictionary{ids: map[string]uint32{}} }

// intern returns the id of every term, numbering the new ones.
func (d *dictionary) intern(terms []string) []uint32 {
	out := make([]uint32, len(terms))
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, term := range terms {
		id, ok := d.ids[term]
		if !ok {
			// A term may be a slice of a whole text; its own copy keeps
			// only the term alive.
			term = strings.Clone(term)
			id = uint32(len(d.ids))
			d.ids[term] = id
		}
		out[i] = id
	}
	return out
}

// lookup returns a term's id, if any region has the term.
func (d *dictionary) lookup(term string) (uint32, bool) {
	id, ok := d.ids[term]
	return id, ok
}

// clone is a copy that numbers the same terms alike and may learn more
// while the original is read.
func (d *dictionary) clone() *dictionary {
	return &dictionary{ids: maps.Clone(d.ids)}
}
