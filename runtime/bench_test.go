package runtime_test

import (
	"context"
	"testing"

	"github.com/subnetd/subnetd/runtime"
)

// BenchmarkRuntime_Load measures screening + compiling a Go scorer cold (no cache) and from the
// on-disk cache in a new runtime, the way a validator restarts.
func BenchmarkRuntime_Load(b *testing.B) {
	ctx := context.Background()
	wasm := wasmFile(b, "quality")
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			rt, err := runtime.New(ctx, runtime.Config{})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := rt.Load(ctx, "quality", wasm); err != nil {
				b.Fatal(err)
			}
			rt.Close(ctx)
		}
	})
	dir := b.TempDir()
	b.Run("cached", func(b *testing.B) {
		warm, _ := runtime.New(ctx, runtime.Config{CacheDir: dir})
		if _, err := warm.Load(ctx, "quality", wasm); err != nil {
			b.Fatal(err)
		}
		warm.Close(ctx)
		for b.Loop() {
			rt, err := runtime.New(ctx, runtime.Config{CacheDir: dir})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := rt.Load(ctx, "quality", wasm); err != nil {
				b.Fatal(err)
			}
			rt.Close(ctx)
		}
	})
}

// BenchmarkScorer_Score_instantiate is the fixed cost of a call: a fresh Go-runtime instance
// (start + _initialize) and a trivial score, on a 2-miner Round.
func BenchmarkScorer_Score_instantiate(b *testing.B) {
	ctx := context.Background()
	rt := newRuntime(b, runtime.Limits{})
	s := load(b, rt, "hostile", wasmFile(b, "hostile"))
	round, meta := testRound(b, "")
	for b.Loop() {
		if _, err := s.Score(ctx, round, meta); err != nil {
			b.Fatal(err)
		}
	}
}
