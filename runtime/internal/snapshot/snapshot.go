// Package snapshot bakes the state a module's start-up left in an instance (its memory, its
// size and its mutable globals) into a new module that starts in that state, as the Wizer tool
// does: instantiating the result skips the start-up.
//
// It works in two steps on a metered module (the meter has already turned the start function
// into an export, so no start section runs at instantiation). Prepare checks that everything a
// start-up can change is something a module can declare, and exports every mutable global under
// a reserved name so that the host can read it; the host instantiates that module, runs the
// start-up, and reads the memory and the globals (an Image). Build then writes the module with
// the image: memory's initial size is the size after the start-up, the data segments are the
// non-zero runs of the memory, and every mutable global starts at the value it had. The code,
// the tables, the element segments and the exports are unchanged.
//
// What Prepare refuses (ErrRefused) is what an image could not carry: an imported memory or
// global, a data count section (memory.init and data.drop make the segments' later use state
// of the instance), a mutable global of a reference type, or a module without a memory. Table
// writes are the caller's to rule out (meter.Info.WritesTables): tables are not in the image.
package snapshot

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	"github.com/subnetd/subnetd/runtime/internal/wasmbin"
)

// GlobalPrefix starts the name under which Prepare exports each mutable global; the defined
// global's index follows it.
const GlobalPrefix = "subnetd_snapshot_global_"

// ErrRefused is returned for a module whose start-up state an image cannot carry.
var ErrRefused = errors.New("cannot be snapshotted")

// Global is a mutable global of the module, exported by Prepare as Export.
type Global struct {
	// Index is the global's index (imported globals first: there are none).
	Index uint32
	// Type is its value type (0x7f i32, 0x7e i64, 0x7d f32, 0x7c f64).
	Type byte
	// Export is the name Prepare exported it under.
	Export string
}

// Image is an instance's state after its start-up.
type Image struct {
	// Memory is the whole linear memory; its length is a whole number of 64 KiB pages.
	Memory []byte
	// Globals are the values of Prepare's globals, in its order, as raw bits (an i32 or f32 in
	// the low 32 bits).
	Globals []uint64
}

// Section ids.
const (
	secCustom    = 0
	secImport    = 2
	secMemory    = 5
	secGlobal    = 6
	secExport    = 7
	secStart     = 8
	secCode      = 10
	secData      = 11
	secDataCount = 12
)

type section struct {
	id   byte
	body []byte
}

func sections(wasm []byte) ([]section, error) {
	if len(wasm) < 8 || string(wasm[:4]) != "\x00asm" {
		return nil, fmt.Errorf("%w: no WebAssembly header", wasmbin.ErrMalformed)
	}
	r := wasmbin.Reader{B: wasm, Off: 8}
	var out []section
	for !r.Done() {
		id, body, err := r.Section()
		if err != nil {
			return nil, err
		}
		out = append(out, section{id, body})
	}
	return out, nil
}

// Prepare checks that a snapshot of wasm can carry everything its start-up may change and
// returns wasm with every mutable global exported (GlobalPrefix + index), and those globals.
func Prepare(wasm []byte) ([]byte, []Global, error) {
	secs, err := sections(wasm)
	if err != nil {
		return nil, nil, err
	}
	var (
		globals   []Global
		hasMemory bool
		exports   []byte
	)
	for _, s := range secs {
		r := wasmbin.Reader{B: s.body}
		switch s.id {
		case secImport:
			n, err := r.U32()
			if err != nil {
				return nil, nil, err
			}
			for i := uint32(0); i < n; i++ {
				im, err := r.Import()
				if err != nil {
					return nil, nil, err
				}
				if im.Kind != wasmbin.KindFunc {
					return nil, nil, fmt.Errorf("%w: it imports %s.%s, which is not a function", ErrRefused, im.Module, im.Name)
				}
			}
		case secMemory:
			n, err := r.U32()
			if err != nil {
				return nil, nil, err
			}
			if n != 1 {
				return nil, nil, fmt.Errorf("%w: it defines %d memories", ErrRefused, n)
			}
			hasMemory = true
		case secGlobal:
			n, err := r.U32()
			if err != nil {
				return nil, nil, err
			}
			for i := uint32(0); i < n; i++ {
				t, err := r.Bytes(2)
				if err != nil {
					return nil, nil, err
				}
				if _, err := r.ConstExpr(); err != nil {
					return nil, nil, fmt.Errorf("global %d: %w", i, err)
				}
				if t[1] != 1 {
					continue
				}
				switch t[0] {
				case 0x7f, 0x7e, 0x7d, 0x7c:
				default:
					return nil, nil, fmt.Errorf("%w: global %d is a mutable reference", ErrRefused, i)
				}
				globals = append(globals, Global{Index: i, Type: t[0], Export: GlobalPrefix + strconv.Itoa(int(i))})
			}
		case secExport:
			n, err := r.U32()
			if err != nil {
				return nil, nil, err
			}
			for i := uint32(0); i < n; i++ {
				e, err := r.Export()
				if err != nil {
					return nil, nil, err
				}
				if len(e.Name) >= len(GlobalPrefix) && e.Name[:len(GlobalPrefix)] == GlobalPrefix {
					return nil, nil, fmt.Errorf("%w: it exports %q, a reserved name", ErrRefused, e.Name)
				}
			}
			exports = s.body
		case secDataCount:
			return nil, nil, fmt.Errorf("%w: it has a data count section (memory.init or data.drop)", ErrRefused)
		case secStart:
			return nil, nil, fmt.Errorf("%w: it has a start section", ErrRefused)
		}
	}
	if !hasMemory {
		return nil, nil, fmt.Errorf("%w: it defines no memory", ErrRefused)
	}
	if exports == nil {
		return nil, nil, fmt.Errorf("%w: it has no export section", ErrRefused)
	}
	out := append([]byte(nil), wasm[:8]...)
	for _, s := range secs {
		body := s.body
		if s.id == secExport {
			r := wasmbin.Reader{B: body}
			n, _ := r.U32()
			nb := binary.AppendUvarint(nil, uint64(n)+uint64(len(globals)))
			nb = append(nb, body[r.Off:]...)
			for _, g := range globals {
				nb = wasmbin.AppendName(nb, g.Export)
				nb = append(nb, wasmbin.KindGlobal)
				nb = binary.AppendUvarint(nb, uint64(g.Index))
			}
			body = nb
		}
		out = wasmbin.AppendSection(out, s.id, body)
	}
	return out, globals, nil
}

// Build returns the module prepared (Prepare's output, with its globals) that starts in img:
// memory's minimum is img's size, the data segments are img's non-zero runs, and each of the
// globals starts at its value in img.
func Build(prepared []byte, globals []Global, img Image) ([]byte, error) {
	if len(img.Memory)%65536 != 0 || len(img.Globals) != len(globals) {
		return nil, fmt.Errorf("image: %d bytes of memory, %d globals for %d", len(img.Memory), len(img.Globals), len(globals))
	}
	secs, err := sections(prepared)
	if err != nil {
		return nil, err
	}
	vals := map[uint32]int{}
	for k, g := range globals {
		vals[g.Index] = k
	}
	hasData := false
	for _, s := range secs {
		hasData = hasData || s.id == secData
	}
	out := append([]byte(nil), prepared[:8]...)
	wroteData := false
	for _, s := range secs {
		var body []byte
		switch s.id {
		case secMemory:
			r := wasmbin.Reader{B: s.body}
			if _, err := r.U32(); err != nil {
				return nil, err
			}
			flags, _, maxPages, err := r.Limits()
			if err != nil {
				return nil, err
			}
			if flags > 1 {
				return nil, fmt.Errorf("%w: memory limits flags 0x%02x", ErrRefused, flags)
			}
			pages := uint64(len(img.Memory) / 65536)
			if flags&1 != 0 && pages > maxPages {
				return nil, fmt.Errorf("image: %d pages, the memory's maximum is %d", pages, maxPages)
			}
			body = append([]byte{1, flags}, binary.AppendUvarint(nil, pages)...)
			if flags&1 != 0 {
				body = binary.AppendUvarint(body, maxPages)
			}
		case secGlobal:
			body, err = rewriteGlobals(s.body, vals, img.Globals)
			if err != nil {
				return nil, err
			}
		case secData:
			body, wroteData = dataSegments(img.Memory), true
		default:
			body = s.body
		}
		out = wasmbin.AppendSection(out, s.id, body)
		if s.id == secCode && !hasData {
			// Data follows code; a module with no data section gets one here.
			out, wroteData = wasmbin.AppendSection(out, secData, dataSegments(img.Memory)), true
		}
	}
	if !wroteData {
		out = wasmbin.AppendSection(out, secData, dataSegments(img.Memory))
	}
	return out, nil
}

// rewriteGlobals gives each global in vals the constant initialiser of its value.
func rewriteGlobals(body []byte, vals map[uint32]int, values []uint64) ([]byte, error) {
	r := wasmbin.Reader{B: body}
	n, err := r.U32()
	if err != nil {
		return nil, err
	}
	out := binary.AppendUvarint(nil, uint64(n))
	for i := uint32(0); i < n; i++ {
		t, err := r.Bytes(2)
		if err != nil {
			return nil, err
		}
		start := r.Off
		if _, err := r.ConstExpr(); err != nil {
			return nil, err
		}
		out = append(out, t...)
		k, ok := vals[i]
		if !ok {
			out = append(out, body[start:r.Off]...)
			continue
		}
		v := values[k]
		switch t[0] {
		case 0x7f:
			out = wasmbin.AppendSLEB(append(out, 0x41), int64(int32(uint32(v))))
		case 0x7e:
			out = wasmbin.AppendSLEB(append(out, 0x42), int64(v))
		case 0x7d:
			out = binary.LittleEndian.AppendUint32(append(out, 0x43), uint32(v))
		case 0x7c:
			out = binary.LittleEndian.AppendUint64(append(out, 0x44), v)
		default:
			return nil, fmt.Errorf("%w: global %d has type 0x%02x", ErrRefused, i, t[0])
		}
		out = append(out, 0x0b)
	}
	return out, nil
}

// maxGap is the longest run of zero bytes a data segment spans rather than ending: a segment
// costs an engine a little on every instantiation, 64 zero bytes cost a copy of 64 bytes.
const maxGap = 64

// Run is a stretch of a memory image: Bytes at Offset.
type Run struct {
	Offset uint32
	Bytes  []byte
}

// Runs returns the non-zero bytes of mem as ascending, disjoint runs (spanning zero gaps of at
// most maxGap bytes): writing them into a zeroed memory of mem's size gives mem. The runs alias
// mem.
func Runs(mem []byte) []Run {
	var runs []Run
	for i := 0; i < len(mem); {
		// Skip zeros, eight bytes at a time where aligned.
		for i < len(mem) && mem[i] == 0 {
			if i%8 == 0 && i+8 <= len(mem) && binary.LittleEndian.Uint64(mem[i:]) == 0 {
				i += 8
				continue
			}
			i++
		}
		if i >= len(mem) {
			break
		}
		start := i
		zeros := 0
		for i < len(mem) && zeros <= maxGap {
			if mem[i] == 0 {
				zeros++
			} else {
				zeros = 0
			}
			i++
		}
		runs = append(runs, Run{Offset: uint32(start), Bytes: mem[start : i-zeros]})
	}
	return runs
}

// dataSegments is the data section that writes the non-zero bytes of mem into a zeroed memory:
// active segments in memory 0 at constant offsets, ascending and disjoint.
func dataSegments(mem []byte) []byte {
	runs := Runs(mem)
	out := binary.AppendUvarint(nil, uint64(len(runs)))
	for _, r := range runs {
		out = append(out, 0x00, 0x41)
		out = wasmbin.AppendSLEB(out, int64(int32(r.Offset)))
		out = append(out, 0x0b)
		out = binary.AppendUvarint(out, uint64(len(r.Bytes)))
		out = append(out, r.Bytes...)
	}
	return out
}

// StripData returns prepared (Prepare's output) without its data section, the segments that
// section wrote as runs, in order, and the memory's initial size in pages: instantiating the
// result and writing the runs into its memory gives the instance prepared gives. It refuses
// (ErrRefused) a segment that is not active in memory 0 at an i32.const offset, or that does not
// fit in the initial memory (an engine fails such an instantiation with its own error, which
// the caller keeps by not stripping).
func StripData(prepared []byte) (code []byte, runs []Run, pages uint32, err error) {
	secs, err := sections(prepared)
	if err != nil {
		return nil, nil, 0, err
	}
	var minPages uint64
	for _, s := range secs {
		if s.id != secMemory {
			continue
		}
		r := wasmbin.Reader{B: s.body}
		if _, err := r.U32(); err != nil {
			return nil, nil, 0, err
		}
		if _, minPages, _, err = r.Limits(); err != nil {
			return nil, nil, 0, err
		}
	}
	if minPages > 65536 {
		return nil, nil, 0, fmt.Errorf("%w: memory of %d pages", ErrRefused, minPages)
	}
	size := minPages * 65536
	out := append([]byte(nil), prepared[:8]...)
	for _, s := range secs {
		if s.id != secData {
			out = wasmbin.AppendSection(out, s.id, s.body)
			continue
		}
		r := wasmbin.Reader{B: s.body}
		n, err := r.U32()
		if err != nil {
			return nil, nil, 0, err
		}
		for i := uint32(0); i < n; i++ {
			head, err := r.Bytes(2)
			if err != nil {
				return nil, nil, 0, err
			}
			if head[0] != 0x00 || head[1] != 0x41 {
				return nil, nil, 0, fmt.Errorf("%w: data segment %d is not active at an i32.const offset", ErrRefused, i)
			}
			off, err := r.SLEB(32)
			if err != nil {
				return nil, nil, 0, err
			}
			if end, err := r.Byte(); err != nil || end != 0x0b {
				return nil, nil, 0, fmt.Errorf("%w: data segment %d's offset is not a constant", ErrRefused, i)
			}
			l, err := r.U32()
			if err != nil {
				return nil, nil, 0, err
			}
			b, err := r.Bytes(int(l))
			if err != nil {
				return nil, nil, 0, err
			}
			if uint64(uint32(off))+uint64(l) > size {
				return nil, nil, 0, fmt.Errorf("%w: data segment %d does not fit in the initial memory", ErrRefused, i)
			}
			runs = append(runs, Run{Offset: uint32(off), Bytes: b})
		}
	}
	return out, runs, uint32(minPages), nil
}
