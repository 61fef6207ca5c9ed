package knowledge

import (
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
	// being written in the background (Snapshot.Writer).
	Loaded, Wrote, Pending bool
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
	key, sums, err := snapshotKey(fsys, opts, snap.Build)
	if err != nil {
		return nil, SnapshotUse{}, err
	}
	if prev != nil && prev.key == key {
		return prev, SnapshotUse{Loaded: prev.mapped, Reason: "unchanged"}, nil
	}
	b, err := openSnapshot(snap.Path, key, fsys, opts)
	if err == nil {
		if snap.Writer != nil {
			snap.Writer.drop() // an older base's snapshot would replace this one
		}
		return b, SnapshotUse{Loaded: true}, nil
	}
	use := SnapshotUse{Reason: err.Error()}
	built, err := load(fsys, opts, prev, sums)
	if err != nil {
		return nil, use, err
	}
	built.key = key
	if prev != nil && snap.Writer != nil && snap.Writer.schedule(snap.Path, built) {
		use.Pending = true
		return built, use, nil
	}
	if err := writeSnapshotFile(snap.Path, built, key); err != nil {
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
	if b, err := openSnapshot(snap.Path, key, fsys, opts); err == nil {
		// the parses, so that the next reload parses only what changed
		b.BuildTime, b.parsed = built.BuildTime, built.parsed
		return b, use, nil
	} else {
		use.Reason += "; written but not read back: " + err.Error()
	}
	return built, use, nil
}

// BuildSnapshot builds the base from the documents and writes its
// snapshot to path, whatever is there: frontdoor kb build.
func BuildSnapshot(fsys fs.FS, opts Options, snap Snapshot) (*Base, error) {
	key, sums, err := snapshotKey(fsys, opts, snap.Build)
	if err != nil {
		return nil, err
	}
	b, err := load(fsys, opts, nil, sums)
	if err != nil {
		return nil, err
	}
	b.key = key
	return b, writeSnapshotFile(snap.Path, b, key)
}

// writeSnapshotFile writes the snapshot beside path and renames it into
// place once it is on disk.
func writeSnapshotFile(path string, b *Base, key [32]byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := b.WriteSnapshot(tmp, key); err != nil {
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

// openSnapshot reads the snapshot at path if its key is key and its
// checksum holds. The checksum is computed over reads of the file, not of
// the mapping, so that checking it leaves the pages in the system's file
// cache, not in the process.
func openSnapshot(path string, key [32]byte, fsys fs.FS, opts Options) (*Base, error) {
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
	length, sum, err := snapshotPayload(head, key, info.Size())
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
	b.key, b.mapped = key, true
	return b, nil
}
