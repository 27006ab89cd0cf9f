//go:build !unix

package yuma

// cpuNanos is unavailable here; benchmarks then report no CPU figure.
func cpuNanos() int64 { return 0 }
