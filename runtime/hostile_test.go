package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/subnetd/subnetd/runtime"
)

// testRound is a small Round whose challenge carries the hostile scorer's mode.
func testRound(t testing.TB, mode string) ([]byte, runtime.RoundMeta) {
	t.Helper()
	r := runtime.Round{Netuid: 7, Block: 4521000, BlockHash: "0x01", BlockTimeMs: 1_764_000_000_123,
		Challenge: json.RawMessage(fmt.Sprintf(`{"mode":%q}`, mode)),
		Miners: []runtime.Miner{
			{UID: 3, Hotkey: "5G", Stake: 12.5, Status: 200, LatencyMs: 184.2, Response: json.RawMessage(`{"answer":1}`)},
			{UID: 9, Hotkey: "5H", Status: 408, LatencyMs: 12000},
		}}
	for i := range r.Seed {
		r.Seed[i] = byte(i)
	}
	b, meta, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b, meta
}

func newRuntime(t testing.TB, lim runtime.Limits) *runtime.Runtime {
	t.Helper()
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Config{Limits: lim, CacheDir: cacheDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(ctx) })
	return rt
}

func load(t testing.TB, rt *runtime.Runtime, name string, wasm []byte) *runtime.Scorer {
	t.Helper()
	s, err := rt.Load(context.Background(), name, wasm)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestScorer_Score_hostile(t *testing.T) {
	lim := runtime.Limits{Gas: 200_000_000, Timeout: 20 * time.Second, MemoryPages: 512}
	rt := newRuntime(t, lim)
	s := load(t, rt, "hostile", wasmFile(t, "hostile"))
	tests := []struct {
		mode string
		want error
		msg  string
	}{
		{"loop", runtime.ErrOutOfGas, "gas budget exhausted"},
		{"recurse", runtime.ErrTrap, ""},
		{"trap", nil, ""}, // a Go nil dereference: the Go runtime panics and exits
		{"membomb", runtime.ErrTrap, "out of memory"},
		{"hugealloc", runtime.ErrTrap, "out of memory"},
		{"bigout", runtime.ErrBadOutput, "output is 67108864 bytes, limit 4194304"},
		{"oob", runtime.ErrBadOutput, "outside guest memory"},
		{"malformed", runtime.ErrBadOutput, "malformed Scores JSON"},
		{"nan", runtime.ErrBadOutput, "uid 3: score NaN is not a finite number"},
		{"inf", runtime.ErrBadOutput, "uid 3: score 1e999 is not a finite number"},
		{"neg", runtime.ErrBadOutput, "uid 3: score -0.5 is negative"},
		{"unknown", runtime.ErrBadOutput, "uid 60000 was not in the round"},
		{"dup", runtime.ErrBadOutput, "uid 3 scored twice"},
		{"abort", nil, "scorer aborted: cannot score this round"},
		{"exit", nil, "proc_exit with status 3"},
	}
	ctx := context.Background()
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			round, meta := testRound(t, tc.mode)
			start := time.Now()
			_, err := s.Score(ctx, round, meta)
			if err == nil {
				t.Fatal("hostile call succeeded")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("error = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), "scorer hostile") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q: want one line naming the scorer and %q", err, tc.msg)
			}
			t.Logf("%s: %v", tc.mode, err)
			if el := time.Since(start); el > lim.Timeout+3*time.Second {
				t.Fatalf("took %v, bound is %v", el, lim.Timeout)
			}
			// The runtime and the same scorer keep working.
			round, meta = testRound(t, "ok")
			res, err := s.Score(ctx, round, meta)
			if err != nil {
				t.Fatalf("after %s: %v", tc.mode, err)
			}
			if got := string(res.Scores.Canonical()); got != `{"scores":[{"uid":3,"score":1}]}` {
				t.Fatalf("after %s: scores %s", tc.mode, got)
			}
		})
	}
}

func TestScorer_Score_logFlood(t *testing.T) {
	rt := newRuntime(t, runtime.Limits{Timeout: 20 * time.Second})
	s := load(t, rt, "hostile", wasmFile(t, "hostile"))
	round, meta := testRound(t, "logflood")
	res, err := s.Score(context.Background(), round, meta)
	if err != nil {
		t.Fatal(err)
	}
	lim := rt.Limits().Log
	if len(res.Logs) != lim.MaxLines || res.LogsDropped != 200000-lim.MaxLines {
		t.Fatalf("kept %d lines, dropped %d; want %d kept of 200000", len(res.Logs), res.LogsDropped, lim.MaxLines)
	}
	for _, l := range res.Logs {
		if len(l.Text) > lim.MaxLineBytes {
			t.Fatalf("line of %d bytes kept, cap %d", len(l.Text), lim.MaxLineBytes)
		}
	}
	if !res.Logs[0].Truncated {
		t.Fatal("the 5000-byte line should be marked truncated")
	}
}

// Endless loops outside subnetd_score: in the start function and in _initialize.
func TestScorer_Score_loopBeforeScore(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(m *wmod)
	}{
		{"start function", func(m *wmod) {
			f := m.fn(m.typ(nil, nil), loopForever...)
			m.start = &f
		}},
		{"_initialize", func(m *wmod) {
			f := m.fn(m.typ(nil, nil), loopForever...)
			m.export("_initialize", 0, f)
		}},
	}
	rt := newRuntime(t, runtime.Limits{Gas: 50_000_000, Timeout: 20 * time.Second})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := load(t, rt, tc.name, rawScorer(`{"scores":[]}`, tc.mutate))
			round, meta := testRound(t, "")
			start := time.Now()
			_, err := s.Score(context.Background(), round, meta)
			if !errors.Is(err, runtime.ErrOutOfGas) {
				t.Fatalf("error = %v, want ErrOutOfGas", err)
			}
			if el := time.Since(start); el > 3*time.Second {
				t.Fatalf("stopped after %v", el)
			}
		})
	}
}

// A looping scorer must not delay another scorer running at the same time.
func TestScorer_Score_isolation(t *testing.T) {
	rt := newRuntime(t, runtime.Limits{Timeout: 3 * time.Second})
	bad := load(t, rt, "hostile", wasmFile(t, "hostile"))
	good := load(t, rt, "latency", wasmFile(t, "latency"))
	ctx := context.Background()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		round, meta := testRound(t, "loop")
		_, _ = bad.Score(ctx, round, meta)
	}()
	round, meta := testRound(t, "")
	for i := 0; i < 5; i++ {
		if _, err := good.Score(ctx, round, meta); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
}

func TestScorer_Challenge(t *testing.T) {
	rt := newRuntime(t, runtime.Limits{})
	q := load(t, rt, "quality", wasmFile(t, "quality"))
	r := runtime.Round{Netuid: 1, Block: 5, Seed: [32]byte{1, 2, 3, 4, 5, 6, 7, 8}, Miners: []runtime.Miner{{UID: 1}, {UID: 0}}}
	req, meta, err := r.EncodeChallengeRequest()
	if err != nil {
		t.Fatal(err)
	}
	res, err := q.Challenge(context.Background(), req, meta)
	if err != nil {
		t.Fatal(err)
	}
	c, err := runtime.ParseChallenge(res.Output)
	if err != nil {
		t.Fatal(err)
	}
	var task struct {
		Task    string
		Numbers []float64
	}
	if err := json.Unmarshal(c.Body, &task); err != nil || c.Synapse != "SumTask" || task.Task != "sum" || len(task.Numbers) != 16 {
		t.Fatalf("challenge = %s (%v)", res.Output, err)
	}
	// The latency scorer has no challenge export.
	l := load(t, rt, "latency", wasmFile(t, "latency"))
	if _, err := l.Challenge(context.Background(), req, meta); !errors.Is(err, runtime.ErrNoChallenge) {
		t.Fatalf("latency Challenge = %v, want ErrNoChallenge", err)
	}
}

func TestScorer_Score_inputTooLarge(t *testing.T) {
	rt := newRuntime(t, runtime.Limits{MaxInputBytes: 100})
	s := load(t, rt, "raw", rawScorer(`{"scores":[]}`, nil))
	round, meta := testRound(t, "")
	if _, err := s.Score(context.Background(), round, meta); !errors.Is(err, runtime.ErrInputTooLarge) {
		t.Fatalf("error = %v, want ErrInputTooLarge", err)
	}
}

// Unbounded recursion in plain Wasm (not Go's heap-allocated stacks) hits the engine's stack limit.
func TestScorer_Score_stackOverflow(t *testing.T) {
	rt := newRuntime(t, runtime.Limits{Timeout: 5 * time.Second})
	wasm := rawScorer(`{"scores":[]}`, func(m *wmod) {
		self := uint32(len(m.imports) + len(m.funcs))
		m.fn(m.typ(nil, nil), 0x10, byte(self)) // f: call f
		// Replace subnetd_score's body: call f, then return 0.
		body := append([]byte{0}, 0x10, byte(self))
		body = append(body, i64const(0)...)
		body = append(body, 0x0b)
		m.codes[1] = append(uleb(uint64(len(body))), body...)
	})
	s := load(t, rt, "deep", wasm)
	round, meta := testRound(t, "")
	_, err := s.Score(context.Background(), round, meta)
	if !errors.Is(err, runtime.ErrTrap) || !strings.Contains(err.Error(), "stack") {
		t.Fatalf("error = %v, want a stack-overflow trap", err)
	}
}

// TestScorer_Score_tableGrowth: tables live in the host's memory, outside the linear memory's
// limit, so the meter caps every table's maximum at MaxTableEntries and table.grow past it
// fails (returns -1) on every engine. Before the cap one table.grow of 2^27 entries took 1 GiB
// of host memory and a second, and a table without a maximum could grow to 2^32 entries.
// Each case's score traps unless table.grow returns want.
func TestScorer_Score_tableGrowth(t *testing.T) {
	ctx := context.Background()
	round, meta := testRound(t, "")
	const output = `{"scores":[]}`
	tests := []struct {
		name  string
		table []byte // the table's type: funcref and its limits
		delta int32
		want  int32
	}{
		{"past the cap, no declared maximum", []byte{0x70, 0x00, 0x01}, runtime.MaxTableEntries, -1},
		{"up to the cap, no declared maximum", []byte{0x70, 0x00, 0x01}, runtime.MaxTableEntries - 1, 1},
		{"past the cap, a larger declared maximum", append([]byte{0x70, 0x01, 0x01}, uleb(1<<27)...), 1 << 26, -1},
		{"a smaller declared maximum kept", []byte{0x70, 0x01, 0x01, 0x0a}, 10, -1},
		{"within a smaller declared maximum", []byte{0x70, 0x01, 0x01, 0x0a}, 9, 1},
	}
	for _, eng := range benchEngines() {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/%s", eng, tt.name), func(t *testing.T) {
				wasm := rawScorer(output, func(m *wmod) {
					m.table = tt.table
					body := []byte{0, 0xd0, 0x70} // ref.null func
					body = append(body, i32const(tt.delta)...)
					body = append(body, 0xfc, 0x0f, 0x00) // table.grow 0
					body = append(body, i32const(tt.want)...)
					body = append(body, 0x47, 0x04, 0x40, 0x00, 0x0b) // i32.ne if unreachable end
					body = append(body, i64const(2048<<32|int64(len(output)))...)
					body = append(body, 0x0b)
					m.codes[1] = append(uleb(uint64(len(body))), body...)
				})
				rt, err := runtime.New(ctx, runtime.Config{Engine: eng, CacheDir: t.TempDir()})
				if err != nil {
					t.Fatal(err)
				}
				defer rt.Close(ctx)
				s := load(t, rt, "tables", wasm)
				if _, err := s.Score(ctx, round, meta); err != nil {
					t.Fatalf("Score: %v (table.grow did not return %d)", err, tt.want)
				}
			})
		}
	}
}
