package runtime_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/runtime"
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
