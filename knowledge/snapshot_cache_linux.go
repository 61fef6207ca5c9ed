package knowledge

import (
	"os"

	"golang.org/x/sys/unix"
)

// dropCache asks the kernel to forget the file's cached pages. Pages read
// in one sweep (writing the snapshot, checking its checksum) are cached in
// large blocks, and a mapping maps a whole block for a one-byte read: a
// question would bring megabytes of index into the process for the few
// posting lists it needs. Read again through the mapping, with no read
// ahead, a page comes in alone.
func dropCache(f *os.File) { _ = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED) }
