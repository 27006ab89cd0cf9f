package snapshot

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/tetratelabs/wazero"
)

func sec(id byte, items ...[]byte) []byte {
	body := binary.AppendUvarint(nil, uint64(len(items)))
	for _, it := range items {
		body = append(body, it...)
	}
	return append(append([]byte{id}, binary.AppendUvarint(nil, uint64(len(body)))...), body...)
}

func name(s string) []byte { return append(binary.AppendUvarint(nil, uint64(len(s))), s...) }

func cat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

// module is a module with one memory (min 1 page), the given globals and exports, and one data
// segment at 16 ("hello") unless noData.
func module(globals [][]byte, extra []byte, noData bool) []byte {
	m := cat([]byte("\x00asm\x01\x00\x00\x00"), sec(secMemory, []byte{0x00, 0x01}))
	if len(globals) > 0 {
		m = cat(m, sec(secGlobal, globals...))
	}
	m = cat(m, sec(secExport, cat(name("memory"), []byte{0x02, 0x00})))
	m = cat(m, extra)
	if !noData {
		m = cat(m, sec(secData, cat([]byte{0x00, 0x41, 0x10, 0x0b}, name("hello"))))
	}
	return m
}

var (
	gI32 = []byte{0x7f, 0x01, 0x41, 0x07, 0x0b}                   // mut i32 = 7
	gI64 = []byte{0x7e, 0x01, 0x42, 0x00, 0x0b}                   // mut i64 = 0
	gF32 = []byte{0x7d, 0x01, 0x43, 0, 0, 0, 0, 0x0b}             // mut f32 = 0
	gF64 = []byte{0x7c, 0x01, 0x44, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b} // mut f64 = 0
	gCon = []byte{0x7f, 0x00, 0x41, 0x2a, 0x0b}                   // const i32 = 42
	gRef = []byte{0x70, 0x01, 0xd0, 0x70, 0x0b}                   // mut funcref = null
)

// TestBuild: a module built from an image starts with exactly that image: memory size and
// bytes, every mutable global's bits (negative integers, a NaN payload), constants unchanged.
func TestBuild(t *testing.T) {
	ctx := context.Background()
	for _, noData := range []bool{false, true} {
		prepared, globals, err := Prepare(module([][]byte{gI32, gCon, gI64, gF32, gF64}, nil, noData))
		if err != nil {
			t.Fatal(err)
		}
		if len(globals) != 4 || globals[1].Index != 2 || globals[3].Type != 0x7c {
			t.Fatalf("globals %+v", globals)
		}
		mem := make([]byte, 3*65536)
		copy(mem[16:], "hello")
		copy(mem[200:], "far from hello")                 // a second run
		copy(mem[16+5+40:], "near")                       // joined across a short gap
		mem[len(mem)-1] = 0xff                            // the last byte of the last page
		binary.LittleEndian.PutUint64(mem[70000:], 1<<63) // zeros in the same 8 bytes
		vals := []uint64{uint64(uint32(0xfffffffb)), 1 << 63, 0x7fc00001, math.Float64bits(-2.5)}
		snap, err := Build(prepared, globals, Image{Memory: mem, Globals: vals})
		if err != nil {
			t.Fatal(err)
		}
		rt := wazero.NewRuntime(ctx)
		mod, err := rt.Instantiate(ctx, snap)
		if err != nil {
			t.Fatalf("instantiate the snapshot: %v", err)
		}
		got, _ := mod.Memory().Read(0, mod.Memory().Size())
		if !bytes.Equal(got, mem) {
			t.Fatalf("memory differs (%d bytes, want %d)", len(got), len(mem))
		}
		for k, g := range globals {
			if v := mod.ExportedGlobal(g.Export).Get(); (g.Type == 0x7f || g.Type == 0x7d) && uint32(v) != uint32(vals[k]) || (g.Type == 0x7e || g.Type == 0x7c) && v != vals[k] {
				t.Fatalf("global %d = %#x, want %#x", g.Index, v, vals[k])
			}
		}
		// The immutable global is not in the image: its initialiser is kept byte for byte.
		if !bytes.Contains(snap, gCon) {
			t.Fatal("the immutable global's initialiser changed")
		}
		rt.Close(ctx)
	}
}

func TestPrepare_refused(t *testing.T) {
	imported := cat([]byte("\x00asm\x01\x00\x00\x00"), sec(secImport, cat(name("env"), name("memory"), []byte{0x02, 0x00, 0x01})))
	tests := []struct {
		name string
		wasm []byte
	}{
		{"imported memory", imported},
		{"no memory", cat([]byte("\x00asm\x01\x00\x00\x00"), sec(secExport))},
		// A data count section goes right before the data (this module has no code).
		{"data count", cat(module(nil, nil, true), []byte{secDataCount, 0x01, 0x01}, sec(secData, cat([]byte{0x01}, name("x"))))},
		{"mutable reference", module([][]byte{gRef}, nil, false)},
		{"reserved name", cat([]byte("\x00asm\x01\x00\x00\x00"), sec(secMemory, []byte{0x00, 0x01}), sec(secGlobal, gI32),
			sec(secExport, cat(name(GlobalPrefix+"0"), []byte{0x03, 0x00})))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := Prepare(tc.wasm); !errors.Is(err, ErrRefused) {
				t.Fatalf("Prepare: %v, want ErrRefused", err)
			}
		})
	}
}

// TestBuild_memoryMax: an image larger than the memory's declared maximum is an error, not a
// module that would fail to instantiate.
func TestBuild_memoryMax(t *testing.T) {
	m := cat([]byte("\x00asm\x01\x00\x00\x00"), sec(secMemory, []byte{0x01, 0x01, 0x02}), sec(secExport, cat(name("memory"), []byte{0x02, 0x00})))
	prepared, globals, err := Prepare(m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Build(prepared, globals, Image{Memory: make([]byte, 3*65536)}); err == nil {
		t.Fatal("3 pages over a maximum of 2 built")
	}
	snap, err := Build(prepared, globals, Image{Memory: make([]byte, 2*65536)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	mod, err := rt.Instantiate(ctx, snap)
	if err != nil {
		t.Fatal(err)
	}
	if mod.Memory().Size() != 2*65536 {
		t.Fatalf("memory %d bytes", mod.Memory().Size())
	}
	if d, ok := mod.Memory().Definition().Max(); !ok || d != 2 {
		t.Fatalf("maximum %d %t", d, ok)
	}
}

// TestStripData: writing the runs into an instance of the stripped module gives the memory the
// module itself starts with; segments an engine might treat differently are refused.
func TestStripData(t *testing.T) {
	ctx := context.Background()
	two := sec(secData, cat([]byte{0x00, 0x41, 0x10, 0x0b}, name("hello")), cat([]byte{0x00, 0x41, 0x12, 0x0b}, name("LL")))
	seg := func(head []byte, s string) []byte { return sec(secData, cat(head, name(s))) }
	tests := []struct {
		name    string
		wasm    []byte
		refused bool
	}{
		{"one segment", module([][]byte{gI32}, nil, false), false},
		{"no data", module(nil, nil, true), false},
		{"overlapping, in order", cat(module(nil, nil, true), two), false},
		{"passive", cat(module(nil, nil, true), seg([]byte{0x01}, "x")), true},
		{"offset from a global", cat(module([][]byte{gCon}, nil, true), seg([]byte{0x00, 0x23, 0x00, 0x0b}, "x")), true},
		{"past the initial memory", cat(module(nil, nil, true), seg([]byte{0x00, 0x41, 0xfe, 0xff, 0x03, 0x0b}, "xyz")), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prepared, _, err := Prepare(tc.wasm)
			if err != nil {
				t.Fatal(err)
			}
			code, runs, pages, err := StripData(prepared)
			if tc.refused {
				if !errors.Is(err, ErrRefused) {
					t.Fatalf("StripData: %v, want ErrRefused", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rt := wazero.NewRuntime(ctx)
			defer rt.Close(ctx)
			want, err := rt.Instantiate(ctx, prepared)
			if err != nil {
				t.Fatal(err)
			}
			got, err := rt.InstantiateWithConfig(ctx, code, wazero.NewModuleConfig().WithName("code"))
			if err != nil {
				t.Fatal(err)
			}
			if pages != 1 || got.Memory().Size() != 65536 {
				t.Fatalf("pages %d, memory %d bytes", pages, got.Memory().Size())
			}
			for _, r := range runs {
				got.Memory().Write(r.Offset, r.Bytes)
			}
			a, _ := want.Memory().Read(0, want.Memory().Size())
			b, _ := got.Memory().Read(0, got.Memory().Size())
			if !bytes.Equal(a, b) {
				t.Fatal("memory differs from the module's own")
			}
		})
	}
}

// TestRuns: the runs of a memory rebuild it from zeros, and skip long zero stretches.
func TestRuns(t *testing.T) {
	mem := make([]byte, 65536)
	copy(mem[3:], "a")
	copy(mem[3+1+maxGap:], "b") // joined to "a": a gap of exactly maxGap
	copy(mem[5000:], "far")     // a run of its own
	mem[len(mem)-1] = 9         // the last byte
	runs := Runs(mem)
	if len(runs) != 3 {
		t.Fatalf("%d runs, want 3", len(runs))
	}
	out := make([]byte, len(mem))
	for _, r := range runs {
		copy(out[r.Offset:], r.Bytes)
	}
	if !bytes.Equal(out, mem) {
		t.Fatal("runs do not rebuild the memory")
	}
}
