package weights

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// benchInput is a deterministic, skewed score vector: a tenth of the uids score zero and the
// rest follow a heavy tail, so that the max-weight cap binds (the slowest path).
func benchInput(n int) ([]int64, []float64) {
	r := rand.New(rand.NewPCG(1, uint64(n)))
	uids := make([]int64, n)
	scores := make([]float64, n)
	for i := range scores {
		uids[i] = int64(i)
		if r.IntN(10) > 0 {
			scores[i] = math.Pow(r.Float64(), 8)
		}
	}
	return uids, scores
}

// naiveEmit is the baseline: the least work any scores → u16 conversion must do (one float64
// pass for the max, one to scale and round), with none of the SDK's rules.
func naiveEmit(scores []float64) []uint16 {
	m := 0.0
	for _, s := range scores {
		m = max(m, s)
	}
	out := make([]uint16, 0, len(scores))
	for _, s := range scores {
		if v := math.RoundToEven(s / m * U16Max); v > 0 {
			out = append(out, uint16(v))
		}
	}
	return out
}

// naiveNsPerOp times the baseline for at least 50 ms (testing.Benchmark cannot be nested in
// a running benchmark).
func naiveNsPerOp(scores []float64) float64 {
	start := time.Now()
	iters := 0
	for time.Since(start) < 50*time.Millisecond {
		for range 100 {
			naiveEmit(scores)
		}
		iters += 100
	}
	return float64(time.Since(start).Nanoseconds()) / float64(iters)
}

// BenchmarkCompute measures the whole SDK pipeline and reports its cost as a multiple of
// the naive baseline measured in the same run (x_naive).
func BenchmarkCompute(b *testing.B) {
	for _, n := range []int{256, 4096} {
		uids, scores := benchInput(n)
		p := Params{NumNeurons: n, MinAllowedWeights: 8, MaxWeightLimit: LimitFromU16(3276)} // about 0.05
		if out, err := Compute(uids, scores, p); err != nil || len(out.Weights) == 0 {
			b.Fatalf("bench input does not emit: %v", err)
		}
		baseNs := naiveNsPerOp(scores)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := Compute(uids, scores, p); err != nil {
					b.Fatal(err)
				}
			}
			perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(baseNs, "naive_ns/op")
			b.ReportMetric(perOp/baseNs, "x_naive")
		})
	}
}

// BenchmarkPairwiseSum measures numpy's summation order against a plain loop on the same data.
func BenchmarkPairwiseSum(b *testing.B) {
	a := make([]float32, 4096)
	for i := range a {
		a[i] = float32(i%97) / 97
	}
	var sink float32
	b.Run("pairwise", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink += npSum(a)
		}
	})
	b.Run("sequential", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			var s float32
			for _, v := range a {
				s += v
			}
			sink += s
		}
	})
	_ = sink
}
