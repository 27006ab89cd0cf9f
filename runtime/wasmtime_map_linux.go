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
// instead costs a second copy into fresh pages (wasmtime's): a Go scorer's 17 MB of code loaded
// in about 36 ms that way, about 20 ms this way, and in 9–14 ms mapping the cache file itself,
// which TestRuntime_Load_wasmtimeCacheCutUnder shows is unsafe (docs/DECISIONS.md, 2026-12-07).
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
	if err := copyInKernel(mem, src); err != nil {
		return nil, err
	}
	const seals = unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE | unix.F_SEAL_SEAL
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		return nil, fmt.Errorf("seal the code's copy: %w", err)
	}
	m, err := wasmtime.NewModuleDeserializeFile(eng, fmt.Sprintf("/proc/self/fd/%d", fd))
	if err != nil { // no /proc, or a memory file that cannot be mapped executable: copy instead
		if _, serr := src.Seek(0, io.SeekStart); serr != nil {
			return nil, err
		}
		return deserializeRead(eng, src)
	}
	return m, nil
}

// copyInKernel copies all of src to dst with sendfile (one copy, no buffer in this process), or
// with read and write from where it stopped when sendfile cannot.
func copyInKernel(dst, src *os.File) error {
	st, err := src.Stat()
	if err != nil {
		return err
	}
	for left := st.Size(); left > 0; {
		n, err := unix.Sendfile(int(dst.Fd()), int(src.Fd()), nil, int(min(left, 1<<30)))
		if err != nil || n == 0 {
			_, err = io.Copy(dst, src)
			return err
		}
		left -= int64(n)
	}
	return nil
}
