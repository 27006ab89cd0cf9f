package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/subnetd/subnetd/runtime"
	"github.com/subnetd/subnetd/runtime/internal/meter"
)

// loopingScore replaces subnetd_score with `loop br 0 end`, one gas per iteration.
func loopingScore(m *wmod) {
	f := m.fn(m.typ([]byte{i32, i32}, []byte{i64}), append(loopForever, i64const(0)...)...)
	m.exports[2] = append(append(str("subnetd_score"), 0), uleb(uint64(f))...)
}

func TestScorer_Score_gas(t *testing.T) {
	ctx := context.Background()
	round, meta := testRound(t, "")
	tests := []struct {
		name    string
		gas     uint64
		mutate  func(m *wmod)
		want    error
		wantGas uint64
	}{
		// subnetd_alloc is `i32.const 1024`, subnetd_score `i64.const …`: one gas each.
		{"two instructions", 1000, nil, nil, 2},
		// alloc (1), then one gas per iteration until the counter is negative at a check.
		{"endless loop", 1_000_000, loopingScore, runtime.ErrOutOfGas, 1_000_001},
		{"budget of one", 1, nil, runtime.ErrOutOfGas, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rt := newRuntime(t, runtime.Limits{Gas: tc.gas})
			s := load(t, rt, "raw", rawScorer(`{"scores":[]}`, tc.mutate))
			res, err := s.Score(ctx, round, meta)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("error = %v, want %v", err, tc.want)
			}
			if res.GasUsed != tc.wantGas {
				t.Fatalf("gas used %d, want %d", res.GasUsed, tc.wantGas)
			}
			var g *runtime.GasError
			if tc.want != nil && (!errors.As(err, &g) || g.Used != tc.wantGas || g.Limit != tc.gas) {
				t.Fatalf("error %v: want a GasError{%d, %d}", err, tc.wantGas, tc.gas)
			}
		})
	}
}

// A Go scorer uses the same gas on every call, in every runtime, whatever the wall clock does.
func TestScorer_Score_gasStable(t *testing.T) {
	ctx := context.Background()
	round, meta := testRound(t, "clock")
	var first uint64
	cache := t.TempDir()
	for run := 0; run < 2; run++ {
		rt, err := runtime.New(ctx, runtime.Config{CacheDir: cache}) // the second one loads from disk
		if err != nil {
			t.Fatal(err)
		}
		defer rt.Close(ctx)
		s := load(t, rt, "hostile", wasmFile(t, "hostile"))
		for call := 0; call < 3; call++ {
			res, err := s.Score(ctx, round, meta)
			if err != nil {
				t.Fatal(err)
			}
			if first == 0 {
				first = res.GasUsed
			}
			if res.GasUsed != first || first < 100_000 {
				t.Fatalf("run %d call %d: gas %d, first %d", run, call, res.GasUsed, first)
			}
		}
	}
	// Out of gas in a Go scorer: the same figure every time, just past the budget.
	rt, err := runtime.New(ctx, runtime.Config{CacheDir: cache, Limits: runtime.Limits{Gas: 50_000_000}})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	s := load(t, rt, "hostile", wasmFile(t, "hostile"))
	round, meta = testRound(t, "loop")
	var used uint64
	for call := 0; call < 3; call++ {
		_, err := s.Score(ctx, round, meta)
		var g *runtime.GasError
		if !errors.As(err, &g) || g.Used < g.Limit || (used != 0 && g.Used != used) {
			t.Fatalf("call %d: %v (earlier %d)", call, err, used)
		}
		used = g.Used
	}
}

// With a budget far beyond the backstop, the backstop still stops an endless loop in the
// export (the start function and _initialize are TestScorer_Score_loopBeforeScore's).
func TestScorer_Score_backstop(t *testing.T) {
	rt := newRuntime(t, runtime.Limits{Gas: math.MaxInt64, Timeout: 200 * time.Millisecond})
	s := load(t, rt, "raw", rawScorer(`{"scores":[]}`, loopingScore))
	round, meta := testRound(t, "")
	start := time.Now()
	res, err := s.Score(context.Background(), round, meta)
	if !errors.Is(err, runtime.ErrTimeout) || errors.Is(err, runtime.ErrOutOfGas) {
		t.Fatalf("error = %v, want ErrTimeout", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("stopped after %v", el)
	}
	if res.GasUsed == 0 {
		t.Fatal("no gas recorded for the stopped call")
	}
	// A caller's cancellation stops it the same way.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := s.Score(ctx, round, meta); !errors.Is(err, runtime.ErrTimeout) || !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("canceled call: %v", err)
	}
}

func TestNew_limitsAndEngines(t *testing.T) {
	ctx := context.Background()
	if _, err := runtime.New(ctx, runtime.Config{Limits: runtime.Limits{Gas: math.MaxInt64 + 1}}); err == nil || !strings.Contains(err.Error(), "gas") {
		t.Fatalf("gas past MaxInt64: %v", err)
	}
	if _, err := runtime.New(ctx, runtime.Config{Engine: "v8"}); err == nil || !strings.Contains(err.Error(), `"v8"`) {
		t.Fatalf("unknown engine: %v", err)
	}
	rt, err := runtime.New(ctx, runtime.Config{Engine: runtime.EngineWasmtime})
	if err == nil {
		defer rt.Close(ctx)
		if rt.Engine() != runtime.EngineWasmtime || rt.EngineVersion() == "" || rt.MeterVersion() == "" {
			t.Fatalf("wasmtime runtime: %s %s %s", rt.Engine(), rt.EngineVersion(), rt.MeterVersion())
		}
		return
	}
	if !strings.Contains(err.Error(), "-tags wasmtime") {
		t.Fatalf("wasmtime without the build tag: %v", err)
	}
	if rt := newRuntime(t, runtime.Limits{}); rt.Limits().Gas != runtime.DefaultGas {
		t.Fatalf("default gas %d", rt.Limits().Gas)
	}
}

// A running guest does not hold up the Go garbage collector: the meter's yields are safe
// points. (wazero's compiled code cannot be preempted; without them a stop-the-world would wait
// for the whole call, and every goroutine of the daemon with it. A regression therefore hangs
// this test until go test's -timeout: nothing in the process can run to fail it sooner.)
func TestScorer_Score_gcSafePoint(t *testing.T) {
	rt := newRuntime(t, runtime.Limits{Gas: math.MaxInt64, Timeout: time.Hour})
	s := load(t, rt, "raw", rawScorer(`{"scores":[]}`, loopingScore))
	round, meta := testRound(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := s.Score(ctx, round, meta)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the guest start its loop
	goruntime.GC()                    // needs every goroutine, the looping one included, at a safe point
	select {
	case err := <-done:
		t.Fatalf("the guest stopped before it was canceled: %v", err)
	default: // the collection finished while the guest was still looping
	}
	cancel()
	if err := <-done; !errors.Is(err, runtime.ErrTimeout) {
		t.Fatalf("canceled call: %v", err)
	}
}

// TestScorer_Score_sameGasAsMeterV1 runs the examples (Go, and the Rust and C quality ports
// when their toolchains are installed) and the hostile test scorer, with and without
// subnetd_preinit, through the current meter and through the first meter-v1 emitter
// (meter.InstrumentV1) on every engine of this build: random Rounds and every hostile mode, at
// the full budget and at budgets that stop the call at many points (in the start-up too), and
// compares output, gas, error and logs. Records of meter-v1 replay only if these agree.
func TestScorer_Score_sameGasAsMeterV1(t *testing.T) {
	ctx := context.Background()
	rounds := 4
	if testing.Short() {
		rounds = 2
	}
	full := runtime.Limits{Gas: 200_000_000, Timeout: time.Minute, MemoryPages: 512}
	for _, eng := range benchEngines() {
		dirs := t.TempDir() // one cache per emitter: snapshots are not told apart by emitter
		for _, name := range []string{"quality", "latency", "hostile", "hostile-preinit", "rust", "c"} {
			if testing.Short() && name == "hostile" {
				continue // hostile-preinit runs the same modes
			}
			t.Run(string(eng)+"/"+name, func(t *testing.T) {
				var wasm []byte
				switch name {
				case "rust", "c":
					wasm = langWasm(t, name)
				default:
					wasm = wasmFile(t, name)
				}
				// A pair of Runtimes, meter-v1 and current, per budget.
				pair := func(lim runtime.Limits) [2]*runtime.Scorer {
					var out [2]*runtime.Scorer
					for k, dir := range []string{"v1", "current"} {
						cfg := runtime.Config{Engine: eng, Limits: lim, CacheDir: filepath.Join(dirs, dir)}
						var rt *runtime.Runtime
						var err error
						if k == 0 {
							rt, err = runtime.NewWithInstrumenter(ctx, cfg, meter.InstrumentV1)
						} else {
							rt, err = runtime.New(ctx, cfg)
						}
						if err != nil {
							t.Fatal(err)
						}
						t.Cleanup(func() { rt.Close(ctx) })
						out[k] = load(t, rt, name, wasm)
					}
					return out
				}
				r := rand.New(rand.NewPCG(15, uint64(len(name))))
				var msgs [][]byte
				var metas []runtime.RoundMeta
				n := rounds
				if strings.HasPrefix(name, "hostile") {
					n = len(hostileModes)
				}
				for k := 0; k < n; k++ {
					var challenge json.RawMessage
					if strings.HasPrefix(name, "hostile") {
						challenge = json.RawMessage(fmt.Sprintf(`{"mode":%q}`, hostileModes[k]))
					}
					msg, meta, err := randomRound(r, challenge).Encode()
					if err != nil {
						t.Fatal(err)
					}
					msgs, metas = append(msgs, msg), append(metas, meta)
				}
				outOfGas := 0
				compare := func(s [2]*runtime.Scorer, budget uint64) []uint64 {
					var used []uint64
					for k := range msgs {
						ra, errA := s[0].Score(ctx, msgs[k], metas[k])
						rb, errB := s[1].Score(ctx, msgs[k], metas[k])
						if errors.Is(errB, runtime.ErrOutOfGas) {
							outOfGas++
						}
						oa, ob := outcomeOf(ra, errA), outcomeOf(rb, errB)
						if d := oa.diff(ob); d != "" {
							t.Fatalf("round %d, %d gas: meter-v1 against current (\"pre-initialised\"): %s", k, budget, d)
						}
						used = append(used, oa.gas)
					}
					return used
				}
				used := compare(pair(full), full.Gas)
				// Budgets that stop the calls: just short of each call's figure, and a spread below.
				var budgets []uint64
				for _, u := range used {
					if u > 1 && u <= full.Gas {
						budgets = append(budgets, u-1)
					}
				}
				slices.Sort(budgets)
				if len(budgets) > 0 {
					top := budgets[len(budgets)-1]
					budgets = append(budgets[:min(len(budgets), 2)], top/3, top/17, 1+r.Uint64N(top))
				}
				for _, b := range budgets {
					lim := full
					lim.Gas = b
					compare(pair(lim), b)
				}
				if outOfGas < len(budgets) {
					t.Fatalf("%d calls out of gas at %d budgets below the calls' figures", outOfGas, len(budgets))
				}
			})
		}
	}
}
