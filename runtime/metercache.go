package runtime

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"

	"github.com/subnetd/subnetd/runtime/internal/meter"
)

// The meter's output is cached on disk beside the engine's compiled code, so that loading a
// module a process has seen before skips instrumentation too (0.25 s for CPython's 13 MB): the
// engine's own cache is keyed by the metered bytes, which therefore have to be known first.
//
// A cache file is named by the sha256 of the module it was made from (custom sections stripped)
// under the meter's version, and holds: magic, one flag byte (bit 0: the module had a start
// function; bit 1: its code writes tables), the CRC-32C of the metered bytes, then the metered
// bytes. A file that is short, of another format, or whose bytes do not match the checksum is
// ignored and rewritten: the cache can cost a re-instrumentation, never a wrong module. (A
// checksum finds damage; the directory is trusted like the engines' compiled code beside it.)

var meterCacheMagic = []byte("subnetd-metered\x02")

// castagnoli is the CRC-32C table (computed in hardware where the CPU has it) for cache files.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// meterCachePath is where the metered form of the module with sha256 key is kept.
func meterCachePath(dir, key string) string {
	return filepath.Join(dir, "metered", meter.Version+"-r"+meter.Revision, key+".wasm")
}

// meteredFlags are the facts about a metered module that the runtime needs besides its bytes.
type meteredFlags struct {
	hasStart     bool // the start function is exported as meter.StartExport
	writesTables bool // meter.Info.WritesTables
}

func (f meteredFlags) byte() byte {
	var b byte
	if f.hasStart {
		b |= 1
	}
	if f.writesTables {
		b |= 2
	}
	return b
}

// loadMetered returns the cached metered module for key, or ok false.
func loadMetered(dir, key string) (metered []byte, flags meteredFlags, ok bool) {
	if dir == "" {
		return nil, flags, false
	}
	b, err := os.ReadFile(meterCachePath(dir, key))
	head := len(meterCacheMagic) + 1 + 4
	if err != nil || len(b) < head || !bytes.Equal(b[:len(meterCacheMagic)], meterCacheMagic) {
		return nil, flags, false
	}
	flag, sum, body := b[len(meterCacheMagic)], binary.LittleEndian.Uint32(b[len(meterCacheMagic)+1:]), b[head:]
	if crc32.Checksum(body, castagnoli) != sum || flag > 3 {
		return nil, flags, false
	}
	return body, meteredFlags{hasStart: flag&1 != 0, writesTables: flag&2 != 0}, true
}

// storeMetered writes the metered module for key, atomically (a temporary file renamed), so a
// concurrent reader sees the old file, the new one, or none. Failures are ignored: the cache is
// an optimisation.
func storeMetered(dir, key string, metered []byte, flags meteredFlags) {
	if dir == "" {
		return
	}
	p := meterCachePath(dir, key)
	b := append(append([]byte{}, meterCacheMagic...), flags.byte())
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(metered, castagnoli))
	writeCacheFile(p, append(b, metered...))
}

// writeCacheFile writes b to path through a temporary file renamed into place, so a concurrent
// reader sees the old file, the new one, or none. Failures are ignored: caches are optimisations.
func writeCacheFile(path string, b []byte) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if werr != nil || cerr != nil || os.Rename(f.Name(), path) != nil {
		os.Remove(f.Name())
	}
}
