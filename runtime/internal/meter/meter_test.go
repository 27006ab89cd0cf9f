package meter

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/subnetd/subnetd/runtime/internal/wasmbin"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// A small module writer: enough to hand-craft the modules these tests need.

func uleb(v uint64) []byte { return wasmbin.AppendULEB(nil, v) }

func name(s string) []byte { return wasmbin.AppendName(nil, s) }

func vec(items ...[]byte) []byte {
	out := uleb(uint64(len(items)))
	for _, it := range items {
		out = append(out, it...)
	}
	return out
}

func sec(id byte, body []byte) []byte { return wasmbin.AppendSection(nil, id, body) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// body is a function body: no locals, the instructions, end.
func body(instrs ...byte) []byte {
	b := append([]byte{0x00}, instrs...)
	b = append(b, 0x0b)
	return append(uleb(uint64(len(b))), b...)
}

const (
	i32 = 0x7f
	i64 = 0x7e
)

// run instruments wasm, instantiates it on wazero with a host yield that traps at a negative
// counter, gives it gas and calls export with args. It returns the results, the gas used and
// the call's error.
func run(t *testing.T, wasm []byte, gas int64, export string, args ...uint64) ([]uint64, int64, error) {
	t.Helper()
	out, _, err := Instrument(wasm)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	t.Cleanup(func() { rt.Close(ctx) })
	var mod api.Module
	_, err = rt.NewHostModuleBuilder(YieldModule).NewFunctionBuilder().WithFunc(func() int32 {
		g := int64(mod.ExportedGlobal(GasExport).Get())
		if g < 0 {
			return 1
		}
		mod.ExportedGlobal(MarkExport).(api.MutableGlobal).Set(uint64(max(g-YieldInterval, 0)))
		return 0
	}).Export(YieldName).Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mod, err = rt.InstantiateWithConfig(ctx, out, wazero.NewModuleConfig().WithStartFunctions())
	if err != nil {
		t.Fatalf("instrumented module does not instantiate: %v", err)
	}
	mod.ExportedGlobal(GasExport).(api.MutableGlobal).Set(uint64(gas))
	mod.ExportedGlobal(MarkExport).(api.MutableGlobal).Set(uint64(max(gas-YieldInterval, 0)))
	res, err := mod.ExportedFunction(export).Call(ctx, args...)
	return res, gas - int64(mod.ExportedGlobal(GasExport).Get()), err
}

// mod builds a module with one type per function and the given bodies, exporting
// function i as "f<i>".
func mod(types [][]byte, bodies [][]byte, extra ...[]byte) []byte {
	var fs, ex [][]byte
	for i := range bodies {
		fs = append(fs, uleb(uint64(i)))
		ex = append(ex, cat(name("f"+string(rune('0'+i))), []byte{0x00}, uleb(uint64(i))))
	}
	return cat([]byte("\x00asm\x01\x00\x00\x00"), sec(1, vec(types...)), sec(3, vec(fs...)),
		sec(7, vec(ex...)), sec(10, vec(bodies...)), cat(extra...))
}

func functype(params, results []byte) []byte {
	return cat([]byte{0x60}, uleb(uint64(len(params))), params, uleb(uint64(len(results))), results)
}

func TestInstrument_gas(t *testing.T) {
	v2i := functype(nil, []byte{i32})
	tests := []struct {
		name string
		body []byte
		args []uint64
		want uint64 // result
		gas  int64  // exact gas used
	}{
		// i32.const 7: one instruction (end is free).
		{"const", body(0x41, 0x07), nil, 7, 1},
		// block, nop and end cost nothing: i32.const, br 0 → 2.
		{"structure is free", body(0x02, 0x7f, 0x01, 0x41, 0x05, 0x0c, 0x00, 0x0b), nil, 5, 2},
		// if/else: the condition segment (i32.const, if) = 2, then the then arm, whose segment
		// ends with the else that jumps over the other arm (i32.const, else) = 2.
		{"if taken", body(0x41, 0x01, 0x04, 0x7f, 0x41, 0x0a, 0x05, 0x41, 0x14, 0x0b), nil, 10, 4},
		// the else arm: the condition segment (2), then the else arm's i32.const (1).
		{"if not taken", body(0x41, 0x00, 0x04, 0x7f, 0x41, 0x0a, 0x05, 0x41, 0x14, 0x0b), nil, 20, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, used, err := run(t, mod([][]byte{v2i}, [][]byte{tc.body}), 1000, "f0", tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if res[0] != tc.want || used != tc.gas {
				t.Fatalf("result %d gas %d, want %d and %d", res[0], used, tc.want, tc.gas)
			}
		})
	}
}

// A counted loop: the gas is a closed form of the iteration count.
func TestInstrument_loop(t *testing.T) {
	// (param $n i32) (result i32): loop { n = n - 1; br_if 0 (n) } ; n
	loop := body(
		0x03, 0x40, // loop
		0x20, 0x00, 0x41, 0x01, 0x6b, 0x21, 0x00, // local.get, i32.const 1, i32.sub, local.set: 4
		0x20, 0x00, 0x0d, 0x00, // local.get, br_if 0: 2
		0x0b,       // end
		0x20, 0x00, // local.get: 1
	)
	m := mod([][]byte{functype([]byte{i32}, []byte{i32})}, [][]byte{loop})
	for _, n := range []uint64{1, 10, 1000} {
		_, used, err := run(t, m, 1_000_000, "f0", n)
		if err != nil {
			t.Fatal(err)
		}
		if want := int64(6*n + 1); used != want {
			t.Fatalf("n=%d: gas %d, want %d", n, used, want)
		}
	}
	// An endless loop ends by gas, at the first check past the budget.
	endless := mod([][]byte{functype(nil, nil)}, [][]byte{body(0x03, 0x40, 0x0c, 0x00, 0x0b)})
	_, used, err := run(t, endless, 1000, "f0")
	if err == nil || used != 1001 {
		t.Fatalf("endless loop: err %v, gas %d; want a trap at 1001", err, used)
	}
}

// Calls, exports, the start function, element segments and ref.func are renumbered around the
// added import; the call depth limit traps deterministically.
func TestInstrument_renumber(t *testing.T) {
	v2i := functype(nil, []byte{i32})
	// f0: call_indirect type 0 through table slot 1 (= f2); f1: call f2; f2: i32.const 42.
	bodies := [][]byte{
		body(0x41, 0x01, 0x11, 0x00, 0x00),
		body(0x10, 0x02),
		body(0x41, 0x2a),
	}
	table := sec(4, vec([]byte{0x70, 0x00, 0x02}))
	elem := sec(9, vec(cat([]byte{0x00, 0x41, 0x00, 0x0b}, vec(uleb(0), uleb(2)))))
	// The table goes before the export section and the element segment before the code.
	m := cat([]byte("\x00asm\x01\x00\x00\x00"), sec(1, vec(v2i)), sec(3, vec(uleb(0), uleb(0), uleb(0))), table,
		sec(7, vec(cat(name("f0"), []byte{0}, uleb(0)), cat(name("f1"), []byte{0}, uleb(1)))), elem, sec(10, vec(bodies...)))
	for _, f := range []string{"f0", "f1"} {
		res, _, err := run(t, m, 1000, f)
		if err != nil || res[0] != 42 {
			t.Fatalf("%s = %v, %v; want 42", f, res, err)
		}
	}
	// Unbounded recursion traps at MaxDepth with the depth counter past it.
	rec := mod([][]byte{functype(nil, nil)}, [][]byte{body(0x10, 0x00)})
	_, used, err := run(t, rec, 1<<40, "f0")
	if err == nil || used != MaxDepth+1 {
		t.Fatalf("recursion: %v after %d gas, want a trap after %d", err, used, MaxDepth+1)
	}
}

func TestInstrument_refuses(t *testing.T) {
	v2v := functype(nil, nil)
	tests := []struct {
		name string
		wasm []byte
		want error
	}{
		{"not wasm", []byte("hello"), ErrMalformed},
		{"SIMD", mod([][]byte{v2v}, [][]byte{body(0xfd, 0x0c)}), ErrUnsupported},
		{"atomics", mod([][]byte{v2v}, [][]byte{body(0xfe, 0x03, 0x00)}), ErrUnsupported},
		{"tail call", mod([][]byte{v2v}, [][]byte{body(0x12, 0x00)}), ErrUnsupported},
		{"exceptions", mod([][]byte{v2v}, [][]byte{body(0x08, 0x00)}), ErrUnsupported},
		{"unknown 0xfc", mod([][]byte{v2v}, [][]byte{body(0xfc, 0x13)}), ErrUnsupported},
		{"truncated body", cat([]byte("\x00asm\x01\x00\x00\x00"), sec(1, vec(v2v)), sec(3, vec(uleb(0))),
			sec(10, vec(cat(uleb(3), []byte{0x00, 0x41, 0x80})))), ErrMalformed},
		{"reserved export", cat([]byte("\x00asm\x01\x00\x00\x00"), sec(1, vec(v2v)), sec(3, vec(uleb(0))),
			sec(7, vec(cat(name(GasExport), []byte{0}, uleb(0)))), sec(10, vec(body()))), ErrUnsupported},
		{"custom sections kept", mod([][]byte{v2v}, [][]byte{body()}, sec(0, cat(name("x"), []byte{1, 2}))), nil},
		{"blocks at the limit", mod([][]byte{v2v}, [][]byte{body(bytes.Repeat([]byte{0x02, 0x40, 0x0b}, MaxBlocks)...)}), nil},
		{"blocks past the limit", mod([][]byte{v2v}, [][]byte{body(bytes.Repeat([]byte{0x02, 0x40, 0x0b}, MaxBlocks+1)...)}), ErrUnsupported},
		{"nested past the limit", mod([][]byte{v2v}, [][]byte{body(append(bytes.Repeat([]byte{0x03, 0x40}, MaxBlocks+1), bytes.Repeat([]byte{0x0b}, MaxBlocks+1)...)...)}), ErrUnsupported},
		{"body past the limit", mod([][]byte{v2v}, [][]byte{body(bytes.Repeat([]byte{0x01}, MaxFunctionBytes)...)}), ErrUnsupported},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Instrument(tc.wasm)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("error = %v, want %v", err, tc.want)
			}
		})
	}
}

// The output is a pure function of the input.
func TestInstrument_deterministic(t *testing.T) {
	m := mod([][]byte{functype(nil, []byte{i32})}, [][]byte{body(0x41, 0x07)})
	a, _, err := Instrument(m)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		b, _, _ := Instrument(m)
		if !bytes.Equal(a, b) {
			t.Fatal("instrumenting twice gave different bytes")
		}
	}
}

// FuzzInstrument: any bytes give an error or, for a valid module, a module that is still
// valid; never a panic. (The meter runs first: wazero itself can take minutes on some
// invalid inputs, which screening and the meter refuse before any engine sees them, and it
// sets memory aside for every table and data segment a module declares, which screening reads
// first: countsFit.)
func FuzzInstrument(f *testing.F) {
	f.Add(mod([][]byte{functype(nil, []byte{i32})}, [][]byte{body(0x41, 0x07)}))
	f.Add(mod([][]byte{functype([]byte{i32}, nil)}, [][]byte{body(0x03, 0x40, 0x20, 0x00, 0x0d, 0x00, 0x0b)}))
	f.Fuzz(func(t *testing.T, wasm []byte) {
		out, _, err := Instrument(wasm)
		if err != nil || !countsFit(wasm) {
			return
		}
		ctx := context.Background()
		rt := wazero.NewRuntime(ctx)
		defer rt.Close(ctx)
		if _, err := rt.CompileModule(ctx, wasm); err != nil {
			return // only valid modules must stay valid
		}
		_, err = rt.NewHostModuleBuilder(YieldModule).NewFunctionBuilder().
			WithFunc(func() int32 { return 0 }).Export(YieldName).Instantiate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rt.CompileModule(ctx, out); err != nil {
			t.Fatalf("a valid module became invalid: %v", err)
		}
	})
}

// TestCapTables: every table gets a maximum of at most MaxTableEntries; a smaller declared
// maximum is kept; a table starting above the cap, or with other limits flags, is refused.
func TestCapTables(t *testing.T) {
	u := func(v uint64) []byte { return wasmbin.AppendULEB(nil, v) }
	table := func(flags byte, min, max uint64) []byte {
		b := append([]byte{0x70, flags}, u(min)...)
		if flags&1 != 0 {
			b = append(b, u(max)...)
		}
		return b
	}
	sec := func(tables ...[]byte) []byte { return append(u(uint64(len(tables))), bytes.Join(tables, nil)...) }
	tests := []struct {
		name string
		in   []byte
		want []byte // nil: refused
	}{
		{"no maximum", sec(table(0, 6341, 0)), sec(table(1, 6341, MaxTableEntries))},
		{"larger maximum", sec(table(1, 1, 1<<27)), sec(table(1, 1, MaxTableEntries))},
		{"smaller maximum kept", sec(table(1, 63, 63)), sec(table(1, 63, 63))},
		{"two tables", sec(table(0, 0, 0), table(1, 2, 5)), sec(table(1, 0, MaxTableEntries), table(1, 2, 5))},
		{"starts above the cap", sec(table(0, MaxTableEntries+1, 0)), nil},
		{"64-bit table", sec(table(4, 1, 0)), nil},
		{"cut short", u(2), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := capTables(tt.in)
			if tt.want == nil {
				if err == nil {
					t.Fatalf("capTables accepted %x", tt.in)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tt.want) {
				t.Fatalf("capTables = %x, %v; want %x", got, err, tt.want)
			}
		})
	}
}

// countsFit reports whether the module's table and data sections hold what they declare, as
// runtime's screening checks before any engine sees a module (wazero sets memory aside for
// every declared table and data segment: a few bytes can ask it for hundreds of GiB).
func countsFit(wasm []byte) bool {
	if len(wasm) < 8 {
		return false
	}
	r := wasmbin.Reader{B: wasm, Off: 8}
	for !r.Done() {
		id, body, err := r.Section()
		if err != nil {
			return false
		}
		switch id {
		case 4:
			if _, err := wasmbin.TableSection(body); err != nil {
				return false
			}
		case 11:
			if wasmbin.DataSection(body) != nil {
				return false
			}
		}
	}
	return true
}
