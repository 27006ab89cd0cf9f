package runtime_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/subnetd/subnetd/runtime"
)

func TestRuntime_Load_diskCache(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	wasm := rawScorer(`{"scores":[]}`, nil)
	entries := func() []string {
		var files []string
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files = append(files, p)
			}
			return nil
		})
		return files
	}
	for _, pages := range []uint32{0, 0, 256} {
		rt, err := runtime.New(ctx, runtime.Config{CacheDir: dir, Limits: runtime.Limits{MemoryPages: pages}})
		if err != nil {
			t.Fatal(err)
		}
		s, err := rt.Load(ctx, "raw", wasm)
		if err != nil {
			t.Fatal(err)
		}
		round, meta := testRound(t, "")
		if _, err := s.Score(ctx, round, meta); err != nil {
			t.Fatal(err)
		}
		rt.Close(ctx)
	}
	// Two configs: two cache entries under the engine's versioned directory; the repeat of the
	// first config reused its entry.
	files := entries()
	if len(files) != 2 {
		t.Fatalf("cache holds %v, want one entry per config", files)
	}
	if filepath.Dir(files[0]) == filepath.Dir(files[1]) {
		t.Fatalf("configs share a cache directory: %v", files)
	}
}

func TestScorer_Close(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, runtime.Limits{})
	wasm := rawScorer(`{"scores":[]}`, nil)
	a := load(t, rt, "a", wasm)
	b := load(t, rt, "b", wasm) // same bytes: the compiled module is shared
	if err := a.Close(ctx); err != nil {
		t.Fatal(err)
	}
	round, meta := testRound(t, "")
	if _, err := b.Score(ctx, round, meta); err != nil {
		t.Fatalf("b after a.Close: %v", err)
	}
	if err := b.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := rt.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Load(ctx, "c", wasm); err == nil {
		t.Fatal("Load after Close succeeded")
	}
}
