package yuma

import (
	"testing"

	"github.com/subnetd/subnetd/yuma/internal/baseline"
)

func BenchmarkTmpSparseNew(b *testing.B) {
	in := benchInput(4096, 256, false, false)
	for i := 0; i < b.N; i++ {
		epoch(in, 1)
	}
}

func BenchmarkTmpSparseOld(b *testing.B) {
	in := toBaseline(benchInput(4096, 256, false, false))
	for i := 0; i < b.N; i++ {
		baseline.EpochWorkers(in, 1)
	}
}
