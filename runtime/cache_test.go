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
			if err == nil && d.IsDir() && (d.Name() == "metered" || d.Name() == "keys") {
				return filepath.SkipDir // the meter's output and the module keys, one file per module (metercache_test.go)
			}
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

// Concurrent Loads of the same bytes share one compile; each gets a working Scorer.
func TestRuntime_Load_concurrent(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, runtime.Limits{})
	wasm := wasmFile(t, "latency")
	const n = 6
	scorers := make([]*runtime.Scorer, n)
	errs := make([]error, n)
	done := make(chan int)
	for i := range n {
		go func() {
			scorers[i], errs[i] = rt.Load(ctx, "latency", wasm)
			done <- i
		}()
	}
	for range n {
		<-done
	}
	round, meta := testRound(t, "")
	var first []byte
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Load %d: %v", i, errs[i])
		}
		res, err := scorers[i].Score(ctx, round, meta)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = res.Output
		} else if string(res.Output) != string(first) {
			t.Fatal("scorers of the same module disagree")
		}
		scorers[i].Close(ctx)
	}
	// A module that fails to compile fails every time, and does not poison the cache.
	bad := rawScorer(`{"scores":[]}`, func(m *wmod) { m.fn(m.typ(nil, nil), 0x10, 0x63) }) // call 99: no such function
	for range 2 {
		if _, err := rt.Load(ctx, "bad", bad); err == nil {
			t.Fatal("invalid module loaded")
		}
	}
}
