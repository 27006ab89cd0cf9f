package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/subnetd/subnetd/runtime"
)

func isPre(s *runtime.Scorer) bool { ok, _ := s.PreInitialised(); return ok }
func why(s *runtime.Scorer) string { _, w := s.PreInitialised(); return w }

// newPlainRuntime is a Runtime that runs every start-up per call: the baseline.
func newPlainRuntime(t testing.TB, lim runtime.Limits, cfg runtime.Config) *runtime.Runtime {
	t.Helper()
	ctx := context.Background()
	cfg.Limits = lim
	rt, err := runtime.NewPlain(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(ctx) })
	return rt
}

// callOutcome is everything a call shows the outside: output, gas, error, logs.
type callOutcome struct {
	out  []byte
	gas  uint64
	err  string
	logs string
}

func outcomeOf(res *runtime.Result, err error) callOutcome {
	var o callOutcome
	if err != nil {
		o.err = err.Error()
	}
	if res != nil {
		o.out, o.gas = res.Output, res.GasUsed
		o.logs = fmt.Sprint(res.Logs, res.LogsDropped)
	}
	return o
}

func (o callOutcome) diff(p callOutcome) string {
	switch {
	case !bytes.Equal(o.out, p.out):
		return fmt.Sprintf("output %.200q, pre-initialised %.200q", o.out, p.out)
	case o.gas != p.gas:
		return fmt.Sprintf("gas %d, pre-initialised %d", o.gas, p.gas)
	case o.err != p.err:
		return fmt.Sprintf("error %q, pre-initialised %q", o.err, p.err)
	case o.logs != p.logs:
		return fmt.Sprintf("logs %.300s, pre-initialised %.300s", o.logs, p.logs)
	}
	return ""
}

// hostileModes are the hostile test scorer's modes: every way it misbehaves, and two that work.
var hostileModes = []string{"ok", "clock", "loop", "recurse", "trap", "membomb", "hugealloc", "bigout", "oob",
	"malformed", "nan", "inf", "neg", "unknown", "dup", "logflood", "abort", "exit"}

// TestScorer_Score_preinit: a pre-initialised scorer gives the same output, gas, error and logs
// as the same module running its start-up in every call, on random Rounds and on every hostile
// mode; Go modules without subnetd_preinit (their start-up reads the round's randomness) are
// not pre-initialised, those with it are.
func TestScorer_Score_preinit(t *testing.T) {
	ctx := context.Background()
	lim := runtime.Limits{Gas: 400_000_000, Timeout: time.Minute, MemoryPages: 512}
	rounds := 12
	if testing.Short() {
		rounds = 4
	}
	for _, eng := range benchEngines() {
		cfg := runtime.Config{Engine: eng, CacheDir: cacheDir()}
		plain := newPlainRuntime(t, lim, cfg)
		pre, err := runtime.New(ctx, runtime.Config{Engine: eng, CacheDir: cacheDir(), Limits: lim})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pre.Close(ctx) })
		for _, tc := range []struct {
			name string
			want bool
		}{
			{"quality", true}, {"latency", true}, {"hostile", false}, {"hostile-preinit", true},
		} {
			if eng != runtime.EngineWazero && !tc.want {
				continue // not pre-initialised: the same module either way, checked on wazero
			}
			t.Run(string(eng)+"/"+tc.name, func(t *testing.T) {
				wasm := wasmFile(t, tc.name)
				a, b := load(t, plain, tc.name, wasm), load(t, pre, tc.name, wasm)
				if isPre(a) || isPre(b) != tc.want {
					t.Fatalf("pre-initialised: plain %t, default %t (want %t)", isPre(a), isPre(b), tc.want)
				}
				r := rand.New(rand.NewPCG(7, uint64(len(tc.name))))
				n := rounds
				switch {
				case !tc.want:
					n = 2 // the same module on both sides: the verdict is what is checked
				case tc.name == "hostile-preinit":
					n = len(hostileModes)
				}
				var state []byte
				for k := 0; k < n; k++ {
					var challenge json.RawMessage
					if tc.name == "hostile" || tc.name == "hostile-preinit" {
						challenge = json.RawMessage(fmt.Sprintf(`{"mode":%q}`, hostileModes[k]))
					}
					rd := randomRound(r, challenge)
					if state != nil {
						rd.State = state // carry the state on, as rounds do
					}
					msg, meta, err := rd.Encode()
					if err != nil {
						t.Fatal(err)
					}
					ra, errA := a.Score(ctx, msg, meta)
					rb, errB := b.Score(ctx, msg, meta)
					oa, ob := outcomeOf(ra, errA), outcomeOf(rb, errB)
					if d := oa.diff(ob); d != "" {
						t.Fatalf("round %d (%s): %s", k, challenge, d)
					}
					if errA == nil {
						state = ra.Scores.State
					}
					if a.Info().HasChallenge && tc.name == "quality" {
						req, meta, err := rd.EncodeChallengeRequest()
						if err != nil {
							t.Fatal(err)
						}
						ca, errA := a.Challenge(ctx, req, meta)
						cb, errB := b.Challenge(ctx, req, meta)
						if d := outcomeOf(ca, errA).diff(outcomeOf(cb, errB)); d != "" {
							t.Fatalf("challenge %d: %s", k, d)
						}
					}
				}
			})
		}
	}
}

// preinitScorer is a hand-written reactor whose start-up shapes its output: the data segment
// holds `X"scores":[]}`; the start function stores '{' over the X and a mutable global holds
// the output's address, which _initialize sets. Without its start-up, its output is invalid.
// initBody comes first in _initialize; mutate changes the module further.
func preinitScorer(initBody []byte, mutate func(m *wmod, init uint32)) []byte {
	const output = `X"scores":[]}`
	m := &wmod{memory: []byte{0x00, 0x01}}
	m.globals = append(m.globals, append([]byte{i32, 1}, append(i32const(0), 0x0b)...))
	tAlloc := m.typ([]byte{i32}, []byte{i32})
	tScore := m.typ([]byte{i32, i32}, []byte{i64})
	tVoid := m.typ(nil, nil)
	alloc := m.fn(tAlloc, i32const(1024)...)
	// score: (i64.extend_i32_u (global.get 0)) << 32 | len
	score := m.fn(tScore, slices.Concat([]byte{0x23, 0x00, 0xad}, i64const(32), []byte{0x86}, i64const(int64(len(output))), []byte{0x84})...)
	start := m.fn(tVoid, slices.Concat(i32const(2048), i32const('{'), []byte{0x3a, 0x00, 0x00})...) // i32.store8
	init := m.fn(tVoid, slices.Concat(initBody, i32const(2048), []byte{0x24, 0x00})...)             // global.set 0
	m.start = &start
	m.export("memory", 2, 0)
	m.export("subnetd_alloc", 0, alloc)
	m.export("subnetd_score", 0, score)
	m.export("_initialize", 0, init)
	seg := slices.Concat([]byte{0x00}, i32const(2048), []byte{0x0b}, str(output))
	m.data = append(m.data, seg)
	if mutate != nil {
		mutate(m, init)
	}
	return m.bytes()
}

// TestRuntime_Load_preinit: a start-up is snapshotted exactly when that provably changes nothing
// (it reads nothing of the round and writes no output, or the module declares subnetd_preinit;
// no table writes; it ends within its gas), and every call gives the same outcome either way,
// also when the verdict comes from the disk cache.
func TestRuntime_Load_preinit(t *testing.T) {
	ctx := context.Background()
	round, meta := testRound(t, "")
	withImport := func(name string, params []byte, call []byte) func(m *wmod, init uint32) {
		// withImport makes _initialize call the WASI function name first (dropping its errno).
		return func(m *wmod, init uint32) {
			// Imports come first in the function index space: shift the defined functions' exports.
			ty := m.typ(params, []byte{i32})
			m.importFunc("wasi_snapshot_preview1", name, ty)
			for k, e := range m.exports {
				if e[len(e)-2] == 0 { // a function export: name, kind 0, index (one byte here)
					m.exports[k][len(e)-1]++
				}
			}
			*m.start = *m.start + 1
			body := slices.Concat([]byte{0x00}, call, []byte{0x10, 0x00, 0x1a}, i32const(2048), []byte{0x24, 0x00, 0x0b})
			m.codes[init] = append(uleb(uint64(len(body))), body...)
		}
	}
	exportPreinit := func(m *wmod, _ uint32) {
		m.export("subnetd_preinit", 0, *m.start) // any () -> () function: the host never calls it
	}
	both := func(fs ...func(*wmod, uint32)) func(*wmod, uint32) {
		return func(m *wmod, init uint32) {
			for _, f := range fs {
				f(m, init)
			}
		}
	}
	random := withImport("random_get", []byte{i32, i32}, slices.Concat(i32const(4096), i32const(8)))
	clock := withImport("clock_time_get", []byte{i32, i64, i32}, slices.Concat(i32const(0), i64const(1), i32const(4096)))
	mono := withImport("clock_time_get", []byte{i32, i64, i32}, slices.Concat(i32const(1), i64const(1), i32const(4096)))
	write := withImport("fd_write", []byte{i32, i32, i32, i32}, slices.Concat(i32const(1), i32const(0), i32const(0), i32const(4096)))
	tableSet := func(m *wmod, init uint32) {
		m.table = []byte{0x70, 0x00, 0x01}
		m.fn(m.typ(nil, nil), slices.Concat(i32const(0), []byte{0xd0, 0x70, 0x26, 0x00})...) // table.set 0 (ref.null)
	}
	tests := []struct {
		name   string
		wasm   []byte
		want   bool
		gas    uint64
		errIs  error
		output string
	}{
		{"memory and globals", preinitScorer(nil, nil), true, 0, nil, `{"scores":[]}`},
		{"monotonic clock", preinitScorer(nil, mono), true, 0, nil, `{"scores":[]}`},
		{"reads randomness", preinitScorer(nil, random), false, 0, nil, `{"scores":[]}`},
		{"reads randomness, declared", preinitScorer(nil, both(random, exportPreinit)), true, 0, nil, `{"scores":[]}`},
		{"reads the clock", preinitScorer(nil, clock), false, 0, nil, `{"scores":[]}`},
		{"reads the clock, declared", preinitScorer(nil, both(clock, exportPreinit)), true, 0, nil, `{"scores":[]}`},
		{"writes output", preinitScorer(nil, both(write, exportPreinit)), false, 0, nil, `{"scores":[]}`},
		{"writes tables", preinitScorer(nil, tableSet), false, 0, nil, `{"scores":[]}`},
		{"endless start-up", preinitScorer(loopForever, nil), false, 5_000_000, runtime.ErrOutOfGas, ""},
		{"start-up traps", preinitScorer([]byte{0x00}, nil), false, 0, runtime.ErrTrap, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lim := runtime.Limits{Gas: tc.gas}
			cfg := runtime.Config{CacheDir: t.TempDir()}
			plain := newPlainRuntime(t, lim, cfg)
			cfg.Limits = lim
			pre, err := runtime.New(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer pre.Close(ctx)
			a, b := load(t, plain, "raw", tc.wasm), load(t, pre, "raw", tc.wasm)
			if isPre(b) != tc.want {
				t.Fatalf("pre-initialised %t, want %t (%s)", isPre(b), tc.want, why(b))
			}
			// wazero compiles the module once, snapshotted or not: the start-up runs in an
			// instance of the code that every call then uses (preinit.go, imageEngine).
			if n := pre.EngineCompiles(); n != 1 {
				t.Fatalf("%d modules compiled, want 1", n)
			}
			ra, errA := a.Score(ctx, round, meta)
			rb, errB := b.Score(ctx, round, meta)
			if d := outcomeOf(ra, errA).diff(outcomeOf(rb, errB)); d != "" {
				t.Fatalf("%s (errors %v / %v)", d, errA, errB)
			}
			if !errors.Is(errB, tc.errIs) || (tc.errIs == nil && errB != nil) {
				t.Fatalf("error %v, want %v", errB, tc.errIs)
			}
			if tc.output != "" && string(rb.Output) != tc.output {
				t.Fatalf("output %q, want %q", rb.Output, tc.output)
			}
			// A second Runtime on the same cache takes the verdict from disk: same state, no
			// start-up run.
			again, err := runtime.New(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer again.Close(ctx)
			c := load(t, again, "raw", tc.wasm)
			rc, errC := c.Score(ctx, round, meta)
			if d := outcomeOf(ra, errA).diff(outcomeOf(rc, errC)); d != "" || isPre(c) != tc.want || again.Snapshots() != 0 || again.EngineCompiles() != 1 {
				t.Fatalf("from the cache: %s, pre-initialised %t, start-ups run %d, modules compiled %d", d, isPre(c), again.Snapshots(), again.EngineCompiles())
			}
		})
	}
}
