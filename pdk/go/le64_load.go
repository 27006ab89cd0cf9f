//go:build wasm || amd64 || arm64 || 386 || ppc64le || loong64

package pdk

import "unsafe"

// le64 reads the first eight bytes of b as a little-endian word with one load: these
// architectures are little-endian and load unaligned words. Its inlining cost is a fraction
// of the portable version's, so the functions that call it (at, say) inline in turn; in Go's
// Wasm code every call costs a spill of its arguments to the stack in memory and a check on
// return.
func le64(b []byte) uint64 {
	_ = b[7]
	return *(*uint64)(unsafe.Pointer(unsafe.SliceData(b)))
}

// putLE64 writes x into the first eight bytes of b, little-endian, with one store.
func putLE64(b []byte, x uint64) {
	_ = b[7]
	*(*uint64)(unsafe.Pointer(unsafe.SliceData(b))) = x
}
