package meter

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// genModule writes a random valid module: an imported host function env.h and n defined
// functions, all (i32) -> i32, every one in a table and exported as f<i>, one page of memory.
// The bodies mix arithmetic, if/else, blocks, counted loops (nested), br, br_if and br_table to
// any label (the function's too), return, direct and indirect calls (recursion included, so
// some calls reach MaxDepth), loads (some out of bounds), memory.fill, memory.grow and
// unreachable: everything the meter treats apart.
func genModule(rng *rand.Rand, n int) []byte {
	g := &gen{rng: rng, funcs: n + 1}
	var bodies [][]byte
	for i := 0; i < n; i++ {
		g.budget = 60 + rng.IntN(120)
		code := g.stmts(0, 0)
		code = append(code, 0x20, 0x00) // local.get 0: the result
		fn := append([]byte{0x01, 0x05, i32}, code...)
		fn = append(fn, 0x0b)
		bodies = append(bodies, append(uleb(uint64(len(fn))), fn...))
	}
	t := functype([]byte{i32}, []byte{i32})
	imp := cat(name("env"), name("h"), []byte{0x00, 0x00})
	var fs, ex, elems [][]byte
	for i := 0; i < n; i++ {
		fs = append(fs, uleb(0))
		ex = append(ex, cat(name(fmt.Sprintf("f%d", i)), []byte{0x00}, uleb(uint64(i+1))))
	}
	for i := 0; i <= n; i++ {
		elems = append(elems, uleb(uint64(i)))
	}
	table := cat([]byte{0x70, 0x00}, uleb(uint64(n+1)))
	elem := cat([]byte{0x00, 0x41, 0x00, 0x0b}, vec(elems...))
	return cat([]byte("\x00asm\x01\x00\x00\x00"), sec(1, vec(t)), sec(2, vec(imp)), sec(3, vec(fs...)),
		sec(4, vec(table)), sec(5, vec([]byte{0x00, 0x01})), sec(7, vec(ex...)), sec(9, vec(elem)),
		sec(10, vec(bodies...)))
}

type gen struct {
	rng    *rand.Rand
	funcs  int // imported and defined
	budget int // statements left in this function
}

// stmts writes a stack-neutral statement list at block depth depth (labels 0..depth-1 are
// blocks, label depth is the function) inside loops nested loops deep.
func (g *gen) stmts(depth, loops int) []byte {
	var out []byte
	for k := g.rng.IntN(6); k >= 0 && g.budget > 0; k-- {
		g.budget--
		out = append(out, g.stmt(depth, loops)...)
	}
	return out
}

func (g *gen) stmt(depth, loops int) []byte {
	r := g.rng
	cond := []byte{0x20, 0x00, 0x41, byte(r.IntN(63) + 1), 0x71} // local.get 0; i32.const m; i32.and
	switch r.IntN(20) {
	case 0, 1: // if, maybe else
		out := append(cond, 0x04, 0x40)
		out = append(out, g.stmts(depth+1, loops)...)
		if r.IntN(2) == 0 {
			out = append(out, 0x05)
			out = append(out, g.stmts(depth+1, loops)...)
		}
		return append(out, 0x0b)
	case 2, 3: // block
		out := []byte{0x02, 0x40}
		out = append(out, g.stmts(depth+1, loops)...)
		return append(out, 0x0b)
	case 4, 5: // a counted loop on local 1+loops
		if loops >= 3 {
			return []byte{0x01}
		}
		c := byte(1 + loops)
		out := []byte{0x41, byte(1 + r.IntN(5)), 0x21, c, 0x03, 0x40}
		out = append(out, g.stmts(depth+1, loops+1)...)
		// local.get c; i32.const 1; i32.sub; local.tee c; br_if 0
		out = append(out, 0x20, c, 0x41, 0x01, 0x6b, 0x22, c, 0x0d, 0x00)
		return append(out, 0x0b)
	case 6, 7: // br_if to any label; the function's takes the result with it
		l := r.IntN(depth + 1)
		if l == depth {
			return append(append([]byte{0x20, 0x00}, cond...), 0x0d, byte(l), 0x1a)
		}
		return append(cond, 0x0d, byte(l))
	case 8: // br to any label (the rest of the block is dead)
		if r.IntN(3) != 0 {
			return []byte{0x01}
		}
		l := r.IntN(depth + 1)
		if l == depth {
			return []byte{0x20, 0x00, 0x0c, byte(l)}
		}
		return []byte{0x0c, byte(l)}
	case 9: // br_table: to blocks, or (rarely) all to the function
		if depth == 0 || r.IntN(4) == 0 {
			return []byte{0x20, 0x00, 0x20, 0x00, 0x0e, 0x00, byte(depth)}
		}
		out := []byte{0x20, 0x00, 0x41, 0x03, 0x71, 0x0e, 0x03}
		for i := 0; i < 4; i++ {
			out = append(out, byte(r.IntN(depth)))
		}
		return out
	case 10, 11: // call, any function (the import, itself, any other)
		return []byte{0x20, 0x00, 0x41, 0x01, 0x6a, 0x10, byte(r.IntN(g.funcs)), 0x21, 0x00}
	case 12: // call_indirect through the table
		return []byte{0x20, 0x00, 0x41, 0x01, 0x6a, 0x20, 0x00, 0x41, byte(g.funcs), 0x70, 0x11, 0x00, 0x00, 0x21, 0x00}
	case 13: // a load, out of bounds when local 0 is large
		return []byte{0x20, 0x00, 0x41, 0xff, 0xff, 0x07, 0x71, 0x28, 0x02, 0x00, 0x21, 0x05}
	case 14: // memory.fill of up to 4095 bytes
		return []byte{0x41, 0x00, 0x20, 0x00, 0x20, 0x00, 0x41, 0xff, 0x1f, 0x71, 0xfc, 0x0b, 0x00}
	case 15: // memory.grow by 0 or 1 pages
		return []byte{0x20, 0x00, 0x41, 0x01, 0x71, 0x40, 0x00, 0x1a}
	case 16: // return
		if r.IntN(3) == 0 {
			return []byte{0x20, 0x00, 0x0f}
		}
		return []byte{0x01}
	case 17: // unreachable, rarely
		if r.IntN(8) == 0 {
			return append(cond, 0x04, 0x40, 0x00, 0x0b)
		}
		return []byte{0x01}
	}
	// arithmetic: local 0 = local 0 * 3 + k
	return []byte{0x20, 0x00, 0x41, 0x03, 0x6c, 0x41, byte(r.IntN(64)), 0x6a, 0x21, 0x00}
}

// outcome is everything the host can see of a metered call.
type outcome struct {
	result   uint64
	err      string  // the error's first line
	used     int64   // gas used, from the counter after the call
	depth    uint64  // the depth counter after the call
	observed []int64 // the counter at every yield and every host call, in order
}

func (o outcome) String() string {
	return fmt.Sprintf("result %d err %q used %d depth %d after %d observations", o.result, o.err, o.used, o.depth, len(o.observed))
}

// metered is one instrumented module compiled on wazero, with a host that yields every
// interval gas and charges 64 gas per host call, recording the counter at each.
type metered struct {
	rt       wazero.Runtime
	cm       wazero.CompiledModule
	mod      api.Module
	interval int64
	observed []int64
}

func newMetered(t *testing.T, wasm []byte, instrument func([]byte) ([]byte, Info, error), interval int64) *metered {
	t.Helper()
	out, _, err := instrument(wasm)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	m := &metered{rt: wazero.NewRuntime(ctx), interval: interval}
	t.Cleanup(func() { m.rt.Close(ctx) })
	gasG := func() api.MutableGlobal { return m.mod.ExportedGlobal(GasExport).(api.MutableGlobal) }
	_, err = m.rt.NewHostModuleBuilder(YieldModule).NewFunctionBuilder().WithFunc(func() int32 {
		g := int64(gasG().Get())
		m.observed = append(m.observed, g)
		if g < 0 {
			return 1
		}
		m.mod.ExportedGlobal(MarkExport).(api.MutableGlobal).Set(uint64(max(g-m.interval, 0)))
		return 0
	}).Export(YieldName).Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.rt.NewHostModuleBuilder("env").NewFunctionBuilder().WithFunc(func(x uint32) uint32 {
		g := int64(gasG().Get())
		m.observed = append(m.observed, g)
		gasG().Set(uint64(g - HostCallGas))
		return x*7 + 1
	}).Export("h").Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m.cm, err = m.rt.CompileModule(ctx, out); err != nil {
		t.Fatalf("instrumented module does not compile: %v", err)
	}
	return m
}

// call runs export in a fresh instance with gas.
func (m *metered) call(t *testing.T, gas int64, export string, arg uint64) outcome {
	t.Helper()
	ctx := context.Background()
	var err error
	m.observed = nil
	m.mod, err = m.rt.InstantiateModule(ctx, m.cm, wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		t.Fatal(err)
	}
	defer m.mod.Close(ctx)
	m.mod.ExportedGlobal(GasExport).(api.MutableGlobal).Set(uint64(gas))
	m.mod.ExportedGlobal(MarkExport).(api.MutableGlobal).Set(uint64(max(gas-m.interval, 0)))
	res, err := m.mod.ExportedFunction(export).Call(ctx, arg)
	o := outcome{
		used:     gas - int64(m.mod.ExportedGlobal(GasExport).Get()),
		depth:    m.mod.ExportedGlobal(DepthExport).Get(),
		observed: m.observed,
	}
	if err != nil {
		o.err, _, _ = strings.Cut(err.Error(), "\n")
	} else {
		o.result = res[0]
	}
	return o
}

// TestInstrument_sameGasAsV1 runs random modules through the current emitter and the first
// meter-v1 emitter (InstrumentV1) and compares everything the host sees — result, error, gas
// used, depth counter, and the counter at every yield and host call — at many budgets: the
// full one, each budget around the figure a call uses, and random ones below it, so that
// every out-of-gas point is compared too. Yields come every 1000 gas to compare the counter at
// many checks.
func TestInstrument_sameGasAsV1(t *testing.T) {
	modules := 200
	if testing.Short() {
		modules = 40
	}
	rng := rand.New(rand.NewPCG(12, 15))
	var calls, outOfGas, tooDeep, traps int
	for i := 0; i < modules; i++ {
		n := 1 + rng.IntN(5)
		wasm := genModule(rng, n)
		if _, err := wazero.NewRuntime(context.Background()).CompileModule(context.Background(), wasm); err != nil {
			t.Fatalf("module %d: the generator wrote an invalid module: %v", i, err)
		}
		v1 := newMetered(t, wasm, InstrumentV1, 1000)
		cur := newMetered(t, wasm, Instrument, 1000)
		for f := 0; f < n; f++ {
			export, arg := fmt.Sprintf("f%d", f), uint64(rng.IntN(1<<16))
			full := v1.call(t, 1_000_000, export, arg)
			budgets := []int64{1_000_000, full.used, full.used - 1, full.used + 1, 0, 1}
			for k := 0; k < 6; k++ {
				budgets = append(budgets, rng.Int64N(max(full.used, 1)))
			}
			for _, gas := range budgets {
				want, got := v1.call(t, gas, export, arg), cur.call(t, gas, export, arg)
				if want.String() != got.String() || !equalInts(want.observed, got.observed) {
					t.Fatalf("module %d %s(%d) with %d gas:\nmeter-v1: %v\ncurrent:  %v", i, export, arg, gas, want, got)
				}
				calls++
				switch {
				case got.err == "":
				case got.used > gas:
					outOfGas++
				case got.depth > MaxDepth:
					tooDeep++
				default:
					traps++
				}
			}
		}
	}
	t.Logf("%d calls: %d out of gas, %d past MaxDepth, %d other traps", calls, outOfGas, tooDeep, traps)
	if outOfGas == 0 || tooDeep == 0 || traps == 0 {
		t.Fatal("the random modules did not reach every kind of outcome")
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
