// Package demo is the embedded network behind `subnetd demo`: a devnet chain with two subnets,
// a dozen example miners of different quality on loopback, and validators with different stakes
// running the example scorers through the real daemon loop (package validator), for a few
// tempos; then a table per miner and per validator, and a replay of every recorded round.
//
// Subnet 1 runs the quality scorer (its own seed-derived summing challenge); subnet 2 runs the
// latency scorer (a Ping synapse from the config). The third validator runs the latency scorer
// on subnet 1 as well, so it disagrees with the others there and the table shows what Yuma does
// to a validator out of consensus (lower validator trust and dividends).
package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	goruntime "runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/subnetd/subnetd/chain/devnet"
	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/records"
	"github.com/subnetd/subnetd/runtime"
	"github.com/subnetd/subnetd/validator"
	"github.com/subnetd/subnetd/wallet"
)

// Netuids of the demo's subnets.
const (
	QualityNetuid uint16 = 1
	LatencyNetuid uint16 = 2
)

// MinerSpec is one demo miner.
type MinerSpec struct {
	// Name is shown in the table ("good-1", "bad-2", ...); Profile is its kind.
	Name, Profile string
	// Quality, Latency and Dead configure the example miner.
	Quality float64
	Latency time.Duration
	Dead    bool
}

// ValidatorSpec is one demo validator.
type ValidatorSpec struct {
	// Name is shown in the table; URI is its hotkey's secret URI (//Alice, ...).
	Name, URI string
	// StakeTAO is its alpha stake on both subnets.
	StakeTAO uint64
	// Scorers maps each netuid to the scorer it runs there ("quality" or "latency").
	Scorers map[uint16]string
}

// Config configures a demo run. Zero fields take DefaultConfig's values.
type Config struct {
	// Dir receives records.db, records.jsonl and the built scorers (default ./subnetd-demo).
	Dir string
	// ScorersDir holds the example scorers' sources (quality/, latency/); empty means: find
	// examples/scorers above the working directory, or use scorers built into Dir earlier.
	ScorersDir string
	// Tempo is the subnets' tempo in blocks; Tempos how many epochs the validators run for.
	Tempo  uint16
	Tempos int
	// BlockTime is how often the devnet produces a block.
	BlockTime time.Duration
	// Interval is the number of blocks between a validator's rounds (also the weights rate limit).
	Interval uint64
	// MinerTimeout is the per-miner deadline.
	MinerTimeout time.Duration
	// Miners and Validators are the network; defaults: 12 miners, 3 validators.
	Miners     []MinerSpec
	Validators []ValidatorSpec
	// Progress receives human progress lines (nil: none).
	Progress io.Writer
	// Logger receives the daemon's structured logs (nil: none).
	Logger *slog.Logger
}

// DefaultMiners are the demo's twelve miners.
func DefaultMiners() []MinerSpec {
	var ms []MinerSpec
	add := func(n int, profile string, q float64, lat time.Duration, dead bool) {
		for i := 1; i <= n; i++ {
			ms = append(ms, MinerSpec{Name: fmt.Sprintf("%s-%d", profile, i), Profile: profile, Quality: q, Latency: lat, Dead: dead})
		}
	}
	add(4, "good", 1, 10*time.Millisecond, false)
	add(2, "fair", 0.7, 20*time.Millisecond, false)
	add(3, "bad", 0.2, 10*time.Millisecond, false)
	add(2, "slow", 1, 150*time.Millisecond, false)
	add(1, "dead", 0, 0, true)
	return ms
}

// DefaultValidators are the demo's three validators: two run the subnets' own scorers, the third
// runs the latency scorer on the quality subnet (it disagrees there).
func DefaultValidators() []ValidatorSpec {
	return []ValidatorSpec{
		{Name: "alice", URI: "//Alice", StakeTAO: 1000, Scorers: map[uint16]string{QualityNetuid: "quality", LatencyNetuid: "latency"}},
		{Name: "bob", URI: "//Bob", StakeTAO: 600, Scorers: map[uint16]string{QualityNetuid: "quality", LatencyNetuid: "latency"}},
		{Name: "charlie", URI: "//Charlie", StakeTAO: 300, Scorers: map[uint16]string{QualityNetuid: "latency", LatencyNetuid: "latency"}},
	}
}

// DefaultConfig returns the demo's settings: tempo 20, 4 tempos, 50 ms blocks, a round every 5
// blocks, a 1 s miner deadline.
func DefaultConfig() Config {
	return Config{Dir: "subnetd-demo", Tempo: 20, Tempos: 4, BlockTime: 50 * time.Millisecond, Interval: 5,
		MinerTimeout: time.Second, Miners: DefaultMiners(), Validators: DefaultValidators()}
}

func (c *Config) fill() {
	d := DefaultConfig()
	if c.Dir == "" {
		c.Dir = d.Dir
	}
	if c.Tempo == 0 {
		c.Tempo = d.Tempo
	}
	if c.Tempos <= 0 {
		c.Tempos = d.Tempos
	}
	if c.BlockTime <= 0 {
		c.BlockTime = d.BlockTime
	}
	if c.Interval == 0 {
		c.Interval = d.Interval
	}
	if c.MinerTimeout <= 0 {
		c.MinerTimeout = d.MinerTimeout
	}
	if len(c.Miners) == 0 {
		c.Miners = d.Miners
	}
	if len(c.Validators) == 0 {
		c.Validators = d.Validators
	}
}

// MinerRow is one miner's line of the final table on one subnet.
type MinerRow struct {
	Netuid  uint16 `json:"netuid"`
	UID     uint16 `json:"uid"`
	Name    string `json:"name"`
	Profile string `json:"profile"`
	// Score is the mean of the validators' last scores; Weight the mean of their normalised
	// weights on chain.
	Score  float64 `json:"score"`
	Weight float64 `json:"weight"`
	// Consensus and Incentive are the last epoch's terms; Emission the alpha earned over the run.
	Consensus float64 `json:"consensus"`
	Incentive float64 `json:"incentive"`
	Emission  float64 `json:"emission"`
}

// ValidatorRow is one validator's line of the final table on one subnet.
type ValidatorRow struct {
	Netuid         uint16  `json:"netuid"`
	UID            uint16  `json:"uid"`
	Name           string  `json:"name"`
	Scorer         string  `json:"scorer"`
	StakeTAO       float64 `json:"stake"`
	Dividends      float64 `json:"dividends"`
	ValidatorTrust float64 `json:"validator_trust"`
	Emission       float64 `json:"emission"`
	Rounds         int     `json:"rounds"`
	Failures       int     `json:"failures"`
}

// Result is what a demo run produced.
type Result struct {
	Miners     []MinerRow     `json:"miners"`
	Validators []ValidatorRow `json:"validators"`
	// Rounds is the number of rounds recorded; Replay the replay verdicts.
	Rounds int                   `json:"rounds"`
	Replay records.ReplaySummary `json:"replay"`
	// Records and Export are the paths of the database and the auditor export.
	Records string `json:"records"`
	Export  string `json:"export"`
	// Blocks is the number of blocks produced; Elapsed the wall time of the whole run.
	Blocks  uint64        `json:"blocks"`
	Elapsed time.Duration `json:"elapsed_ns"`
}

func (c *Config) progress(format string, args ...any) {
	if c.Progress != nil {
		fmt.Fprintf(c.Progress, format+"\n", args...)
	}
}

// Run runs the demo network to completion and returns its tables.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	start := time.Now()
	cfg.fill()
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("demo dir: %w", err)
	}
	wasms, err := buildScorers(ctx, &cfg)
	if err != nil {
		return nil, err
	}
	dbPath := filepath.Join(cfg.Dir, "records.db")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(dbPath + suffix)
	}
	db, err := records.Open(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	defer db.Close()

	// Validators' keys, then the chain with every hotkey registered (validators first) and the
	// miners serving on loopback.
	type val struct {
		spec ValidatorSpec
		key  *wallet.Keypair
		v    *validator.Validator
	}
	vals := make([]*val, len(cfg.Validators))
	cache := filepath.Join(cfg.Dir, "cache")
	var dvs []DevnetValidator
	for i, vs := range cfg.Validators {
		kp, err := wallet.FromURI(vs.URI)
		if err != nil {
			return nil, fmt.Errorf("demo validator %s: %w", vs.Name, err)
		}
		vals[i] = &val{spec: vs, key: kp}
		dvs = append(dvs, DevnetValidator{Hotkey: kp.SS58(), StakeTAO: vs.StakeTAO})
	}
	mctx, stopMiners := context.WithCancel(context.Background())
	defer stopMiners()
	net, err := StartDevnet(mctx, DevnetOptions{Netuids: []uint16{QualityNetuid, LatencyNetuid}, Tempo: cfg.Tempo,
		RateLimit: cfg.Interval, Validators: dvs, Miners: cfg.Miners})
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	defer net.Close()
	ch, dc, names, genesis := net.Chain, net.Chain.Devnet(), net.Names, net.Genesis
	cfg.progress("devnet: 2 subnets (1: quality scorer, 2: latency scorer), %d miners on loopback, %d validators", len(cfg.Miners), len(cfg.Validators))

	// Cumulative emission per subnet and uid, from every epoch.
	var emMu sync.Mutex
	emission := map[uint16]map[uint16]uint64{}
	onEpoch := func(eps []devnet.EpochResult) {
		emMu.Lock()
		defer emMu.Unlock()
		for _, ep := range eps {
			if emission[ep.Netuid] == nil {
				emission[ep.Netuid] = map[uint16]uint64{}
			}
			for uid, e := range ep.Output.Emission {
				emission[ep.Netuid][uint16(uid)] += e
			}
		}
	}
	first := dc.Block() // StartDevnet ran the first epoch: the validators hold permits

	// Compile each distinct module once, all at the same time, into the on-disk cache; every
	// validator's subnet then loads it from there.
	if err := precompile(ctx, wasms, cache); err != nil {
		return nil, err
	}
	cfg.progress("scorers compiled (cached in %s)", cache)

	for _, vl := range vals {
		var subs []*validator.Subnet
		for _, netuid := range []uint16{QualityNetuid, LatencyNetuid} {
			name := vl.spec.Scorers[netuid]
			wasm, ok := wasms[name]
			if !ok {
				return nil, fmt.Errorf("demo validator %s: unknown scorer %q", vl.spec.Name, name)
			}
			sc := validator.SubnetConfig{Netuid: netuid, Interval: cfg.Interval, Timeout: cfg.MinerTimeout,
				Limits: demoLimits}
			if name == "latency" {
				if netuid == QualityNetuid {
					// The dissenting validator sends a fixed task and only looks at speed.
					sc.Synapse, sc.Body = "SumTask", json.RawMessage(`{"task":"sum","id":"fixed","numbers":[1,2,3]}`)
				} else {
					sc.Synapse, sc.Body = "Ping", json.RawMessage(`{}`)
				}
			}
			log := cfg.Logger
			if log != nil {
				log = log.With("validator", vl.spec.Name)
			}
			s, err := validator.NewSubnet(ctx, sc, validator.SubnetDeps{Chain: ch, Key: vl.key, Records: db, Logger: log, CacheDir: cache})
			if err != nil {
				return nil, err
			}
			defer s.Close(context.Background())
			scorer, err := s.LoadScorer(ctx, name, "demo", wasm)
			if err != nil {
				return nil, err
			}
			s.SetScorer(scorer)
			subs = append(subs, s)
		}
		vl.v = validator.New(subs, cfg.BlockTime/2, cfg.Logger)
	}

	end := first + uint64(cfg.Tempos)*uint64(cfg.Tempo)
	cfg.progress("running %d tempos of %d blocks (%s per block): blocks %d to %d", cfg.Tempos, cfg.Tempo, cfg.BlockTime, first, end)
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, vl := range vals {
		wg.Add(1)
		go func() { defer wg.Done(); vl.v.Run(runCtx) }()
	}
	// Block production, in this goroutine, until the end block.
	tick := time.NewTicker(cfg.BlockTime)
	var prodErr error
	for dc.Block() < end && prodErr == nil {
		select {
		case <-ctx.Done():
			prodErr = ctx.Err()
			continue
		case <-tick.C:
		}
		eps, err := dc.AdvanceTo(dc.Block() + 1)
		if err != nil {
			prodErr = err
			break
		}
		onEpoch(eps)
		for _, ep := range eps {
			n, _ := db.Count(ctx)
			cfg.progress("block %4d  epoch on subnet %d  · %d rounds recorded", ep.Block, ep.Netuid, n)
		}
	}
	tick.Stop()
	stop()
	wg.Wait()
	if prodErr != nil {
		return nil, fmt.Errorf("demo: %w", prodErr)
	}

	res := &Result{Records: dbPath, Export: filepath.Join(cfg.Dir, "records.jsonl"), Blocks: dc.Block() - genesis}
	if res.Rounds, err = db.Count(ctx); err != nil {
		return nil, err
	}

	// Tables.
	for _, netuid := range []uint16{QualityNetuid, LatencyNetuid} {
		ns, err := dc.Neurons(netuid)
		if err != nil {
			return nil, err
		}
		type view struct {
			dense []float64
			row   map[uint16]float64
		}
		var views []view
		valByKey := map[string]*val{}
		for _, vl := range vals {
			valByKey[vl.key.SS58()] = vl
			st := vl.v.Subnet(netuid).Status()
			vw := view{row: map[uint16]float64{}}
			if st.Last != nil {
				vw.dense = st.Last.Dense
			}
			uid, _ := dc.UID(netuid, vl.key.SS58())
			total := 0.0
			for _, c := range ns[uid].Weights {
				total += float64(c.Value)
			}
			for _, c := range ns[uid].Weights {
				if total > 0 {
					vw.row[c.UID] = float64(c.Value) / total
				}
			}
			views = append(views, vw)
		}
		for _, n := range ns {
			if vl, ok := valByKey[n.Hotkey]; ok {
				st := vl.v.Subnet(netuid).Status()
				res.Validators = append(res.Validators, ValidatorRow{Netuid: netuid, UID: n.UID, Name: vl.spec.Name,
					Scorer: st.Scorer, StakeTAO: float64(n.Stake.Alpha) / 1e9, Dividends: u16(n.Dividends),
					ValidatorTrust: u16(n.ValidatorTrust), Emission: float64(emission[netuid][n.UID]) / 1e9,
					Rounds: st.Rounds, Failures: st.Failures})
				continue
			}
			ms := names[n.Hotkey]
			row := MinerRow{Netuid: netuid, UID: n.UID, Name: ms.Name, Profile: ms.Profile,
				Consensus: u16(n.Consensus), Incentive: u16(n.Incentive), Emission: float64(emission[netuid][n.UID]) / 1e9}
			for _, vw := range views {
				if int(n.UID) < len(vw.dense) {
					row.Score += vw.dense[n.UID] / float64(len(views))
				}
				row.Weight += vw.row[n.UID] / float64(len(views))
			}
			res.Miners = append(res.Miners, row)
		}
	}

	// Export and replay.
	if err := db.ExportFile(ctx, res.Export); err != nil {
		return nil, err
	}
	cfg.progress("%d rounds recorded in %s; replaying every round on its recorded module…", res.Rounds, dbPath)
	res.Replay, err = records.Replay(ctx, db, records.ReplayOptions{CacheDir: cache, Check: validator.CheckWeights}, func(r records.ReplayResult) error {
		if !r.Match() {
			cfg.progress("round %d (subnet %d, block %d) %s: %s", r.ID, r.Netuid, r.Block, r.Verdict, strings.Join(r.Differences, "; "))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// demoLimits are the scorer limits of every demo subnet.
var demoLimits = runtime.Limits{Timeout: 5 * time.Second}

// precompile compiles the modules concurrently into cacheDir.
func precompile(ctx context.Context, wasms map[string][]byte, cacheDir string) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(wasms))
	for name, wasm := range wasms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rt, err := runtime.New(ctx, runtime.Config{Limits: demoLimits, CacheDir: cacheDir})
			if err != nil {
				errs <- err
				return
			}
			defer rt.Close(ctx)
			s, err := rt.Load(ctx, name, wasm)
			if err != nil {
				errs <- fmt.Errorf("demo scorer %s: %w", name, err)
				return
			}
			s.Close(ctx)
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func u16(v uint16) float64 { return float64(v) / 65535 }

// buildScorers builds (or reuses) the example scorers' Wasm modules in Dir/scorers. A module is
// rebuilt only when its sources changed (their sha256 is kept next to it).
func buildScorers(ctx context.Context, cfg *Config) (map[string][]byte, error) {
	src := cfg.ScorersDir
	if src == "" {
		src = findScorers()
	}
	out := map[string][]byte{}
	dir := filepath.Join(cfg.Dir, "scorers")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	for _, name := range []string{"quality", "latency"} {
		wasmPath := filepath.Join(dir, name+".wasm")
		stampPath := wasmPath + ".src-sha256"
		if src == "" {
			b, err := os.ReadFile(wasmPath)
			if err != nil {
				return nil, fmt.Errorf("demo: the example scorers' sources were not found (run from the subnetd source tree or pass --scorers DIR) and %s was not built before", wasmPath)
			}
			out[name] = b
			continue
		}
		sum, err := sourceHash(filepath.Join(src, name))
		if err != nil {
			return nil, fmt.Errorf("demo scorer %s: %w", name, err)
		}
		// The Go PDK is part of the module too: a change there rebuilds the scorers.
		if pdk, err := sourceHash(filepath.Join(src, "..", "..", "pdk", "go")); err == nil {
			sum += pdk
		}
		if stamp, err := os.ReadFile(stampPath); err == nil && string(stamp) == sum {
			if b, err := os.ReadFile(wasmPath); err == nil {
				out[name] = b
				continue
			}
		}
		cfg.progress("building scorer %s from %s …", name, filepath.Join(src, name))
		if _, err := plugins.Build(ctx, filepath.Join(src, name), plugins.TargetWasm, wasmPath); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		b, err := os.ReadFile(wasmPath)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(stampPath, []byte(sum), 0o644); err != nil {
			return nil, err
		}
		out[name] = b
	}
	return out, nil
}

// sourceHash is the sha256 over a scorer directory's .go files (names and contents, sorted).
func sourceHash(dir string) (string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		return "", fmt.Errorf("%s: no Go sources: %w", dir, errors.Join(err, plugins.ErrNotAScorer))
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", filepath.Base(f), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// findScorers looks for examples/scorers above the working directory, above the executable,
// and next to this source file as the build recorded it (a binary built without -trimpath in a
// checkout finds its own sources from anywhere).
func findScorers() string {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		starts = append(starts, filepath.Dir(exe))
	}
	if _, file, _, ok := goruntime.Caller(0); ok && filepath.IsAbs(file) {
		starts = append(starts, filepath.Dir(file))
	}
	for _, start := range starts {
		for d := start; ; d = filepath.Dir(d) {
			p := filepath.Join(d, "examples", "scorers")
			if st, err := os.Stat(filepath.Join(p, "quality")); err == nil && st.IsDir() {
				return p
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return ""
}
