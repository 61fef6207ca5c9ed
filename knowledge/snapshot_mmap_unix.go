//go:build unix

package knowledge

import (
	"os"
	"syscall"
)

// mapFile maps a snapshot read-only. A base's strings may outlive it in
// replies, so a base read from a snapshot keeps its mapping for the life
// of the process; that is why a server maps a snapshot at start-up only
// (LoadWithSnapshot), and a reload serves the base it built.
func mapFile(f *os.File, size int64) ([]byte, error) {
	if size == 0 {
		return nil, syscall.EINVAL
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, err
	}
	// A question reads a few short posting lists scattered over the file:
	// reading ahead around each would bring in pages no question asked for.
	_ = syscall.Madvise(data, syscall.MADV_RANDOM)
	return data, nil
}

// unmapFile undoes a mapping nothing was read from.
func unmapFile(data []byte) { _ = syscall.Munmap(data) }
