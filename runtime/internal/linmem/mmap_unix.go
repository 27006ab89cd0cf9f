//go:build unix

package linmem

import (
	"errors"
	"runtime"

	"golang.org/x/sys/unix"
)

// mapRegion reserves n bytes of zero-filled, private, anonymous memory. MAP_NORESERVE: pages
// cost nothing until touched, so reserving a memory's whole maximum is free.
func mapRegion(n uint64) ([]byte, error) {
	return unix.Mmap(-1, 0, int(n), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON|unix.MAP_NORESERVE)
}

func unmapRegion(b []byte) error { return unix.Munmap(b) }

// discard gives b's pages back to the kernel; they read as zero when touched again. Only Linux
// promises the zeros for private anonymous memory; elsewhere the caller zeroes them itself.
func discard(b []byte) error {
	if runtime.GOOS != "linux" {
		return errors.ErrUnsupported
	}
	return unix.Madvise(b, unix.MADV_DONTNEED)
}
