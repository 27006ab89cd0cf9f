package validator

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
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

// benchMinersChild is the process that serves the benchmark's miners (SUBNETD_BENCH_MINERS=N):
// N example miners on loopback, one "hotkey ip port" line each on stdout, until stdin closes.
// Keeping them out of the validator's process lets the benchmark measure the validator's own
// memory and CPU.
func benchMinersChild() {
	n, err := strconv.Atoi(os.Getenv("SUBNETD_BENCH_MINERS"))
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := bufio.NewWriter(os.Stdout)
	for i := 0; i < n; i++ {
		kp, err := wallet.FromURI(fmt.Sprintf("//bench-miner-%d", i))
		if err != nil {
			panic(err)
		}
		m, err := miner.Start(ctx, miner.Config{Keypair: kp, Quality: 1})
		if err != nil {
			panic(err)
		}
		ip, port := m.Addr()
		fmt.Fprintf(w, "%s %s %d\n", kp.SS58(), ip, port)
	}
	w.Flush()
	io.Copy(io.Discard, os.Stdin) // until the benchmark closes our stdin
}

// startBenchMiners starts nMiners miners in a child process and returns their hotkeys and
// addresses; the child ends with the benchmark.
func startBenchMiners(b *testing.B, nMiners int) (hotkeys []string, ips []string, ports []int) {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("SUBNETD_BENCH_MINERS=%d", nMiners))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	for len(hotkeys) < nMiners && sc.Scan() {
		var hk, ip string
		var port int
		if _, err := fmt.Sscan(sc.Text(), &hk, &ip, &port); err != nil {
			b.Fatalf("miner child: %q: %v", sc.Text(), err)
		}
		hotkeys, ips, ports = append(hotkeys, hk), append(ips, ip), append(ports, port)
	}
	if len(hotkeys) < nMiners {
		b.Fatalf("miner child started %d of %d miners: %v", len(hotkeys), nMiners, sc.Err())
	}
	return hotkeys, ips, ports
}

// benchNet is nSubnets devnet subnets sharing nMiners example miners (each registered and
// serving on every subnet, from a child process) and one validator.
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
	hotkeys, ips, ports := startBenchMiners(b, nMiners)
	for i, hk := range hotkeys {
		for s := 1; s <= nSubnets; s++ {
			dc.Register(uint16(s), hk)
			ch.ServeAxon(uint16(s), hk, ips[i], ports[i])
		}
	}
	for s := 1; s <= nSubnets; s++ {
		if _, err := dc.RunEpoch(uint16(s), 0); err != nil { // permits
			b.Fatal(err)
		}
	}
	db, err := records.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
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
	heapPeak      float64 // MiB, the whole heap at its peak
	rssPeak       float64 // MiB, the process's peak resident set (VmHWM)
	failed        int64
}

// runSweep runs every subnet's round loop back to back (no block pacing) for d and measures
// the sustained throughput, the process CPU time per round and the memory: the heap per subnet
// (peak minus the heap before the subnets existed), the peak heap and the peak resident set. The
// miners run in another process, so every figure is the validator's own (the devnet chain
// included, which is small). Subnets share runtimes as the daemon's do.
func runSweep(b *testing.B, nSubnets, nMiners int, d time.Duration) sweep {
	ch, key, db := benchNet(b, nSubnets, nMiners)
	var before goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&before)
	rts := NewRuntimes(0)
	defer rts.Close(context.Background())
	wasm, scfg := latencyWasm, SubnetConfig{Synapse: "Ping", Body: []byte(`{}`), Timeout: 5 * time.Second}
	if path := os.Getenv("SUBNETD_BENCH_SCORER"); path != "" { // a quality scorer, in any language
		var err error
		if wasm, err = os.ReadFile(path); err != nil {
			b.Fatal(err)
		}
		scfg.Synapse, scfg.Body = "SumTask", []byte(`{"task":"sum","id":"fixed","numbers":[1,2,3]}`)
	}
	var subs []*Subnet
	for s := 1; s <= nSubnets; s++ {
		scfg.Netuid = uint16(s)
		sub, err := NewSubnet(context.Background(), scfg, SubnetDeps{Chain: ch, Key: key, Records: db, CacheDir: cacheDir, Runtimes: rts})
		if err != nil {
			b.Fatal(err)
		}
		sc, err := sub.LoadScorer(context.Background(), "bench", "1", wasm)
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
				if err == nil && res.ScorerErr != nil {
					err = fmt.Errorf("scorer: %w", res.ScorerErr)
				} else if err == nil && res.TxErr != nil {
					err = fmt.Errorf("weights: %w", res.TxErr)
				}
				if err != nil && failed.Add(1) == 1 {
					b.Logf("subnet %d: first failed round: %v", s.Netuid(), err)
				}
				if rounds.Add(1)%4 == 0 {
					var ms goruntime.MemStats
					goruntime.ReadMemStats(&ms)
					for p := peak.Load(); ms.HeapInuse > p && !peak.CompareAndSwap(p, ms.HeapInuse); p = peak.Load() {
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
	sw := sweep{roundsPerMin: float64(n) / el.Minutes(), cpuPerRoundMs: float64(cpu.Milliseconds()) / float64(max(n, 1)),
		heapPeak: float64(peak.Load()) / (1 << 20), rssPeak: peakRSSMiB(b), failed: failed.Load()}
	if p := peak.Load(); p > before.HeapInuse {
		sw.heapPerSubnet = float64(p-before.HeapInuse) / float64(nSubnets) / (1 << 20)
	}
	return sw
}

// peakRSSMiB reads the process's peak resident set size (VmHWM) from /proc/self/status.
func peakRSSMiB(b *testing.B) float64 {
	st, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Logf("peak RSS unknown: %v", err)
		return 0
	}
	for _, line := range strings.Split(string(st), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}

// benchDaemon runs nSubnets subnets × 256 miners in one validator process (the miners in a
// child process) and reports the sustained rounds per minute, CPU per round and the validator's
// memory, next to a baseline of 1 subnet × 256 miners measured in the same run:
// per_subnet_ratio is (rounds/min per subnet at nSubnets) / (rounds/min at 1). With -short only
// the baseline runs.
func benchDaemon(b *testing.B, nSubnets int) {
	for i := 0; i < b.N; i++ {
		base := runSweep(b, 1, 256, 8*time.Second)
		b.ReportMetric(base.roundsPerMin, "base_rounds/min")
		b.ReportMetric(base.cpuPerRoundMs, "base_cpu_ms/round")
		if testing.Short() {
			continue
		}
		full := runSweep(b, nSubnets, 256, 20*time.Second)
		b.ReportMetric(full.roundsPerMin, "rounds/min")
		b.ReportMetric(full.roundsPerMin/float64(nSubnets), "rounds/min/subnet")
		b.ReportMetric(full.roundsPerMin/float64(nSubnets)/base.roundsPerMin, "per_subnet_ratio")
		b.ReportMetric(full.cpuPerRoundMs, "cpu_ms/round")
		b.ReportMetric(full.heapPerSubnet, "heap_MiB/subnet")
		b.ReportMetric(full.heapPeak, "validator_heap_peak_MiB")
		b.ReportMetric(full.rssPeak, "validator_rss_peak_MiB")
		b.ReportMetric(float64(full.failed+base.failed), "failed_rounds")
	}
}

// BenchmarkDaemon_32x256: 32 subnets × 256 miners.
//
//	go test -run '^$' -bench Daemon_32x256 -benchtime 1x ./validator
func BenchmarkDaemon_32x256(b *testing.B) { benchDaemon(b, 32) }

// BenchmarkDaemon_128x256: every mainnet subnet, 128 × 256 miners; the goal is a validator
// (validator_rss_peak_MiB) of at most 2 GiB. SUBNETD_BENCH_SCORER=path.wasm runs a quality
// scorer (e.g. quality-py's, built by `subnetd plugin build examples/scorers/quality-py`) instead
// of the latency one.
//
//	go test -run '^$' -bench Daemon_128x256 -benchtime 1x -timeout 30m ./validator
func BenchmarkDaemon_128x256(b *testing.B) { benchDaemon(b, 128) }
