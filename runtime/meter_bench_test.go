package runtime_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/runtime"
	"github.com/subnetd/subnetd/runtime/internal/meter"
)

// BenchmarkScorer_Score_metering measures one whole quality-scorer call with the gas meter and
// wazero's context interruption on and off, on every engine of this build. The variants run
// interleaved, one call each per iteration, so that load on the machine hits them alike; the
// ratios to "bare" (no meter, no interruption) are reported per variant:
//
//	go test -bench Score_metering -benchtime 20x ./runtime/
func BenchmarkScorer_Score_metering(b *testing.B) {
	ctx := context.Background()
	variants := []struct {
		name               string
		metered, interrupt bool
	}{
		{"bare", false, false},
		{"gas", true, false},
		{"interrupt", false, true},
		{"gas+interrupt", true, true},
	}
	for _, eng := range benchEngines() {
		for _, miners := range []int{256, 4096} {
			b.Run(fmt.Sprintf("%s/miners=%d", eng, miners), func(b *testing.B) {
				var scorers []*runtime.Scorer
				for _, v := range variants {
					rt, err := runtime.NewWithOptions(ctx, runtime.Config{Engine: eng}, v.metered, v.interrupt)
					if err != nil {
						b.Fatal(err)
					}
					defer rt.Close(ctx)
					scorers = append(scorers, load(b, rt, "quality", wasmFile(b, "quality")))
				}
				round, meta, err := plugins.SyntheticRound(ctx, scorers[0], miners)
				if err != nil {
					b.Fatal(err)
				}
				took := make([]time.Duration, len(variants))
				var gas uint64
				for b.Loop() {
					for k, s := range scorers {
						t0 := time.Now()
						res, err := s.Score(ctx, round, meta)
						if err != nil {
							b.Fatal(err)
						}
						took[k] += time.Since(t0)
						if variants[k].metered {
							gas = res.GasUsed
						}
					}
				}
				for k, v := range variants {
					b.ReportMetric(float64(took[k].Nanoseconds())/float64(b.N), v.name+"-ns/op")
					if k > 0 {
						b.ReportMetric(float64(took[k])/float64(took[0]), v.name+"/bare")
					}
				}
				b.ReportMetric(float64(gas), "gas/op")
			})
		}
	}
}

// langWasm builds the quality example in lang ("go", "rust", "c") once per test binary; it skips,
// naming what to install, when that language's toolchain is missing.
func langWasm(t testing.TB, lang string) []byte {
	t.Helper()
	if lang == "go" {
		return wasmFile(t, "quality")
	}
	langBuiltMu.Lock()
	defer langBuiltMu.Unlock()
	if b, ok := langBuilt[lang]; ok {
		return b
	}
	l, dir := plugins.RustLanguage(), "../examples/scorers/quality-rs"
	if lang == "c" {
		l, dir = plugins.CLanguage(), "../examples/scorers/quality-c"
	}
	ctx := context.Background()
	if err := l.Toolchain(ctx, dir); err != nil {
		t.Skipf("%v", err)
	}
	out := filepath.Join(t.TempDir(), lang+".wasm")
	if err := l.BuildWasm(ctx, dir, "quality-"+lang, out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	langBuilt[lang] = b
	return b
}

var (
	langBuiltMu sync.Mutex
	langBuilt   = map[string][]byte{}
)

// BenchmarkScorer_Score_meterEmitters measures what the meter costs with its current emitter
// ("gas") and with the first meter-v1 emitter ("gas-v1", meter.InstrumentV1), against no meter
// ("bare"), on the quality example in Go, Rust and C, on every engine of this build. The three
// run interleaved, one call each per iteration, in turn first, second and third, so that load and
// the order hit them alike; it fails if the two
// emitters charge different gas. Reported: each variant's whole call (ns/op) and the export
// alone (call-ns/op, Result.Call: without instantiation, which differs for Go, whose bare
// module is not pre-initialised); the ratios of their sums to bare; and gas/gas-v1-med, the
// median over iterations of one call's time with the current emitter over the adjacent call's
// with meter-v1 (paired, so the machine's load weighs least on it):
//
//	go test -tags wasmtime -run '^$' -bench Score_meterEmitters -benchtime 20x ./runtime/
func BenchmarkScorer_Score_meterEmitters(b *testing.B) {
	ctx := context.Background()
	caches := b.TempDir() // one per emitter: cached snapshots are not told apart by emitter
	for _, eng := range benchEngines() {
		for _, lang := range []string{"go", "rust", "c"} {
			for _, miners := range []int{256, 4096} {
				b.Run(fmt.Sprintf("%s/%s/miners=%d", eng, lang, miners), func(b *testing.B) {
					wasm := langWasm(b, lang)
					cfg := func(dir string) runtime.Config {
						return runtime.Config{Engine: eng, CacheDir: filepath.Join(caches, dir)}
					}
					bare, err := runtime.NewWithOptions(ctx, cfg("bare"), false, false)
					if err != nil {
						b.Fatal(err)
					}
					defer bare.Close(ctx)
					v1, err := runtime.NewWithInstrumenter(ctx, cfg("v1"), meter.InstrumentV1)
					if err != nil {
						b.Fatal(err)
					}
					defer v1.Close(ctx)
					cur, err := runtime.New(ctx, cfg("cur"))
					if err != nil {
						b.Fatal(err)
					}
					defer cur.Close(ctx)
					names := []string{"bare", "gas-v1", "gas"}
					scorers := []*runtime.Scorer{load(b, bare, "q", wasm), load(b, v1, "q", wasm), load(b, cur, "q", wasm)}
					round, meta, err := plugins.SyntheticRound(ctx, scorers[0], miners)
					if err != nil {
						b.Fatal(err)
					}
					took := make([]time.Duration, len(scorers))
					calls := make([]time.Duration, len(scorers))
					gas := make([]uint64, len(scorers))
					var paired []float64
					for i := 0; b.Loop(); i++ {
						var one [3]time.Duration
						for j := range scorers {
							k := (i + j) % len(scorers) // each variant in each place in turn
							s := scorers[k]
							t0 := time.Now()
							res, err := s.Score(ctx, round, meta)
							if err != nil {
								b.Fatal(err)
							}
							one[k] = time.Since(t0)
							took[k] += one[k]
							calls[k] += res.Call
							gas[k] = res.GasUsed
						}
						paired = append(paired, float64(one[2])/float64(one[1]))
					}
					if gas[1] != gas[2] {
						b.Fatalf("gas: %d with the meter-v1 emitter, %d with the current one", gas[1], gas[2])
					}
					for k, n := range names {
						b.ReportMetric(float64(took[k].Nanoseconds())/float64(b.N), n+"-ns/op")
						b.ReportMetric(float64(calls[k].Nanoseconds())/float64(b.N), n+"-call-ns/op")
						if k > 0 {
							b.ReportMetric(float64(took[k])/float64(took[0]), n+"/bare")
							b.ReportMetric(float64(calls[k])/float64(calls[0]), n+"-call/bare")
						}
					}
					slices.Sort(paired)
					b.ReportMetric(paired[len(paired)/2], "gas/gas-v1-med")
					b.ReportMetric(float64(gas[2]), "gas/op")
				})
			}
		}
	}
}
