//go:build wasmtime && !linux

package runtime

import (
	"os"

	"github.com/bytecodealliance/wasmtime-go/v37"
)

// deserializeCached reads the code wasmtime serialized to path into memory and deserializes it
// from there (wasmtime_map_linux.go says why the file is not mapped as it is).
func deserializeCached(eng *wasmtime.Engine, path string) (*wasmtime.Module, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return deserializeRead(eng, f)
}
