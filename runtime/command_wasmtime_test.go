//go:build wasmtime

package runtime_test

import (
	"testing"
	"time"

	"github.com/subnetd/subnetd/runtime"
)

// Command scorers give the same output bytes, gas and error class on both engines: a normal
// run, a loop stopped by gas, an exit, an output flood, the sandbox probes and a challenge.
func TestScorer_Score_crossEngineCommand(t *testing.T) {
	lim := runtime.Limits{Gas: 300_000_000, Timeout: 30 * time.Second, MaxOutputBytes: 1 << 20}
	round, meta := testRound(t, "")
	for _, mode := range []string{"score", "loop", "exit3", "flood", "escape", "stderr-flood"} {
		t.Run(mode, func(t *testing.T) {
			p := loadBoth(t, lim, "cmd-"+mode, commandScorer(t, mode, map[string][]byte{"weights.json": []byte("[3,1]")}, runtime.CommandSpec{}))
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
	for name, main := range map[string]string{"score": pyScorer, "raise": pyRaise, "loop": "while True:\n    pass\n"} {
		t.Run(name, func(t *testing.T) {
			p := loadBoth(t, runtime.Limits{}, "py-"+name, pythonScorer(t, py, main, map[string][]byte{"weights.json": []byte("[2]")}))
			a, b := score(p.wz, round, meta), score(p.wt, round, meta)
			if d := sameOutcome(a, b); d != "" {
				t.Fatalf("%s\nwazero:   %v\nwasmtime: %v", d, a, b)
			}
			t.Logf("%s: %v", name, a)
		})
	}
}
