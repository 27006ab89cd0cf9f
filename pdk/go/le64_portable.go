//go:build !(wasm || amd64 || arm64 || 386 || ppc64le || loong64)

package pdk

// le64 reads the first eight bytes of b as a little-endian word with shifts only (no branches).
func le64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}
