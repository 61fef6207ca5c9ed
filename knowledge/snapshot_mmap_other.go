//go:build !unix

package knowledge

import (
	"io"
	"os"
	"unsafe"
)

// mapFile reads a snapshot into memory, 8-aligned, where there is no
// mmap.
func mapFile(f *os.File, size int64) ([]byte, error) {
	words := make([]uint64, (size+7)/8)
	data := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(words))), size)
	_, err := f.ReadAt(data, 0)
	if err == io.EOF {
		err = nil
	}
	return data, err
}

func unmapFile([]byte) {}
