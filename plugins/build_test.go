package plugins_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/subnetd/subnetd/plugins"
)

func TestBuild(t *testing.T) {
	ctx := context.Background()
	empty := t.TempDir()
	if _, err := plugins.Build(ctx, empty, plugins.TargetWasm, ""); !errors.Is(err, plugins.ErrNotAScorer) {
		t.Fatalf("empty dir: %v", err)
	}
	if _, err := plugins.Build(ctx, "testdata/broken", plugins.TargetWasm, filepath.Join(t.TempDir(), "b.wasm")); err == nil || !strings.Contains(err.Error(), "undefined: undefined") {
		t.Fatalf("compile error not reported: %v", err)
	}
	outside := t.TempDir() // a scorer must live in a Go module
	os.WriteFile(filepath.Join(outside, "main.go"), []byte("package main\nfunc main() {}\n"), 0o600)
	if _, err := plugins.Build(ctx, outside, plugins.TargetWasm, ""); err == nil || !strings.Contains(err.Error(), "go.mod") {
		t.Fatalf("missing module not reported: %v", err)
	}
	out := filepath.Join(t.TempDir(), "latency.wasm")
	path, err := plugins.Build(ctx, "../examples/scorers/latency", plugins.TargetWasm, out)
	if err != nil {
		t.Fatal(err)
	}
	info, err := plugins.ScreenFile(path)
	if err != nil || info.HasChallenge != true || !info.HasInitialize {
		t.Fatalf("built module screens as %+v, %v", info, err)
	}
	// -trimpath: building again gives the same bytes.
	again, err := plugins.Build(ctx, "../examples/scorers/latency", plugins.TargetWasm, filepath.Join(t.TempDir(), "x.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(path)
	b, _ := os.ReadFile(again)
	if string(a) != string(b) {
		t.Fatal("two builds of the same source differ")
	}
}

func TestBench(t *testing.T) {
	rep, err := plugins.Bench(context.Background(), "../examples/scorers/quality", plugins.BenchOptions{Miners: 32, MinTime: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Miners != 32 || rep.WasmNsPerCall <= 0 || rep.NativeNsPerCall <= 0 || rep.Ratio <= 0 ||
		rep.InstantiateNs <= 0 || rep.CompileColdMs <= 0 || rep.CompileCachedMs <= 0 {
		t.Fatalf("report %+v has empty fields", rep)
	}
	if rep.InstantiateNs >= rep.WasmNsPerCall {
		t.Fatalf("instantiation (%v ns) cannot exceed the whole call (%v ns)", rep.InstantiateNs, rep.WasmNsPerCall)
	}
}
