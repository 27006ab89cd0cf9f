package runtime_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/subnetd/subnetd/runtime"
)

// TestRuntime_Load_meteredCache: a second process (a new Runtime over the same cache directory)
// takes the metered module from disk instead of instrumenting it again, and scores with the same
// bytes and gas; a damaged cache file is ignored and rewritten.
func TestRuntime_Load_meteredCache(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	wasm := wasmFile(t, "latency")
	score := func(wantInstruments int64) (string, uint64) {
		t.Helper()
		rt, err := runtime.New(ctx, runtime.Config{CacheDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer rt.Close(ctx)
		s, err := rt.Load(ctx, "latency", wasm)
		if err != nil {
			t.Fatal(err)
		}
		if got := rt.Instruments(); got != wantInstruments {
			t.Fatalf("instrumented %d times, want %d", got, wantInstruments)
		}
		r := runtime.Round{Netuid: 1, Block: 3, Miners: []runtime.Miner{{UID: 1, Status: 200, LatencyMs: 20}}}
		b, meta, err := r.Encode()
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Score(ctx, b, meta)
		if err != nil {
			t.Fatal(err)
		}
		return string(res.Output), res.GasUsed
	}
	out1, gas1 := score(1)
	out2, gas2 := score(0)
	if out1 != out2 || gas1 != gas2 || gas1 == 0 {
		t.Fatalf("from the cache: %s gas %d; fresh: %s gas %d", out2, gas2, out1, gas1)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "metered", "*", "*.wasm"))
	if len(files) != 1 {
		t.Fatalf("cache files %v", files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-10] ^= 0xff // damage the metered code
	if err := os.WriteFile(files[0], b, 0o644); err != nil {
		t.Fatal(err)
	}
	out3, gas3 := score(1)
	if out3 != out1 || gas3 != gas1 {
		t.Fatalf("after a damaged cache file: %s gas %d", out3, gas3)
	}
	if _, gas4 := score(0); gas4 != gas1 {
		t.Fatalf("the rewritten cache file gives gas %d", gas4)
	}
}
