package knowledge

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Snapshot says where a knowledge base's snapshot is kept ("" for none)
// and which build of the program it must have been written by.
type Snapshot struct {
	Path  string
	Build string
	// Writer, if set, writes a reload's snapshot in the background (see
	// SnapshotWriter); without one a reload writes it before it returns.
	Writer *SnapshotWriter
}

// SnapshotUse says what a load did with the snapshot, for the log.
type SnapshotUse struct {
	// Loaded: the base was read from the snapshot; Wrote: a new one was
	// written after the base was built from the documents; Pending: it is
	// being written in the background (Snapshot.Writer); Stale: the build
	// at start-up took what did not change from this program's snapshot
	// of other documents or edits.
	Loaded, Wrote, Pending, Stale bool
	// Reason is why the snapshot was not used, or not written ("" when it
	// was used).
	Reason string
}

// LoadWithSnapshot loads the knowledge base from its snapshot when the
// snapshot was built from the same inputs by the same build and is
// intact; otherwise it builds the base from the documents and writes a new
// snapshot (to a temporary file renamed over the old, so a reader never
// sees half of one) for the next start. At start-up (prev nil) it serves
// the base read back from the new file; on a reload it serves the base it
// built, and leaves the writing to snap.Writer when there is one. prev
// is the base in use, if any: when nothing changed since it was loaded, it
// is kept as it is; otherwise the build keeps the index of every region it
// can (see load).
func LoadWithSnapshot(fsys fs.FS, opts Options, snap Snapshot, prev *Base) (*Base, SnapshotUse, error) {
	if snap.Path == "" {
		b, err := load(fsys, opts, prev, nil)
		return b, SnapshotUse{Reason: "no snapshot configured"}, err
	}
	id, sums, err := snapshotKey(fsys, opts, snap.Build)
	if err != nil {
		return nil, SnapshotUse{}, err
	}
	if prev != nil && prev.key == id {
		return prev, SnapshotUse{Loaded: prev.mapped, Reason: "unchanged"}, nil
	}
	b, err := openSnapshot(snap.Path, id, false, fsys, opts)
	if err == nil {
		if snap.Writer != nil {
			snap.Writer.drop() // an older base's snapshot would replace this one
		}
		return b, SnapshotUse{Loaded: true}, nil
	}
	use := SnapshotUse{Reason: err.Error()}
	from := prev
	if prev == nil && errors.Is(err, ErrSnapshotStale) {
		// This program's snapshot of other documents or edits: the build
		// takes from it what did not change, as a reload does.
		if stale, err := openSnapshot(snap.Path, id, true, fsys, opts); err == nil {
			from, use.Stale = stale, true
		}
	}
	built, err := load(fsys, opts, from, sums)
	if err != nil {
		return nil, use, err
	}
	built.key = id
	if from != nil && snap.Writer != nil && snap.Writer.schedule(snap.Path, built) {
		use.Pending = true
		return built, use, nil
	}
	if err := writeSnapshotFile(snap.Path, built, id); err != nil {
		use.Reason += "; not written: " + err.Error()
		return built, use, nil
	}
	use.Wrote = true
	if prev != nil {
		// A reload serves what it built: its unchanged regions are prev's,
		// mapped from the snapshot the process started with, and only the
		// rebuilt ones are in the heap. Mapping the new file instead would
		// hold one more file open for every reload — a mapping is never
		// undone while strings of it may live on in replies — and the disk
		// space of each snapshot replaced since, until the process ends.
		return built, use, nil
	}
	if b, err := openSnapshot(snap.Path, id, false, fsys, opts); err == nil {
		// its parses are in the file, for the next reload
		b.BuildTime, b.Rebuilt, b.Parsed = built.BuildTime, built.Rebuilt, built.Parsed
		return b, use, nil
	} else {
		use.Reason += "; written but not read back: " + err.Error()
	}
	return built, use, nil
}

// BuildSnapshot builds the base from the documents and writes its
// snapshot to path, whatever is there: frontdoor kb build.
func BuildSnapshot(fsys fs.FS, opts Options, snap Snapshot) (*Base, error) {
	id, sums, err := snapshotKey(fsys, opts, snap.Build)
	if err != nil {
		return nil, err
	}
	b, err := load(fsys, opts, nil, sums)
	if err != nil {
		return nil, err
	}
	b.key = id
	return b, writeSnapshotFile(snap.Path, b, id)
}

// writeSnapshotFile writes the snapshot beside path and renames it into
// place once it is on disk.
func writeSnapshotFile(path string, b *Base, id snapshotID) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := b.writeSnapshot(tmp, id); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	dropCache(tmp)
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// openSnapshot reads the snapshot at path if it was built from what id
// names (with anyInputs, if this program wrote it, from whatever inputs)
// and its checksum holds. The checksum is computed over reads of the
// file, not of the mapping, so that checking it leaves the pages in the
// system's file cache, not in the process.
func openSnapshot(path string, id snapshotID, anyInputs bool, fsys fs.FS, opts Options) (*Base, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	head := make([]byte, snapshotHeader)
	if _, err := io.ReadFull(f, head); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSnapshotCorrupt, err)
	}
	length, sum, err := snapshotPayload(head, id, anyInputs, info.Size())
	if err != nil {
		return nil, err
	}
	crc := crc32.New(castagnoli)
	if _, err := io.Copy(crc, io.NewSectionReader(f, snapshotHeader, length)); err != nil {
		return nil, err
	}
	dropCache(f)
	if crc.Sum32() != sum {
		return nil, fmt.Errorf("%w: checksum %08x, the header says %08x", ErrSnapshotCorrupt, crc.Sum32(), sum)
	}
	data, err := mapFile(f, info.Size())
	if err != nil {
		return nil, err
	}
	b, err := ReadSnapshot(data[snapshotHeader:], fsys, opts)
	if err != nil {
		unmapFile(data)
		return nil, err
	}
	b.key, b.mapped = snapshotID{inputs: [32]byte(head[16:48]), program: id.program}, true
	return b, nil
}
