package validator

import (
	"context"
	"fmt"
	"path/filepath"
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/subnetd/subnetd/chain/devnet"
	"github.com/subnetd/subnetd/internal/miner"
	"github.com/subnetd/subnetd/records"
	"github.com/subnetd/subnetd/wallet"
)

// benchNet is nSubnets devnet subnets sharing nMiners example miners (each registered and
// serving on every subnet) and one validator.
func benchNet(b *testing.B, nSubnets, nMiners int) (*devnet.Node, *wallet.Keypair, *records.DB) {
	b.Helper()
	dc := devnet.New(1)
	hp := devnet.DefaultHyperparameters()
	hp.Tempo = 1000
	hp.MinAllowedWeights = 1
	hp.WeightsSetRateLimit = 0
	hp.MaxAllowedUids = uint16(nMiners + 1)
	hp.MaxAllowedValidators = 4
	hp.ActivityCutoffOverride, hp.ActivityCutoff = true, 1_000_000
	ch := devnet.NewNode(dc)
	key, err := wallet.FromURI("//Alice")
	if err != nil {
		b.Fatal(err)
	}
	for s := 1; s <= nSubnets; s++ {
		if err := dc.CreateSubnet(uint16(s), devnet.SubnetConfig{Hyperparameters: hp}); err != nil {
			b.Fatal(err)
		}
		dc.Register(uint16(s), key.SS58())
		dc.SetStake(uint16(s), key.SS58(), devnet.Stake{Alpha: 1000e9})
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	for i := 0; i < nMiners; i++ {
		kp, err := wallet.FromURI(fmt.Sprintf("//bench-miner-%d", i))
		if err != nil {
			b.Fatal(err)
		}
		m, err := miner.Start(ctx, miner.Config{Keypair: kp, Quality: 1})
		if err != nil {
			b.Fatal(err)
		}
		ip, port := m.Addr()
		for s := 1; s <= nSubnets; s++ {
			dc.Register(uint16(s), kp.SS58())
			ch.ServeAxon(uint16(s), kp.SS58(), ip, port)
		}
	}
	for s := 1; s <= nSubnets; s++ {
		if _, err := dc.RunEpoch(uint16(s), 0); err != nil { // permits
			b.Fatal(err)
		}
	}
	db, err := records.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return ch, key, db
}

type sweep struct {
	roundsPerMin  float64
	cpuPerRoundMs float64
	heapPerSubnet float64 // MiB
	failed        int64
}

// runSweep runs every subnet's round loop back to back (no block pacing) for d and measures
// the sustained throughput, the process CPU time per round and the heap per subnet.
func runSweep(b *testing.B, nSubnets, nMiners int, d time.Duration) sweep {
	ch, key, db := benchNet(b, nSubnets, nMiners)
	var before goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&before)
	var subs []*Subnet
	for s := 1; s <= nSubnets; s++ {
		sub, err := NewSubnet(context.Background(), SubnetConfig{Netuid: uint16(s), Synapse: "Ping", Body: []byte(`{}`), Timeout: 5 * time.Second},
			SubnetDeps{Chain: ch, Key: key, Records: db, CacheDir: cacheDir})
		if err != nil {
			b.Fatal(err)
		}
		sc, err := sub.LoadScorer(context.Background(), "latency", "bench", latencyWasm)
		if err != nil {
			b.Fatal(err)
		}
		sub.SetScorer(sc)
		subs = append(subs, sub)
		defer sub.Close(context.Background())
	}
	var ru0, ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var rounds, failed atomic.Int64
	var peak atomic.Uint64
	start := time.Now()
	var wg sync.WaitGroup
	for _, s := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				res, err := s.RunRound(context.Background())
				if err != nil || res.ScorerErr != nil || res.TxErr != nil {
					failed.Add(1)
				}
				rounds.Add(1)
				var ms goruntime.MemStats
				if rounds.Load()%16 == 0 {
					goruntime.ReadMemStats(&ms)
					if ms.HeapInuse > peak.Load() {
						peak.Store(ms.HeapInuse)
					}
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := time.Duration(ru1.Utime.Nano()-ru0.Utime.Nano()) + time.Duration(ru1.Stime.Nano()-ru0.Stime.Nano())
	n := rounds.Load()
	heap := float64(0)
	if p := peak.Load(); p > before.HeapInuse {
		heap = float64(p-before.HeapInuse) / float64(nSubnets) / (1 << 20)
	}
	return sweep{roundsPerMin: float64(n) / el.Minutes(), cpuPerRoundMs: float64(cpu.Milliseconds()) / float64(max(n, 1)),
		heapPerSubnet: heap, failed: failed.Load()}
}

// BenchmarkDaemon_32x256 runs 32 subnets × 256 miners in one process (the miners serve on
// loopback in the same process, so their CPU is counted too) and reports the sustained rounds per
// minute, CPU per round and heap per subnet, next to a baseline of 1 subnet × 256 miners measured
// in the same run: per_subnet_ratio is (rounds/min per subnet at 32) / (rounds/min at 1).
//
//	go test -run '^$' -bench Daemon_32x256 -benchtime 1x ./validator
//
// With -short only the baseline runs.
func BenchmarkDaemon_32x256(b *testing.B) {
	for i := 0; i < b.N; i++ {
		base := runSweep(b, 1, 256, 8*time.Second)
		if testing.Short() {
			b.ReportMetric(base.roundsPerMin, "base_rounds/min")
			b.ReportMetric(base.cpuPerRoundMs, "base_cpu_ms/round")
			continue
		}
		full := runSweep(b, 32, 256, 20*time.Second)
		b.ReportMetric(base.roundsPerMin, "base_rounds/min")
		b.ReportMetric(full.roundsPerMin, "rounds/min")
		b.ReportMetric(full.roundsPerMin/32, "rounds/min/subnet")
		b.ReportMetric(full.roundsPerMin/32/base.roundsPerMin, "per_subnet_ratio")
		b.ReportMetric(full.cpuPerRoundMs, "cpu_ms/round")
		b.ReportMetric(base.cpuPerRoundMs, "base_cpu_ms/round")
		b.ReportMetric(full.heapPerSubnet, "heap_MiB/subnet")
		b.ReportMetric(float64(full.failed+base.failed), "failed_rounds")
	}
}
