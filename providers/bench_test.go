package providers

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/subnetd/subnetd/providers/internal/testfeatures"
)

// benchRound is a Round of n miners whose answers look like the quality example's.
func benchRound(n int) ([]byte, []uint16) {
	type miner struct {
		UID      uint16          `json:"uid"`
		Hotkey   string          `json:"hotkey"`
		Status   int             `json:"status"`
		Response json.RawMessage `json:"response"`
	}
	var r struct {
		Miners []miner `json:"miners"`
	}
	uids := make([]uint16, n)
	for i := range n {
		uids[i] = uint16(i)
		r.Miners = append(r.Miners, miner{UID: uint16(i), Hotkey: fmt.Sprintf("5Miner%06d", i), Status: 200,
			Response: json.RawMessage(fmt.Sprintf(`{"answer":%d.5,"text":"miner %d answers round 4521000"}`, i, i))})
	}
	b, _ := json.Marshal(r)
	return b, uids
}

// BenchmarkProvider_overhead times one Features call through a managed provider process (gRPC
// on loopback, the size cap, answer validation) against the provider's own work done in-process
// on the same bytes, measured in the same run; it reports the host's overhead per call and the
// ratio.
func BenchmarkProvider_overhead(b *testing.B) {
	p, err := Start(Config{Name: "bench", Command: []string{testProvider(b), "echo"}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.Ready(ctx); err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{256, 4096} {
		round, uids := benchRound(n)
		b.Run(fmt.Sprintf("miners=%d", n), func(b *testing.B) {
			// Baseline: the provider's own work, in this process.
			const baseRuns = 200
			t := time.Now()
			for range baseRuns {
				if _, err := testfeatures.Echo(round); err != nil {
					b.Fatal(err)
				}
			}
			own := float64(time.Since(t).Nanoseconds()) / baseRuns
			b.ResetTimer()
			for b.Loop() {
				if _, err := p.Features(context.Background(), round, uids); err != nil {
					b.Fatal(err)
				}
			}
			per := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(own, "provider-ns/op")
			b.ReportMetric(per-own, "overhead-ns/op")
			b.ReportMetric(per/own, "ratio")
		})
	}
}
