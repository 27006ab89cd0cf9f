//go:build wasmtime && linux

package runtime

import (
	"fmt"
	"io"
	"os"

	"github.com/bytecodealliance/wasmtime-go/v37"
	"golang.org/x/sys/unix"
)

// deserializeCached reads the code wasmtime serialized to path. wasmtime maps the file it is
// given rather than copying it, and a mapped file that is cut short under the mapping faults
// the process (SIGBUS), so the file is first copied, in the kernel, into a sealed memory file
// that nothing can shrink or write, and that copy is mapped. Reading the bytes into Go memory
// instead costs wasmtime a second copy into fresh pages: a Go scorer's 17 MB of code loaded
// in about 36 ms that way, 9–14 ms this way (docs/DECISIONS.md, 2026-12-07).
func deserializeCached(eng *wasmtime.Engine, path string) (*wasmtime.Module, error) {
	src, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	fd, err := unix.MemfdCreate("subnetd-code", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return deserializeRead(eng, src)
	}
	mem := os.NewFile(uintptr(fd), "subnetd-code")
	defer mem.Close()
	if _, err := io.Copy(mem, src); err != nil {
		return nil, err
	}
	const seals = unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE | unix.F_SEAL_SEAL
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		return nil, fmt.Errorf("seal the code's copy: %w", err)
	}
	return wasmtime.NewModuleDeserializeFile(eng, fmt.Sprintf("/proc/self/fd/%d", fd))
}
