package yuma

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/subnetd/subnetd/yuma/internal/baseline"
)

// benchInput builds a subnet of n uids whose first v uids are permitted,
// staked validators. Dense: every validator weights every other uid; sparse:
// each weights 32 random uids. Bonds come from one warm-up epoch so the
// benchmark measures a steady-state epoch.
func benchInput(n, v int, dense, yuma3 bool) *Input {
	r := rand.New(rand.NewPCG(uint64(n), uint64(v)))
	p := DefaultParams()
	p.Tempo = 360
	p.MaxAllowedValidators = uint16(v)
	p.Yuma3On = yuma3
	p.LiquidAlphaOn = yuma3
	p.BondsPenalty = 65535
	in := &Input{Block: 10_000, RaoEmission: 1_000_000_000, Params: p, Neurons: make([]Neuron, n)}
	for i := range in.Neurons {
		nr := &in.Neurons[i]
		nr.BlockAtRegistration = 1
		nr.LastUpdate = 9_900
		if i < v {
			nr.AlphaStake = 1_000_000 + r.Uint64N(1_000_000_000)
			nr.ValidatorPermit = true
			if dense {
				nr.Weights = make([]Cell, 0, n)
				for j := 0; j < n; j++ {
					if j != i {
						nr.Weights = append(nr.Weights, Cell{uint16(j), uint16(r.IntN(65536))})
					}
				}
			} else {
				for k := 0; k < 32; k++ {
					nr.Weights = append(nr.Weights, Cell{uint16(r.IntN(n)), uint16(1 + r.IntN(65535))})
				}
			}
		}
	}
	out, err := Epoch(in)
	if err != nil {
		panic(err)
	}
	for i := range in.Neurons {
		in.Neurons[i].Bonds = out.Bonds[i]
	}
	return in
}

// BenchmarkEpoch reports wall time per epoch, process CPU time per epoch
// (all goroutines; large epochs run on GOMAXPROCS workers, so use -cpu to
// compare one core with two), the ratio of wall time to the smallest case
// (n=256, 64 validators, same model and density), the ratio to the previous
// implementation (yuma/internal/baseline) and the ratio to the literal
// reference epoch (reference_test.go), both measured in the same run on the
// same input. Each iteration runs the current epoch and then the baseline,
// so both see the same machine load; their ratios (x-vs-baseline: baseline
// wall ÷ current wall; cpu-x-vs-baseline: the same for CPU time) are the
// figures to compare on a shared machine. The reference is timed once; it
// builds the chain's dense n×n liquid-alpha matrix (n² exp series), so it is
// not timed for Yuma3 with liquid alpha at n=4096, where it takes seconds.
func BenchmarkEpoch(b *testing.B) {
	refMs := map[string]float64{}
	for _, model := range []string{"yuma", "yuma3-liquid"} {
		for _, density := range []string{"dense", "sparse"} {
			var base float64
			for _, sz := range []struct{ n, v int }{{256, 64}, {1024, 128}, {4096, 256}} {
				name := fmt.Sprintf("%s/%s/n=%d/v=%d", model, density, sz.n, sz.v)
				b.Run(name, func(b *testing.B) {
					in := benchInput(sz.n, sz.v, density == "dense", model != "yuma")
					ref, timed := refMs[name]
					if !timed && (model == "yuma" || sz.n < 4096) {
						start := time.Now()
						refEpoch(in)
						ref = float64(time.Since(start).Nanoseconds()) / 1e6
						refMs[name] = ref
					}
					per := timeAgainstBaseline(b, in)
					if sz.n == 256 {
						base = per
					}
					if base > 0 {
						b.ReportMetric(per/base, "x-vs-256x64")
					}
					if ref > 0 {
						b.ReportMetric(ref/(per/1e6), "x-faster-than-ref")
					}
				})
			}
		}
	}
}

// timeAgainstBaseline runs b.N epochs of in, each followed by the previous
// implementation (yuma/internal/baseline) on the same input, reports
// ms/epoch, cpu-ms/epoch, baseline-ms/epoch, x-vs-baseline and
// cpu-x-vs-baseline, and returns the wall nanoseconds per epoch.
func timeAgainstBaseline(b *testing.B, in *Input) float64 {
	old := toBaseline(in)
	workers := min(runtime.GOMAXPROCS(0), 8)
	b.ResetTimer()
	var wall, cpu, oldWall, oldCPU int64
	for i := 0; i < b.N; i++ {
		start, cpu0 := time.Now(), cpuNanos()
		if _, err := Epoch(in); err != nil {
			b.Fatal(err)
		}
		wall += time.Since(start).Nanoseconds()
		cpu += cpuNanos() - cpu0
		start, cpu0 = time.Now(), cpuNanos()
		if _, err := baseline.EpochWorkers(old, workers); err != nil {
			b.Fatal(err)
		}
		oldWall += time.Since(start).Nanoseconds()
		oldCPU += cpuNanos() - cpu0
	}
	b.StopTimer()
	per := float64(wall) / float64(b.N)
	b.ReportMetric(per/1e6, "ms/epoch")
	b.ReportMetric(float64(oldWall)/float64(b.N)/1e6, "baseline-ms/epoch")
	b.ReportMetric(float64(oldWall)/float64(wall), "x-vs-baseline")
	if cpu > 0 && oldCPU > 0 {
		b.ReportMetric(float64(cpu)/float64(b.N)/1e6, "cpu-ms/epoch")
		b.ReportMetric(float64(oldCPU)/float64(cpu), "cpu-x-vs-baseline")
	}
	return per
}

// BenchmarkEpoch_Sell is the dense Yuma3 epoch with liquid alpha in which
// validators sell: the benchmark input with every validator's weights drawn
// again after the warm-up epoch, so that many weights fall below their
// bonds and the liquid-alpha sigmoid is needed for about a quarter of the
// entries (BenchmarkEpoch's steady state needs it for none).
func BenchmarkEpoch_Sell(b *testing.B) {
	for _, sz := range []struct{ n, v int }{{1024, 128}, {4096, 256}} {
		b.Run(fmt.Sprintf("yuma3-liquid/dense/n=%d/v=%d", sz.n, sz.v), func(b *testing.B) {
			in := benchInput(sz.n, sz.v, true, true)
			r := rand.New(rand.NewPCG(5, 6))
			for i := 0; i < sz.v; i++ {
				for k := range in.Neurons[i].Weights {
					in.Neurons[i].Weights[k].Value = uint16(r.IntN(65536))
				}
			}
			timeAgainstBaseline(b, in)
		})
	}
}
