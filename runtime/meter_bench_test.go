package runtime_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/runtime"
)

// BenchmarkScorer_Score_metering measures one whole quality-scorer call with the gas meter and
// the wall-clock interruption on and off, on every engine of this build. Compare the variants
// of one run: "bare" (no meter, no interruption) is the baseline; docs/METERING.md has figures.
func BenchmarkScorer_Score_metering(b *testing.B) {
	ctx := context.Background()
	variants := []struct {
		name               string
		metered, interrupt bool
	}{
		{"bare", false, false},
		{"interrupt", false, true},
		{"gas", true, false},
		{"gas+interrupt", true, true},
	}
	for _, eng := range benchEngines() {
		for _, miners := range []int{256, 4096} {
			for _, v := range variants {
				b.Run(fmt.Sprintf("%s/miners=%d/%s", eng, miners, v.name), func(b *testing.B) {
					rt, err := runtime.NewWithOptions(ctx, runtime.Config{Engine: eng}, v.metered, v.interrupt)
					if err != nil {
						b.Fatal(err)
					}
					defer rt.Close(ctx)
					s := load(b, rt, "quality", wasmFile(b, "quality"))
					round, meta, err := plugins.SyntheticRound(ctx, s, miners)
					if err != nil {
						b.Fatal(err)
					}
					var gas uint64
					b.ResetTimer()
					for b.Loop() {
						res, err := s.Score(ctx, round, meta)
						if err != nil {
							b.Fatal(err)
						}
						gas = res.GasUsed
					}
					b.ReportMetric(float64(gas), "gas/op")
				})
			}
		}
	}
}
