package runtime_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/runtime"
)

// BenchmarkRuntime_Load measures loading a Go scorer the way a validator (re)starts: cold (an
// empty cache directory: screening, metering, compiling, and for a module with subnetd_preinit
// the start-up run and the snapshot's compile) and from the on-disk cache in a new Runtime. Each
// iteration does one of each, so the ratio cold/cached compares the two under the same load:
//
//	go test -bench Runtime_Load -benchtime 3x ./runtime/
func BenchmarkRuntime_Load(b *testing.B) {
	ctx := context.Background()
	for _, eng := range benchEngines() {
		for _, name := range []string{"hostile", "quality"} { // without and with subnetd_preinit
			b.Run(fmt.Sprintf("%s/%s", eng, name), func(b *testing.B) {
				wasm := wasmFile(b, name)
				warm := b.TempDir()
				loadOnce := func(dir string) time.Duration {
					t0 := time.Now()
					rt, err := runtime.New(ctx, runtime.Config{Engine: eng, CacheDir: dir})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := rt.Load(ctx, name, wasm); err != nil {
						b.Fatal(err)
					}
					d := time.Since(t0)
					rt.Close(ctx)
					return d
				}
				loadOnce(warm)
				var cold, cached time.Duration
				for b.Loop() {
					cold += loadOnce(b.TempDir())
					cached += loadOnce(warm)
				}
				n := float64(b.N)
				b.ReportMetric(float64(cold.Milliseconds())/n, "cold-ms/op")
				b.ReportMetric(float64(cached.Microseconds())/n/1000, "cached-ms/op")
				b.ReportMetric(float64(cold)/float64(cached), "cold/cached")
			})
		}
	}
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

// BenchmarkScorer_Score_preinit compares a call of a Go scorer that runs its start-up in every
// call ("plain") with the same module pre-initialised, on every engine of this build: the
// hostile test scorer (a trivial score on a 2-miner Round, so the call is nearly all
// instantiation) and the quality example at 256 miners, both with subnetd_preinit. The two
// run interleaved, one call each per iteration; reported: each one's instantiation (start-up
// included for plain) and whole call, and the ratios plain/pre-initialised:
//
//	go test -bench Score_preinit -benchtime 200x ./runtime/
func BenchmarkScorer_Score_preinit(b *testing.B) {
	ctx := context.Background()
	for _, eng := range benchEngines() {
		for _, name := range []string{"hostile-preinit", "quality"} {
			b.Run(fmt.Sprintf("%s/%s", eng, name), func(b *testing.B) {
				cfg := runtime.Config{Engine: eng, CacheDir: cacheDir()}
				plainRT := newPlainRuntime(b, runtime.Limits{}, cfg)
				preRT, err := runtime.New(ctx, cfg)
				if err != nil {
					b.Fatal(err)
				}
				defer preRT.Close(ctx)
				wasm := wasmFile(b, name)
				scorers := []*runtime.Scorer{load(b, plainRT, name, wasm), load(b, preRT, name, wasm)}
				if !isPre(scorers[1]) {
					b.Fatalf("not pre-initialised: %s", why(scorers[1]))
				}
				round, meta := testRound(b, "ok")
				if name == "quality" {
					if round, meta, err = plugins.SyntheticRound(ctx, scorers[0], 256); err != nil {
						b.Fatal(err)
					}
				}
				var inst, call [2]time.Duration
				var gas [2]uint64
				for b.Loop() {
					for k, s := range scorers {
						t0 := time.Now()
						res, err := s.Score(ctx, round, meta)
						if err != nil {
							b.Fatal(err)
						}
						call[k] += time.Since(t0)
						inst[k] += res.Instantiate
						gas[k] = res.GasUsed
					}
				}
				if gas[0] != gas[1] {
					b.Fatalf("gas %d plain, %d pre-initialised", gas[0], gas[1])
				}
				n := float64(b.N)
				b.ReportMetric(float64(inst[0].Nanoseconds())/n, "plain-inst-ns/op")
				b.ReportMetric(float64(inst[1].Nanoseconds())/n, "pre-inst-ns/op")
				b.ReportMetric(float64(inst[0])/float64(inst[1]), "inst-plain/pre")
				b.ReportMetric(float64(call[0].Nanoseconds())/n, "plain-call-ns/op")
				b.ReportMetric(float64(call[1].Nanoseconds())/n, "pre-call-ns/op")
				b.ReportMetric(float64(call[0])/float64(call[1]), "call-plain/pre")
				b.ReportMetric(float64(gas[0]), "gas/op")
			})
		}
	}
}
