package plugins

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/subnetd/subnetd/runtime"
)

// BenchOptions configures Bench.
type BenchOptions struct {
	// Miners is the number of synthetic miners in the Round (default 4096).
	Miners int
	// MinTime is how long each side is measured at least (default 1s).
	MinTime time.Duration
	// Engine selects the Wasm engine (default wazero).
	Engine runtime.Engine
	// Limits are the runtime limits; zero fields take the defaults. The execution bound is on.
	Limits runtime.Limits
}

// BenchReport is one JSON line of `subnetd plugin bench`.
type BenchReport struct {
	// Miners is the Round's size.
	Miners int `json:"miners"`
	// WasmNsPerCall is the mean time of one end-to-end scorer call through the runtime: fresh
	// instance, _initialize (or a command scorer's start-up), copy in, score, copy out,
	// validation of the Scores.
	WasmNsPerCall float64 `json:"wasm_ns_per_call"`
	// NativeNsPerCall is the mean time of the native counterpart on the same bytes: for
	// NativeBench the scorer call in-process (decode Round, score, encode Scores); for
	// NativeCommand a whole process, start-up included.
	NativeNsPerCall float64 `json:"native_ns_per_call"`
	// Ratio is WasmNsPerCall / NativeNsPerCall.
	Ratio float64 `json:"ratio"`
	// InstantiateNs is the median time to create an instance (start function and _initialize).
	InstantiateNs float64 `json:"instantiate_ns"`
	// ExportNs is the median time spent in the export (copy in, score, copy out): the rest
	// of WasmNsPerCall past InstantiateNs is the host's work, mostly validating the Scores.
	ExportNs float64 `json:"export_ns"`
	// GasPerCall is the gas one call used (the same on every machine and engine).
	GasPerCall uint64 `json:"gas_per_call"`
	// WasmCPUNsPerCall, NativeCPUNsPerCall and CPURatio are the same figures in CPU time of
	// the measuring process (all its threads), which other work on a shared machine disturbs
	// far less than wall time; 0 where the system cannot say (and for NativeCommand).
	WasmCPUNsPerCall   float64 `json:"wasm_cpu_ns_per_call,omitempty"`
	NativeCPUNsPerCall float64 `json:"native_cpu_ns_per_call,omitempty"`
	CPURatio           float64 `json:"cpu_ratio,omitempty"`
	// CompileColdMs is the time to screen and compile the module with an empty cache.
	CompileColdMs float64 `json:"compile_cold_ms"`
	// CompileCachedMs is the time to load it again in a new runtime from the on-disk cache.
	CompileCachedMs float64 `json:"compile_cached_ms"`
	// Lang is the scorer's language (plugins.Lang).
	Lang Lang `json:"lang"`
}

// Bench builds the scorer in dir as Wasm and asks its Language for the native counterpart,
// then runs both on the same Round bytes for opts.Miners synthetic miners, measured in the
// same run. The native side always runs in a child process:
//
//   - NativeBench (Go's pdk.Main): the child times the scorer call in-process, as the Wasm
//     side's figure is one call too.
//   - NativeCommand (command scorers, e.g. Python run by python3): Bench times whole processes
//     fed the Round on stdin, start-up included, at least three runs and opts.MinTime, and
//     takes the mean, as every Wasm call starts the interpreter in a fresh instance too.
//
// When the counterpart is another program implementing the same algorithm (SameAlgorithm:
// AssemblyScript's Go twin), Bench first checks that both return the same Scores on the
// benchmark Round, so the ratio compares like with like.
func Bench(ctx context.Context, dir string, opts BenchOptions) (BenchReport, error) {
	lang, err := LanguageFor(dir)
	if err != nil {
		return BenchReport{}, fmt.Errorf("bench: %w", err)
	}
	if opts.Miners <= 0 {
		opts.Miners = 4096
	}
	if opts.MinTime <= 0 {
		opts.MinTime = time.Second
	}
	tmp, err := os.MkdirTemp("", "subnetd-bench")
	if err != nil {
		return BenchReport{}, err
	}
	defer os.RemoveAll(tmp)
	wasmPath, err := Build(ctx, dir, TargetWasm, filepath.Join(tmp, "scorer.wasm"))
	if err != nil {
		return BenchReport{}, err
	}
	nat, err := lang.Native(ctx, dir, tmp)
	if err != nil {
		return BenchReport{}, fmt.Errorf("bench: %w", err)
	}
	if len(nat.Argv) == 0 {
		return BenchReport{}, fmt.Errorf("bench %s: the %s language gave no native command", dir, lang.Name())
	}
	wasm, err := os.ReadFile(wasmPath)
	if err != nil {
		return BenchReport{}, err
	}
	rep := BenchReport{Miners: opts.Miners, Lang: lang.Name()}
	cfg := runtime.Config{Engine: opts.Engine, Limits: opts.Limits, CacheDir: filepath.Join(tmp, "cache")}

	// Cold compile, then a new runtime over the same disk cache.
	_, rt, took, err := loadTimed(ctx, cfg, wasm)
	if err != nil {
		return BenchReport{}, err
	}
	rt.Close(ctx)
	rep.CompileColdMs = ms(took)
	scorer, rt, took, err := loadTimed(ctx, cfg, wasm)
	if err != nil {
		return BenchReport{}, err
	}
	defer rt.Close(ctx)
	rep.CompileCachedMs = ms(took)

	round, meta, err := SyntheticRound(ctx, scorer, opts.Miners)
	if err != nil {
		return BenchReport{}, err
	}
	roundPath := filepath.Join(tmp, "round.json")
	if err := os.WriteFile(roundPath, round, 0o600); err != nil {
		return BenchReport{}, err
	}

	// Wasm: warm up once, then time whole calls.
	first, err := scorer.Score(ctx, round, meta)
	if err != nil {
		return BenchReport{}, err
	}
	if nat.SameAlgorithm {
		if err := sameScores(ctx, nat, roundPath, round, first.Output); err != nil {
			return BenchReport{}, fmt.Errorf("bench: native counterpart of %s: %w", dir, err)
		}
	}
	var inst, export []time.Duration
	n := 0
	start, cpu := time.Now(), processCPU()
	for {
		res, err := scorer.Score(ctx, round, meta)
		if err != nil {
			return BenchReport{}, err
		}
		inst = append(inst, res.Instantiate)
		export = append(export, res.Call)
		rep.GasPerCall = res.GasUsed
		n++
		if el := time.Since(start); el >= opts.MinTime && n >= 3 {
			rep.WasmNsPerCall = float64(el.Nanoseconds()) / float64(n)
			if cpu > 0 {
				rep.WasmCPUNsPerCall = float64(processCPU()-cpu) / float64(n)
			}
			break
		}
	}
	slices.Sort(inst)
	slices.Sort(export)
	rep.InstantiateNs = float64(inst[len(inst)/2].Nanoseconds())
	rep.ExportNs = float64(export[len(export)/2].Nanoseconds())

	// Native: the same bytes.
	switch nat.Protocol {
	case NativeBench:
		rep.NativeNsPerCall, rep.NativeCPUNsPerCall, err = nativeBenchInProcess(ctx, nat, roundPath, opts.MinTime)
	case NativeCommand:
		rep.NativeNsPerCall, err = nativeBenchProcesses(ctx, nat, round, opts.MinTime)
	default:
		err = fmt.Errorf("unknown native protocol %d", nat.Protocol)
	}
	if err != nil {
		return BenchReport{}, fmt.Errorf("bench %s: native: %w", dir, err)
	}
	rep.Ratio = math.Round(rep.WasmNsPerCall/rep.NativeNsPerCall*1000) / 1000
	if rep.WasmCPUNsPerCall > 0 && rep.NativeCPUNsPerCall > 0 {
		rep.CPURatio = math.Round(rep.WasmCPUNsPerCall/rep.NativeCPUNsPerCall*1000) / 1000
	}
	return rep, nil
}

// nativeBenchInProcess runs pdk.Main's bench command and returns its wall and CPU ns per
// call (CPU 0 when the kit did not report it).
func nativeBenchInProcess(ctx context.Context, nat Native, roundPath string, minTime time.Duration) (wall, cpu float64, err error) {
	cmd := nativeCmd(ctx, nat, "bench", "--round", roundPath, "--min-time", minTime.String())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w: %s", strings.Join(cmd.Args, " "), err, strings.TrimSpace(stderr.String()))
	}
	var res struct {
		NsPerCall    float64 `json:"ns_per_call"`
		CPUNsPerCall float64 `json:"cpu_ns_per_call"`
	}
	if err := json.Unmarshal(out, &res); err != nil || res.NsPerCall <= 0 {
		return 0, 0, fmt.Errorf("unreadable bench result %q", out)
	}
	return res.NsPerCall, res.CPUNsPerCall, nil
}

// nativeBenchProcesses times whole runs of a command scorer's native counterpart fed the
// Round on stdin (at least three, and at least minTime in all) and returns the mean.
func nativeBenchProcesses(ctx context.Context, nat Native, round []byte, minTime time.Duration) (float64, error) {
	var total time.Duration
	n := 0
	for total < minTime || n < 3 {
		cmd := nativeCmd(ctx, nat, "score")
		cmd.Stdin = bytes.NewReader(round)
		var stderr strings.Builder
		cmd.Stdout, cmd.Stderr = io.Discard, &stderr
		t := time.Now()
		err := cmd.Run()
		total += time.Since(t)
		if err != nil {
			return 0, fmt.Errorf("%s: %w: %s", strings.Join(cmd.Args, " "), err, lastLine(stderr.String()))
		}
		n++
	}
	return float64(total.Nanoseconds()) / float64(n), nil
}

func nativeCmd(ctx context.Context, nat Native, args ...string) *exec.Cmd {
	argv := append(slices.Clone(nat.Argv), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = nat.Dir
	return cmd
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// sameScores runs the native counterpart once on the Round and compares its Scores with the
// Wasm scorer's output, byte for byte.
func sameScores(ctx context.Context, nat Native, roundPath string, round, wasmOut []byte) error {
	var cmd *exec.Cmd
	if nat.Protocol == NativeCommand {
		cmd = nativeCmd(ctx, nat, "score")
		cmd.Stdin = bytes.NewReader(round)
	} else {
		cmd = nativeCmd(ctx, nat, "score", "--round", roundPath)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("native score: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	if got := strings.TrimSuffix(string(out), "\n"); got != string(wasmOut) {
		return fmt.Errorf("returns other Scores than the Wasm scorer on the benchmark Round, so it is not the same algorithm:\n wasm:   %s\n native: %s",
			firstBytes(wasmOut, 300), firstBytes([]byte(got), 300))
	}
	return nil
}

func firstBytes(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}

func loadTimed(ctx context.Context, cfg runtime.Config, wasm []byte) (*runtime.Scorer, *runtime.Runtime, time.Duration, error) {
	rt, err := runtime.New(ctx, cfg)
	if err != nil {
		return nil, nil, 0, err
	}
	t := time.Now()
	s, err := rt.Load(ctx, "bench", wasm)
	if err != nil {
		rt.Close(ctx)
		return nil, nil, 0, err
	}
	return s, rt, time.Since(t), nil
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())) / 1000 }

// SyntheticRound builds a deterministic Round of n miners for benchmarks: the scorer's own
// challenge when it has one (a declined challenge, runtime.ErrNoChallenge, means none), and a mix of good, wrong, slow and failed answers.
func SyntheticRound(ctx context.Context, s *runtime.Scorer, n int) ([]byte, runtime.RoundMeta, error) {
	if n < 0 || n > math.MaxUint16+1 {
		return nil, runtime.RoundMeta{}, fmt.Errorf("synthetic round: %d miners is not in 0..65536", n)
	}
	r := runtime.Round{Netuid: 1, Block: 4_521_000, BlockHash: "0x" + strings.Repeat("ab", 32), BlockTimeMs: 1_764_000_000_000,
		Validator: runtime.Validator{UID: 0, Hotkey: "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"},
		Miners:    make([]runtime.Miner, n)}
	for i := range r.Seed {
		r.Seed[i] = byte(i*7 + 1)
	}
	for i := range r.Miners {
		r.Miners[i] = runtime.Miner{UID: uint16(i), Hotkey: fmt.Sprintf("5Miner%06d", i), Stake: float64(i%97) * 1.5}
	}
	answer := 0.0
	if s.Info().HasChallenge {
		req, meta, err := r.EncodeChallengeRequest()
		if err != nil {
			return nil, runtime.RoundMeta{}, err
		}
		res, err := s.Challenge(ctx, req, meta)
		switch {
		case errors.Is(err, runtime.ErrNoChallenge):
			// The export is there but declined (pdk/go always exports it): no challenge, as
			// the daemon then sends the subnet's configured body.
		case err != nil:
			return nil, runtime.RoundMeta{}, err
		default:
			c, err := runtime.ParseChallenge(res.Output)
			if err != nil {
				return nil, runtime.RoundMeta{}, err
			}
			r.Challenge = c.Body
			var body struct{ Numbers []float64 }
			if json.Unmarshal(c.Body, &body) == nil {
				for _, v := range body.Numbers {
					answer += v
				}
			}
		}
	}
	for i := range r.Miners {
		m := &r.Miners[i]
		m.Status, m.LatencyMs = 200, float64(50+(i*37)%900)
		switch i % 8 {
		case 6:
			m.Status, m.LatencyMs = 408, 12000
		case 7:
			m.Status = 503
		default:
			m.Response = json.RawMessage(fmt.Sprintf(`{"answer":%g,"text":"miner %d answers round 4521000"}`, answer+float64(i%5)*0.5, i))
		}
	}
	return r.Encode()
}
