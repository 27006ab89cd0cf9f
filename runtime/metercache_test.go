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
// bytes and gas; a damaged cache file is ignored and rewritten. The module is one that is not
// pre-initialised (a pre-initialised one is loaded from its snapshot's cache instead).
func TestRuntime_Load_meteredCache(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	wasm := wasmFile(t, "hostile")
	score := func(wantInstruments int64) (string, uint64) {
		t.Helper()
		rt, err := runtime.New(ctx, runtime.Config{CacheDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer rt.Close(ctx)
		s, err := rt.Load(ctx, "hostile", wasm)
		if err != nil {
			t.Fatal(err)
		}
		if got := rt.Instruments(); got != wantInstruments {
			t.Fatalf("instrumented %d times, want %d", got, wantInstruments)
		}
		if pre, _ := s.PreInitialised(); pre {
			t.Fatal("the hostile test scorer is pre-initialised")
		}
		b, meta := testRound(t, "ok")
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
