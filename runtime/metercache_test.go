package runtime_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
	dir := t.TempDir()
	wasm := wasmFile(t, "hostile")
	score := func(wantInstruments int64) (string, uint64) {
		t.Helper()
		return scoreFromCache(t, dir, wasm, wantInstruments)
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

// scoreFromCache loads wasm (the hostile test scorer, with or without more custom sections) in a
// new Runtime over the cache directory dir, checks that the meter ran wantInstruments times, and
// returns the output and gas of an "ok" call.
func scoreFromCache(t *testing.T, dir string, wasm []byte, wantInstruments int64) (string, uint64) {
	t.Helper()
	ctx := context.Background()
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

// TestRuntime_Load_keyIndex: the cache directory remembers the code key of each module it saw
// (the sha256 of the module without custom sections) under the module's own sha256, so that a
// later process neither strips nor hashes it again; two modules that differ only in a custom
// section share the key and the compiled code; a damaged key file is ignored and rewritten.
func TestRuntime_Load_keyIndex(t *testing.T) {
	dir := t.TempDir()
	plain := wasmFile(t, "hostile")
	code, err := runtime.StripCustomSections(plain)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(code)
	want := hex.EncodeToString(sum[:])
	// The same module with one more custom section ("extra", three bytes).
	extra := append(append([]byte{}, plain...), 0, 9, 5, 'e', 'x', 't', 'r', 'a', 1, 2, 3)
	load := func(wasm []byte, wantInstruments int64) (string, uint64) {
		t.Helper()
		return scoreFromCache(t, dir, wasm, wantInstruments)
	}
	keyFile := func(wasm []byte) string {
		sum := sha256.Sum256(wasm)
		return filepath.Join(dir, "keys", hex.EncodeToString(sum[:]))
	}
	out1, gas1 := load(plain, 1)
	out2, gas2 := load(extra, 0) // another module, the same code: nothing instrumented
	for _, wasm := range [][]byte{plain, extra} {
		if b, err := os.ReadFile(keyFile(wasm)); err != nil || string(b) != want {
			t.Fatalf("key file %q (%v), want %s", b, err, want)
		}
	}
	if err := os.WriteFile(keyFile(plain), []byte("not a key"), 0o644); err != nil {
		t.Fatal(err)
	}
	out3, gas3 := load(plain, 0)
	if b, _ := os.ReadFile(keyFile(plain)); string(b) != want {
		t.Fatalf("damaged key file not rewritten: %q", b)
	}
	if out2 != out1 || out3 != out1 || gas2 != gas1 || gas3 != gas1 {
		t.Fatalf("outputs %s / %s / %s, gas %d / %d / %d", out1, out2, out3, gas1, gas2, gas3)
	}
}
