//go:build unix

package knowledge

import (
	"os"
	"syscall"
)

// mapFile maps a snapshot read-only. The mapping is never undone while
// the base lives, and a base's strings may outlive it in replies, so a
// base read from a snapshot keeps its mapping for the life of the
// process: a reload with new documents maps a new file, and the kernel
// drops the old one's pages as they go unused (they are clean).
func mapFile(f *os.File, size int64) ([]byte, error) {
	if size == 0 {
		return nil, syscall.EINVAL
	}
	return syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
}

// unmapFile undoes a mapping nothing was read from.
func unmapFile(data []byte) { _ = syscall.Munmap(data) }
