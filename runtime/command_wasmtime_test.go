//go:build wasmtime

package runtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/subnetd/subnetd/runtime"
)

// Command scorers give the same output bytes, gas and error class on both engines: a normal
// run, a loop stopped by gas, an exit, an output flood, the sandbox probes and a challenge.
func TestScorer_Score_crossEngineCommand(t *testing.T) {
	lim := runtime.Limits{Gas: 300_000_000, Timeout: 30 * time.Second, MaxOutputBytes: 1 << 20}
	round, meta := testRound(t, "")
	wz, wt := bothRuntimes(t, lim)
	for _, mode := range []string{"score", "loop", "exit3", "flood", "escape", "stderr-flood"} {
		t.Run(mode, func(t *testing.T) {
			wasm := commandScorer(t, mode, map[string][]byte{"weights.json": []byte("[3,1]")}, runtime.CommandSpec{})
			p := enginePair{load(t, wz, "cmd-"+mode, wasm), load(t, wt, "cmd-"+mode, wasm)}
			a, b := score(p.wz, round, meta), score(p.wt, round, meta)
			if d := sameOutcome(a, b); d != "" {
				t.Fatalf("%s\nwazero:   %v\nwasmtime: %v", d, a, b)
			}
			if a.gas == 0 {
				t.Fatal("no gas charged")
			}
		})
	}
}

func TestScorer_Score_crossEnginePython(t *testing.T) {
	py := pythonWasm(t)
	round, meta := testRound(t, "")
	wz, wt := bothRuntimes(t, runtime.Limits{Gas: 2_000_000_000})
	for name, main := range map[string]string{"score": pyScorer, "raise": pyRaise, "loop": "while True:\n    pass\n"} {
		t.Run(name, func(t *testing.T) {
			wasm := pythonScorer(t, py, main, map[string][]byte{"weights.json": []byte("[2]")})
			p := enginePair{load(t, wz, "py-"+name, wasm), load(t, wt, "py-"+name, wasm)}
			a, b := score(p.wz, round, meta), score(p.wt, round, meta)
			if d := sameOutcome(a, b); d != "" {
				t.Fatalf("%s\nwazero:   %v\nwasmtime: %v", d, a, b)
			}
			t.Logf("%s: %v", name, a)
		})
	}
}

// bothRuntimes returns a wazero and a wasmtime Runtime with the same limits and the shared
// disk cache; scorers differing only in their files compile once on each.
func bothRuntimes(t *testing.T, lim runtime.Limits) (wz, wt *runtime.Runtime) {
	t.Helper()
	ctx := context.Background()
	var rts [2]*runtime.Runtime
	for i, eng := range []runtime.Engine{runtime.EngineWazero, runtime.EngineWasmtime} {
		rt, err := runtime.New(ctx, runtime.Config{Engine: eng, Limits: lim, CacheDir: cacheDir()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rt.Close(ctx) })
		rts[i] = rt
	}
	return rts[0], rts[1]
}
