//go:build wasmtime

package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/subnetd/subnetd/runtime"
)

// engines loads one scorer on both engines, with the same limits.
type enginePair struct {
	wz, wt *runtime.Scorer
}

func loadBoth(t *testing.T, lim runtime.Limits, name string, wasm []byte) enginePair {
	t.Helper()
	ctx := context.Background()
	var p enginePair
	for _, eng := range []runtime.Engine{runtime.EngineWazero, runtime.EngineWasmtime} {
		rt, err := runtime.New(ctx, runtime.Config{Engine: eng, Limits: lim, CacheDir: cacheDir()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rt.Close(ctx) })
		if rt.Engine() != eng {
			t.Fatalf("runtime for %s reports %s", eng, rt.Engine())
		}
		s := load(t, rt, name, wasm)
		if eng == runtime.EngineWazero {
			p.wz = s
		} else {
			p.wt = s
		}
	}
	return p
}

// outcome is what must be identical on both engines: the bytes, the gas and the error class.
type outcome struct {
	output []byte
	gas    uint64
	err    error
}

func (o outcome) String() string {
	return fmt.Sprintf("gas=%d err=%v output=%.80q", o.gas, o.err, o.output)
}

func score(s *runtime.Scorer, round []byte, meta runtime.RoundMeta) outcome {
	res, err := s.Score(context.Background(), round, meta)
	var o outcome
	if res != nil {
		o.output, o.gas = res.Output, res.GasUsed
	}
	o.err = err
	return o
}

var sentinels = []error{runtime.ErrOutOfGas, runtime.ErrTimeout, runtime.ErrTrap, runtime.ErrBadOutput, runtime.ErrNoChallenge}

// sameOutcome reports how two outcomes differ, or "".
func sameOutcome(a, b outcome) string {
	if !bytes.Equal(a.output, b.output) {
		return "output differs"
	}
	if a.gas != b.gas {
		return fmt.Sprintf("gas differs: %d vs %d", a.gas, b.gas)
	}
	if (a.err == nil) != (b.err == nil) {
		return "one failed"
	}
	for _, s := range sentinels {
		if errors.Is(a.err, s) != errors.Is(b.err, s) {
			return fmt.Sprintf("only one is %v", s)
		}
	}
	var ga, gb *runtime.GasError
	if errors.As(a.err, &ga) != errors.As(b.err, &gb) || (ga != nil && *ga != *gb) {
		return "gas errors differ"
	}
	return ""
}

// TestScorer_Score_crossEngine: many random Rounds through the example scorers and the hostile
// test scorer on wazero and wasmtime give identical Scores bytes, identical gas and the same
// outcome class.
func TestScorer_Score_crossEngine(t *testing.T) {
	lim := runtime.Limits{Gas: 2_000_000_000, Timeout: time.Minute, MemoryPages: 512}
	rounds := 24
	if testing.Short() {
		rounds = 8
	}
	ctx := context.Background()
	for _, name := range []string{"quality", "latency", "hostile", "hostile-preinit"} {
		t.Run(name, func(t *testing.T) {
			p := loadBoth(t, lim, name, wasmFile(t, name))
			r := rand.New(rand.NewPCG(1, uint64(len(name))))
			for k := 0; k < rounds; k++ {
				var challenge json.RawMessage
				switch name {
				case "hostile", "hostile-preinit":
					challenge = json.RawMessage(fmt.Sprintf(`{"mode":%q}`, []string{"ok", "clock", "malformed", "nan", "neg", "dup", "unknown", "abort", "exit", "trap"}[k%10]))
				case "quality":
					// The challenge itself must agree too.
					rd := randomRound(r, nil)
					req, meta, err := rd.EncodeChallengeRequest()
					if err != nil {
						t.Fatal(err)
					}
					a, errA := p.wz.Challenge(ctx, req, meta)
					b, errB := p.wt.Challenge(ctx, req, meta)
					if errA != nil || errB != nil {
						t.Fatalf("challenge: %v / %v", errA, errB)
					}
					if !bytes.Equal(a.Output, b.Output) || a.GasUsed != b.GasUsed {
						t.Fatalf("challenge differs:\n%s gas %d\n%s gas %d", a.Output, a.GasUsed, b.Output, b.GasUsed)
					}
					c, err := runtime.ParseChallenge(a.Output)
					if err != nil {
						t.Fatal(err)
					}
					challenge = c.Body
				}
				rd := randomRound(r, challenge)
				round, meta, err := rd.Encode()
				if err != nil {
					t.Fatal(err)
				}
				a, b := score(p.wz, round, meta), score(p.wt, round, meta)
				if d := sameOutcome(a, b); d != "" {
					t.Fatalf("round %d (%d miners): %s\nwazero:   %v\nwasmtime: %v", k, len(rd.Miners), d, a, b)
				}
				if a.gas == 0 {
					t.Fatalf("round %d: no gas used (%v)", k, a)
				}
			}
		})
	}
}

// TestScorer_Score_crossEngineHostile: every misbehaviour ends the same way on both engines,
// endless loops by gas, at the same figure.
func TestScorer_Score_crossEngineHostile(t *testing.T) {
	lim := runtime.Limits{Gas: 300_000_000, Timeout: time.Minute, MemoryPages: 512}
	pairs := map[string]enginePair{}
	for _, name := range []string{"hostile", "hostile-preinit"} { // the second pre-initialised
		pairs[name] = loadBoth(t, lim, name, wasmFile(t, name))
	}
	for _, mode := range []string{"loop", "recurse", "membomb", "hugealloc", "bigout", "oob", "inf", "logflood",
		"hostile-preinit/loop", "hostile-preinit/recurse", "hostile-preinit/membomb", "hostile-preinit/logflood"} {
		t.Run(mode, func(t *testing.T) {
			p := pairs["hostile"]
			if m, ok := strings.CutPrefix(mode, "hostile-preinit/"); ok {
				p, mode = pairs["hostile-preinit"], m
			}
			round, meta := testRound(t, mode)
			a, b := score(p.wz, round, meta), score(p.wt, round, meta)
			if d := sameOutcome(a, b); d != "" {
				t.Fatalf("%s\nwazero:   %v\nwasmtime: %v", d, a, b)
			}
			if mode == "loop" {
				var g *runtime.GasError
				if !errors.As(a.err, &g) || g.Limit != lim.Gas || g.Used < lim.Gas {
					t.Fatalf("loop: %v, want ErrOutOfGas past %d", a.err, lim.Gas)
				}
			}
		})
	}
	// Loops the Go toolchain would never emit: in the start function, in _initialize, in the
	// export itself, with an empty body.
	raw := []struct {
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
		{"score", func(m *wmod) {
			f := m.fn(m.typ([]byte{i32, i32}, []byte{i64}), append(loopForever, i64const(0)...)...)
			m.exports[2] = append(append(str("subnetd_score"), 0), uleb(uint64(f))...)
		}},
	}
	small := runtime.Limits{Gas: 50_000_000, Timeout: time.Minute}
	for _, tc := range raw {
		t.Run("raw/"+tc.name, func(t *testing.T) {
			p := loadBoth(t, small, tc.name, rawScorer(`{"scores":[]}`, tc.mutate))
			round, meta := testRound(t, "")
			a, b := score(p.wz, round, meta), score(p.wt, round, meta)
			if d := sameOutcome(a, b); d != "" {
				t.Fatalf("%s\nwazero:   %v\nwasmtime: %v", d, a, b)
			}
			if !errors.Is(a.err, runtime.ErrOutOfGas) || !strings.Contains(a.err.Error(), "budget 50000000") {
				t.Fatalf("error = %v, want ErrOutOfGas", a.err)
			}
		})
	}
}

// Compiled code goes to the disk cache and a second runtime reads it back, with the same
// results; a corrupt cache file is ignored and rewritten.
func TestRuntime_Load_wasmtimeCache(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	round, meta := testRound(t, "clock")
	var first outcome
	for run := 0; run < 2; run++ {
		rt, err := runtime.New(ctx, runtime.Config{Engine: runtime.EngineWasmtime, CacheDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		s := load(t, rt, "hostile", wasmFile(t, "hostile"))
		o := score(s, round, meta)
		rt.Close(ctx)
		if o.err != nil {
			t.Fatal(o.err)
		}
		if run == 0 {
			first = o
		} else if d := sameOutcome(first, o); d != "" {
			t.Fatalf("from the cache: %s", d)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "wasmtime-*", "*", "*.cwasm"))
	if len(files) != 1 {
		t.Fatalf("cache holds %v, want one compiled module", files)
	}
	if err := os.WriteFile(files[0], []byte("not code"), 0o600); err != nil {
		t.Fatal(err)
	}
	rt, err := runtime.New(ctx, runtime.Config{Engine: runtime.EngineWasmtime, CacheDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	if d := sameOutcome(first, score(load(t, rt, "hostile", wasmFile(t, "hostile")), round, meta)); d != "" {
		t.Fatalf("after a corrupt cache file: %s", d)
	}
}

// A module read from the disk cache keeps working when its cache file is cut short or
// overwritten in place under it (by anything other than subnetd, which only ever renames a
// whole file into place): the engine runs a sealed private copy, never the file itself, so
// nothing faults.
func TestRuntime_Load_wasmtimeCacheCutUnder(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	round, meta := testRound(t, "clock")
	var first outcome
	for run := 0; run < 2; run++ {
		rt, err := runtime.New(ctx, runtime.Config{Engine: runtime.EngineWasmtime, CacheDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer rt.Close(ctx)
		s := load(t, rt, "hostile", wasmFile(t, "hostile"))
		if run == 0 {
			if first = score(s, round, meta); first.err != nil {
				t.Fatal(first.err)
			}
			continue
		}
		files, _ := filepath.Glob(filepath.Join(dir, "wasmtime-*", "*", "*.cwasm"))
		if len(files) == 0 {
			t.Fatal("nothing in the cache")
		}
		for _, f := range files {
			if err := os.Truncate(f, 0); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 3; i++ {
			if d := sameOutcome(first, score(s, round, meta)); d != "" {
				t.Fatalf("after the cache file was cut: %s", d)
			}
		}
		if err := s.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
