package yuma

import "testing"

func BenchmarkTmpAlloc(b *testing.B) {
	in := benchInput(4096, 256, true, false)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		epoch(in, 2)
	}
}
