package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	pdk "github.com/subnetd/subnetd/pdk/go"
	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/runtime"
)

// BenchmarkScore runs this scorer on the same Round bytes as native Go (in this process) and
// through the runtime as Wasm (fresh instance per call, execution bound on, Scores validated),
// and reports the ratio measured in the same run:
//
//	go test -bench Score -benchtime 2s ./examples/scorers/quality
func BenchmarkScore(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	wasmPath, err := plugins.Build(ctx, ".", plugins.TargetWasm, filepath.Join(dir, "quality.wasm"))
	if err != nil {
		b.Fatal(err)
	}
	wasm, err := os.ReadFile(wasmPath)
	if err != nil {
		b.Fatal(err)
	}
	rt, err := runtime.New(ctx, runtime.Config{CacheDir: filepath.Join(dir, "cache")})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close(ctx)
	s, err := rt.Load(ctx, "quality", wasm)
	if err != nil {
		b.Fatal(err)
	}
	native := pdk.Scorer{Score: Score, Challenge: Challenge}
	for _, n := range []int{256, 4096} {
		round, meta, err := plugins.SyntheticRound(ctx, s, n)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("native/miners=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := pdk.ScoreJSON(native, round); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("wasm/miners=%d", n), func(b *testing.B) {
			var inst time.Duration
			for b.Loop() {
				res, err := s.Score(ctx, round, meta)
				if err != nil {
					b.Fatal(err)
				}
				inst += res.Instantiate
			}
			b.ReportMetric(float64(inst.Nanoseconds())/float64(b.N), "instantiate-ns/op")
		})
		b.Run(fmt.Sprintf("ratio/miners=%d", n), func(b *testing.B) {
			var tn, tw time.Duration
			for b.Loop() {
				t0 := time.Now()
				if _, err := pdk.ScoreJSON(native, round); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if _, err := s.Score(ctx, round, meta); err != nil {
					b.Fatal(err)
				}
				tn += t1.Sub(t0)
				tw += time.Since(t1)
			}
			b.ReportMetric(float64(tw)/float64(tn), "wasm/native")
		})
	}
}
