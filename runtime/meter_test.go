package runtime_test

import (
	"context"
	"errors"
	"math"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/subnetd/subnetd/runtime"
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
