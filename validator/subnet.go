package validator

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/chain/timelock"
	"github.com/subnetd/subnetd/dendrite"
	"github.com/subnetd/subnetd/providers"
	"github.com/subnetd/subnetd/records"
	"github.com/subnetd/subnetd/runtime"
	"github.com/subnetd/subnetd/wallet"
	"github.com/subnetd/subnetd/weights"
)

var (
	// ErrNotRegistered: the validator's hotkey holds no uid on the subnet.
	ErrNotRegistered = errors.New("validator hotkey not registered on the subnet")
	// ErrNoScorer: the subnet has no scorer loaded.
	ErrNoScorer = errors.New("no scorer loaded")
	// ErrNoChallenge: the scorer has no challenge function and the config gives no synapse.
	ErrNoChallenge = errors.New("no challenge: the scorer has none and the config gives no synapse")
)

// SubnetConfig is one subnet's settings.
type SubnetConfig struct {
	// Netuid is the subnet; Mecid its mechanism (0 for the main one).
	Netuid uint16
	Mecid  uint8
	// Synapse and Body are the challenge sent when the scorer has no challenge function.
	Synapse string
	Body    json.RawMessage
	// Timeout is the per-miner deadline (default 12 s); a scorer's challenge may set its own.
	Timeout time.Duration
	// Interval is the number of blocks between rounds; the chain's weights rate limit is always
	// respected on top of it. 0 means: as often as the rate limit allows.
	Interval uint64
	// VersionKey is sent with weights; 0 takes the subnet's WeightsVersionKey.
	VersionKey uint64
	// Limits bound the subnet's scorer (zero fields take runtime defaults).
	Limits runtime.Limits
	// Engine selects the Wasm engine (default wazero).
	Engine runtime.Engine
	// QueryAll includes neurons without a serving axon in the Round (status 503); by default only
	// serving miners are queried and the rest score 0.
	QueryAll bool
	// MaxResponseBytes caps a miner's answer (default 8 MiB).
	MaxResponseBytes int64
	// PreviewEmission is the alpha (rao) the Yuma preview splits (default 1e9).
	PreviewEmission uint64
	// Providers are the subnet's feature providers (docs/PROVIDERS.md), started with the subnet
	// and stopped with it; each miner of the Round carries their features.
	Providers []providers.Config
}

// Scorer is one loaded version of a subnet's scorer.
type Scorer struct {
	// Name and Version name the scorer package.
	Name, Version string
	// SHA256 is the hex sha256 of Wasm.
	SHA256 string
	// Wasm is the module bytes (stored with the records).
	Wasm []byte
	// S is the loaded module.
	S *runtime.Scorer

	stored atomic.Bool // the module bytes are in the records database
}

// Subnet runs the rounds of one subnet for one validator hotkey. Its methods are safe to call
// from other goroutines while Run is running; rounds themselves run one at a time.
type Subnet struct {
	cfg    SubnetConfig
	chain  chain.Chain
	key    *wallet.Keypair
	hotkey string
	client *dendrite.Client
	rt     *runtime.Runtime
	// rts, when set, owns rt (Close releases only this subnet's scorers) and the scoring slots.
	rts     *Runtimes
	rec     *records.DB
	log     *slog.Logger
	metrics *Metrics
	provs   []*providers.Provider

	cur  atomic.Pointer[Scorer]
	next atomic.Pointer[Scorer]

	lastErr   string    // last loop error logged (Run's goroutine only)
	lastErrAt time.Time // when it was logged

	loopMu   sync.Mutex // guards the loop's liveness below
	loop     string     // a Loop* state
	loopErr  string     // why the loop stopped
	beat     time.Time  // when the loop last started an iteration (wall clock; never scored)
	loopPoll time.Duration

	mu        sync.Mutex // guards the fields below (round state, read by Status)
	state     []byte
	lastBlock uint64
	rounds    int
	failures  int
	last      *RoundResult
	hashes    *chain.HashCommitter // hash commits, their salts in the records database
	timelocks []pendingTimelock
	tlStats   TimelockStats
}

// pendingTimelock is a timelocked commit whose reveal (by the chain itself) is not yet seen.
type pendingTimelock struct {
	call        chain.WeightsCall
	round       uint64 // drand round it was encrypted to
	first, last uint64 // the reveal window: the chain should have applied it by last
}

// TimelockStats counts what became of this subnet's timelocked commits.
type TimelockStats struct {
	// Pending commits whose reveal window has not closed and whose weights are not yet seen.
	Pending int `json:"pending"`
	// Revealed commits whose weights were found on chain.
	Revealed int `json:"revealed"`
	// Missed commits not revealed by the end of their window: the chain lacked the drand
	// pulse or could not decrypt them. Each one is logged as an error.
	Missed int `json:"missed"`
}

// SubnetDeps are what a Subnet shares with its validator.
type SubnetDeps struct {
	Chain   chain.Chain
	Key     *wallet.Keypair
	Records *records.DB
	Logger  *slog.Logger
	Metrics *Metrics
	// CacheDir keeps compiled scorers on disk.
	CacheDir string
	// Runtimes, when set, supplies the subnet's runtime, shared with the other subnets of the
	// same engine and limits (the daemon's case); nil gives the subnet a runtime of its own.
	Runtimes *Runtimes
}

// NewSubnet prepares a subnet with its runtime (its own limits; its compiled code shared with the
// subnets of equal limits when deps.Runtimes is set) and its own dendrite client, so a slow or
// failing subnet never holds resources another needs: instances are per call either way. The scorer is given with
// SetScorer before Run. State is restored from the last recorded round of this hotkey.
func NewSubnet(ctx context.Context, cfg SubnetConfig, deps SubnetDeps) (*Subnet, error) {
	if deps.Chain == nil || deps.Key == nil || deps.Records == nil {
		return nil, fmt.Errorf("subnet %d: chain, key and records are required", cfg.Netuid)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = dendrite.DefaultTimeout
	}
	if cfg.PreviewEmission == 0 {
		cfg.PreviewEmission = 1_000_000_000
	}
	rcfg := runtime.Config{Engine: cfg.Engine, Limits: cfg.Limits.WithDefaults(), CacheDir: deps.CacheDir}
	var rt *runtime.Runtime
	var err error
	if deps.Runtimes != nil {
		rt, err = deps.Runtimes.Get(ctx, rcfg)
	} else {
		rt, err = runtime.New(ctx, rcfg)
	}
	if err != nil {
		return nil, fmt.Errorf("subnet %d: runtime: %w", cfg.Netuid, err)
	}
	client, err := dendrite.New(deps.Key, dendrite.Options{MaxResponseBytes: cfg.MaxResponseBytes})
	if err != nil {
		if deps.Runtimes == nil {
			rt.Close(ctx)
		}
		return nil, fmt.Errorf("subnet %d: dendrite: %w", cfg.Netuid, err)
	}
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Subnet{cfg: cfg, chain: deps.Chain, key: deps.Key, hotkey: deps.Key.SS58(), client: client, rt: rt,
		rts: deps.Runtimes, rec: deps.Records, log: log.With("netuid", cfg.Netuid, "hotkey", deps.Key.SS58()), metrics: deps.Metrics}
	for _, pc := range cfg.Providers {
		p, err := providers.Start(pc, s.log)
		if err != nil {
			s.Close(ctx)
			return nil, fmt.Errorf("subnet %d: %w", cfg.Netuid, err)
		}
		s.provs = append(s.provs, p)
	}
	s.hashes = &chain.HashCommitter{Chain: deps.Chain, Store: deps.Records, Signer: deps.Key}
	if st, err := deps.Records.LastState(ctx, cfg.Netuid, s.hotkey); err == nil {
		s.state = st
	} else {
		s.log.Warn("could not restore scorer state from records; starting fresh", "err", err)
	}
	return s, nil
}

// Netuid returns the subnet's netuid.
func (s *Subnet) Netuid() uint16 { return s.cfg.Netuid }

// Runtime returns the subnet's runtime (its limits bound every scorer version it loads).
func (s *Subnet) Runtime() *runtime.Runtime { return s.rt }

// LoadScorer screens and compiles wasm on the subnet's runtime. The result can be given to
// SetScorer or Offer.
func (s *Subnet) LoadScorer(ctx context.Context, name, version string, wasm []byte) (*Scorer, error) {
	rs, err := s.rt.Load(ctx, name, wasm)
	if err != nil {
		return nil, fmt.Errorf("subnet %d: load scorer %s %s: %w", s.cfg.Netuid, name, version, err)
	}
	return &Scorer{Name: name, Version: version, SHA256: rs.Info().SHA256, Wasm: wasm, S: rs}, nil
}

// SetScorer installs sc as the running scorer (before Run; use Offer while running).
func (s *Subnet) SetScorer(sc *Scorer) {
	if old := s.cur.Swap(sc); old != nil && old != sc {
		old.S.Close(context.Background())
	}
}

// Offer queues sc to replace the running scorer at the next round boundary. A version offered
// before the previous offer was taken replaces that offer.
func (s *Subnet) Offer(sc *Scorer) {
	if old := s.next.Swap(sc); old != nil && old != sc {
		old.S.Close(context.Background())
	}
}

// Current returns the running scorer (nil before SetScorer).
func (s *Subnet) Current() *Scorer { return s.cur.Load() }

// Close releases the subnet's scorers, runtime (when it is the subnet's own) and connections.
func (s *Subnet) Close(ctx context.Context) error {
	for _, p := range s.provs {
		p.Close()
	}
	s.client.Close()
	var errs []error
	for _, sc := range []*Scorer{s.next.Load(), s.cur.Load()} {
		if sc != nil {
			errs = append(errs, sc.S.Close(ctx))
		}
	}
	if s.rts == nil {
		errs = append(errs, s.rt.Close(ctx))
	}
	return errors.Join(errs...)
}

// acquireSlot waits for one of the scoring slots the subnet shares with the daemon's other
// subnets (see Runtimes); a subnet with a runtime of its own does not wait.
func (s *Subnet) acquireSlot(ctx context.Context) (func(), error) {
	if s.rts == nil {
		return func() {}, nil
	}
	return s.rts.Acquire(ctx)
}

// Loop states of a subnet, as Status and /healthz report them.
const (
	// LoopStarting: the loop has not begun (Run not called yet).
	LoopStarting = "starting"
	// LoopRunning: the loop is polling the chain and running rounds.
	LoopRunning = "running"
	// LoopStalled: the loop is running but has not begun an iteration for longer than a round
	// may take (stallAfter): something it waits on never returns.
	LoopStalled = "stalled"
	// LoopStopped: the loop has ended, by shutdown or (with an error) by a panic or failure.
	LoopStopped = "stopped"
)

// SubnetStatus is a snapshot of a subnet loop for health checks and tables.
type SubnetStatus struct {
	Netuid    uint16 `json:"netuid"`
	Hotkey    string `json:"hotkey"`
	Scorer    string `json:"scorer"`
	Version   string `json:"version"`
	SHA256    string `json:"sha256"`
	Rounds    int    `json:"rounds"`
	Failures  int    `json:"failures"`
	LastBlock uint64 `json:"last_block"`
	// Timelocks says what became of the timelocked commits.
	Timelocks TimelockStats `json:"timelocks"`
	// State is the loop's state (a Loop* constant); Live is true while it is starting or
	// running; Error says why a loop stopped or stalled (empty after a shutdown).
	State string `json:"state"`
	Live  bool   `json:"live"`
	Error string `json:"error,omitempty"`
	// LastLoopMs is the wall-clock time (Unix ms) the loop last began an iteration (0 before).
	LastLoopMs int64 `json:"last_loop_ms,omitempty"`
	// Providers are the subnet's feature providers' states. A provider that is down costs its
	// features, not the subnet's liveness.
	Providers []providers.Status `json:"providers,omitempty"`
	// Last is the most recent round (nil before the first).
	Last *RoundResult `json:"-"`
}

// Status returns a snapshot of the loop.
func (s *Subnet) Status() SubnetStatus {
	st := s.liveness(time.Now())
	s.mu.Lock()
	defer s.mu.Unlock()
	st.Hotkey, st.Rounds, st.Failures, st.LastBlock, st.Last = s.hotkey, s.rounds, s.failures, s.lastBlock, s.last
	st.Timelocks = s.tlStats
	st.Timelocks.Pending = len(s.timelocks)
	if c := s.cur.Load(); c != nil {
		st.Scorer, st.Version, st.SHA256 = c.Name, c.Version, c.SHA256
	}
	for _, p := range s.provs {
		ps := p.Status()
		st.Providers = append(st.Providers, ps)
		s.metrics.providerRestarts(s.cfg.Netuid, ps.Name, ps.Restarts)
	}
	return st
}

// liveness is the loop part of Status at now.
func (s *Subnet) liveness(now time.Time) SubnetStatus {
	s.loopMu.Lock()
	defer s.loopMu.Unlock()
	st := SubnetStatus{Netuid: s.cfg.Netuid, State: s.loop, Error: s.loopErr}
	if st.State == "" {
		st.State = LoopStarting
	}
	if !s.beat.IsZero() {
		st.LastLoopMs = s.beat.UnixMilli()
		if st.State == LoopRunning && now.Sub(s.beat) > s.stallAfter(s.loopPoll) {
			st.State = LoopStalled
			st.Error = fmt.Sprintf("no loop iteration for %s", now.Sub(s.beat).Round(time.Second))
		}
	}
	st.Live = st.State == LoopStarting || st.State == LoopRunning
	return st
}

// stallAfter is how long a running loop may go without beginning an iteration before it is
// reported stalled: the longest round, two polls and a margin.
func (s *Subnet) stallAfter(poll time.Duration) time.Duration {
	return s.roundBound() + 2*poll + 30*time.Second
}

// markLoop records the loop's state (and why it stopped).
func (s *Subnet) markLoop(state, why string) {
	s.loopMu.Lock()
	defer s.loopMu.Unlock()
	s.loop, s.loopErr = state, why
}

// heartbeat records that the loop began an iteration.
func (s *Subnet) heartbeat(poll time.Duration) {
	s.loopMu.Lock()
	defer s.loopMu.Unlock()
	s.loop, s.beat, s.loopPoll = LoopRunning, time.Now(), poll
}

// RoundResult is what one round did; its Record is already durable when RunRound returns it.
type RoundResult struct {
	// Record is the committed record.
	Record *records.Round
	// Scores are the validated scores (nil when the scorer failed).
	Scores *runtime.Scores
	// UIDs and Dense are every uid of the subnet and its score (0 when not scored).
	UIDs  []uint16
	Dense []float64
	// Emitted are the weights sent (empty when nothing was sent).
	Emitted weights.Emitted
	// Preview is the Yuma preview with our row (nil when unavailable).
	Preview *Preview
	// Tx is the chain transaction (zero when nothing was submitted).
	Tx chain.TxResult
	// ScorerErr and TxErr are the round's failures, if any.
	ScorerErr, TxErr error
}

// Due reports the first block at which the next round may start given the metagraph: the
// configured interval after the last round and the rate limit after our last accepted weights.
func (s *Subnet) due(mg *chain.Metagraph, uid int) uint64 {
	s.mu.Lock()
	last := s.lastBlock
	s.mu.Unlock()
	next := uint64(0)
	if last > 0 {
		next = last + max(s.cfg.Interval, 1)
	}
	if uid >= 0 {
		lu := mg.Neurons[uid].LastUpdate
		if rl := mg.Hyperparams.WeightsRateLimit; lu > 0 || rl > 0 {
			next = max(next, lu+rl)
		}
	}
	return next
}

// Run runs rounds until ctx ends: it polls the chain every poll interval (DefaultPoll when not
// positive), starts a round when the subnet is due (interval and rate limit), and records each
// round before the next starts.
// A failing round is logged, counted and recorded; it never stops the loop.
func (s *Subnet) Run(ctx context.Context, poll time.Duration) error {
	if poll <= 0 {
		poll = DefaultPoll
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if err := ctx.Err(); err != nil {
			return nil
		}
		s.heartbeat(poll)
		mg, err := s.chain.Metagraph(ctx, s.cfg.Netuid)
		if err == nil {
			uid := findUID(mg, s.hotkey)
			if mg.Block >= s.due(mg, uid) {
				// The round runs to its end even when shutdown begins, so it is recorded: its context
				// is detached from ctx's cancellation and bounded by the round's own deadlines.
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.roundBound())
				_, err := s.RunRound(rctx)
				cancel()
				if err == nil {
					continue
				}
				s.logThrottled("round failed before it could be recorded", err)
			}
		} else if ctx.Err() == nil {
			s.metrics.chainError(s.cfg.Netuid, "metagraph")
			s.logThrottled("metagraph read failed", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// logThrottled logs a repeating loop error once, then again only when it changes or a minute
// has passed, so an unreachable chain or an unregistered hotkey does not flood the log.
func (s *Subnet) logThrottled(msg string, err error) {
	now := time.Now()
	if err.Error() == s.lastErr && now.Sub(s.lastErrAt) < time.Minute {
		return
	}
	s.lastErr, s.lastErrAt = err.Error(), now
	s.log.Error(msg, "err", err)
}

// roundBound is the longest a round may take: the miners' deadline, two scorer calls and a
// margin for the chain and the records.
func (s *Subnet) roundBound() time.Duration {
	return s.cfg.Timeout + 2*time.Second + 2*s.rt.Limits().Timeout + time.Minute
}

func findUID(mg *chain.Metagraph, hotkey string) int {
	for i, n := range mg.Neurons {
		if n.Hotkey.String() == hotkey {
			return i
		}
	}
	return -1
}

// roundSeed is the seed of a subnet's round at a block: sha256("subnetd-round" || netuid u16 LE
// || block hash bytes). It is the same for every validator of the subnet at that block, so they
// can all ask the same question, and anyone can recompute it from the chain.
func roundSeed(netuid uint16, blockHash string) [32]byte {
	b := binary.LittleEndian.AppendUint16([]byte("subnetd-round"), netuid)
	if h, err := hex.DecodeString(trim0x(blockHash)); err == nil {
		b = append(b, h...)
	} else {
		b = append(b, blockHash...)
	}
	return sha256.Sum256(b)
}

func trim0x(s string) string {
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		return s[2:]
	}
	return s
}

// RunRound runs one round now, in its phases: swap in an offered scorer, snapshot the chain,
// challenge, query the miners, ask the feature providers, score, emit the weights (and the Yuma preview), submit them,
// record. It returns an error only when no record could be made (no scorer, not registered,
// chain unreachable, records unwritable); every failure after the snapshot (the challenge, the
// miners, the scorer, the weights, the chain) is part of the returned result and of the record.
func (s *Subnet) RunRound(ctx context.Context) (*RoundResult, error) {
	started := time.Now()
	sc, err := s.swap(ctx)
	if err != nil {
		return nil, err
	}
	in, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	res := s.newResult(sc, in, started)
	q := s.challenge(ctx, sc, in, res)
	if res.ScorerErr == nil {
		s.query(ctx, in, q, res)
		s.features(ctx, in, res)
	}
	res.Record.Miners = len(in.round.Miners)
	s.score(ctx, sc, in, res)
	if res.Scores != nil {
		if call, ok := s.emit(ctx, in, res); ok {
			s.submit(ctx, in, call, res)
		}
	}
	if err := s.record(ctx, sc, res); err != nil {
		return nil, err
	}
	s.finish(sc, in, res, started)
	return res, nil
}

// roundInput is what the snapshot phase read from the chain: the metagraph, our uid, the Round
// the scorer will read (miners filled in, answers not yet) and the miners to query.
type roundInput struct {
	mg      *chain.Metagraph
	uid     int
	round   runtime.Round
	targets []dendrite.Target
}

// querySpec is what the challenge phase decided to send the miners.
type querySpec struct {
	synapse string
	body    json.RawMessage
	timeout time.Duration
}

// swap installs a scorer offered since the last round and returns the scorer this round runs.
func (s *Subnet) swap(ctx context.Context) (*Scorer, error) {
	if nx := s.next.Swap(nil); nx != nil {
		old := s.cur.Swap(nx)
		s.log.Info("scorer swapped at round boundary", "scorer", nx.Name, "version", nx.Version, "sha256", nx.SHA256)
		s.metrics.swap(s.cfg.Netuid, "applied")
		if old != nil {
			old.S.Close(ctx)
		}
	}
	sc := s.cur.Load()
	if sc == nil {
		return nil, fmt.Errorf("subnet %d: %w", s.cfg.Netuid, ErrNoScorer)
	}
	return sc, nil
}

// snapshot reads the metagraph and the block time, finds our uid, and builds the round's Round
// (seed, validator, state carried from the last round, miners) and the miners to query: those
// serving an axon, and with QueryAll the others too (status 503, not queried).
func (s *Subnet) snapshot(ctx context.Context) (*roundInput, error) {
	mg, err := s.chain.Metagraph(ctx, s.cfg.Netuid)
	if err != nil {
		s.metrics.chainError(s.cfg.Netuid, "metagraph")
		return nil, fmt.Errorf("subnet %d: metagraph: %w", s.cfg.Netuid, err)
	}
	uid := findUID(mg, s.hotkey)
	if uid < 0 {
		return nil, fmt.Errorf("subnet %d: %s: %w", s.cfg.Netuid, s.hotkey, ErrNotRegistered)
	}
	blockMs, err := s.chain.BlockTimeMs(ctx, mg.Block)
	if err != nil {
		s.metrics.chainError(s.cfg.Netuid, "block_time")
		return nil, fmt.Errorf("subnet %d: block time: %w", s.cfg.Netuid, err)
	}
	s.mu.Lock()
	state := s.state
	s.mu.Unlock()
	in := &roundInput{mg: mg, uid: uid, round: runtime.Round{Netuid: s.cfg.Netuid, Block: mg.Block, BlockHash: mg.BlockHash,
		BlockTimeMs: blockMs, Seed: roundSeed(s.cfg.Netuid, mg.BlockHash),
		Validator: runtime.Validator{UID: uint16(uid), Hotkey: s.hotkey}, State: state}}
	for i, n := range mg.Neurons {
		if i == uid {
			continue
		}
		m := runtime.Miner{UID: n.UID, Hotkey: n.Hotkey.String(), Stake: float64(n.Stake) / 1e9}
		if n.Axon.Serving() {
			in.targets = append(in.targets, dendrite.Target{UID: n.UID, IP: n.Axon.IP, Port: int(n.Axon.Port), Hotkey: m.Hotkey})
		} else if !s.cfg.QueryAll {
			continue
		} else {
			m.Status = 503
		}
		in.round.Miners = append(in.round.Miners, m)
	}
	return in, nil
}

// newResult starts the round's result and record from what the snapshot read.
func (s *Subnet) newResult(sc *Scorer, in *roundInput, started time.Time) *RoundResult {
	r := &in.round
	rec := &records.Round{Netuid: s.cfg.Netuid, Block: r.Block, BlockHash: r.BlockHash, BlockTimeMs: r.BlockTimeMs,
		Seed: "0x" + hex.EncodeToString(r.Seed[:]), ValidatorUID: uint16(in.uid), ValidatorHotkey: s.hotkey,
		Scorer: sc.Name, ScorerVersion: sc.Version, ModuleSHA256: sc.SHA256, Engine: string(s.rt.Engine()),
		EngineVersion: s.rt.EngineVersion(), MeterVersion: s.rt.MeterVersion(), StartedMs: started.UnixMilli()}
	rec.Limits, _ = json.Marshal(s.rt.Limits())
	return &RoundResult{Record: rec}
}

// challenge decides what the miners are asked: the scorer's own challenge when it has one
// (recorded with the exact request it read), else the config's. A failure (the request cannot be
// encoded, the scorer fails or declines with no config fallback) is set as res.ScorerErr.
func (s *Subnet) challenge(ctx context.Context, sc *Scorer, in *roundInput, res *RoundResult) querySpec {
	rec := res.Record
	q := querySpec{synapse: s.cfg.Synapse, body: s.cfg.Body, timeout: s.cfg.Timeout}
	if !sc.S.Info().HasChallenge {
		if q.synapse == "" {
			res.ScorerErr = ErrNoChallenge
		}
		return q
	}
	req, meta, err := in.round.EncodeChallengeRequest()
	if err != nil {
		res.ScorerErr = fmt.Errorf("challenge request: %w", err)
		return q
	}
	rec.ChallengeRequest = req
	var out *runtime.Result
	release, err := s.acquireSlot(ctx)
	if err == nil {
		out, err = sc.S.Challenge(ctx, req, meta)
		release()
	}
	if err == nil {
		rec.ChallengeOutput = out.Output
		var ch runtime.Challenge
		if ch, err = runtime.ParseChallenge(out.Output); err == nil {
			q.synapse, q.body = ch.Synapse, ch.Body
			if ch.TimeoutMs > 0 {
				q.timeout = min(q.timeout, time.Duration(ch.TimeoutMs)*time.Millisecond)
			}
		}
	}
	if errors.Is(err, runtime.ErrNoChallenge) {
		// The module exports subnetd_challenge but declines: the config gives the challenge.
		rec.ChallengeRequest, rec.ChallengeOutput, err = nil, nil, nil
		if q.synapse == "" {
			err = ErrNoChallenge
		}
	}
	if err != nil {
		res.ScorerErr = fmt.Errorf("challenge: %w", err)
	}
	return q
}

// query sends the challenge to the serving miners and fills in the Round each one's status,
// latency and (status 200) answer. A miner that fails is a status in the Round, not an error.
func (s *Subnet) query(ctx context.Context, in *roundInput, q querySpec, res *RoundResult) {
	rec := res.Record
	in.round.Challenge = q.body
	rec.Synapse = q.synapse
	if len(in.targets) > 0 {
		qctx, cancel := context.WithTimeout(ctx, q.timeout+2*time.Second)
		resps, err := s.client.QueryMany(qctx, in.targets, dendrite.Request{Synapse: q.synapse, Body: q.body, Timeout: q.timeout})
		cancel()
		if err != nil {
			res.ScorerErr = fmt.Errorf("query miners: %w", err)
		}
		byUID := make(map[uint16]dendrite.Response, len(resps))
		for _, r := range resps {
			byUID[r.Target.UID] = r
		}
		for i := range in.round.Miners {
			m := &in.round.Miners[i]
			r, ok := byUID[m.UID]
			if !ok {
				continue
			}
			m.Status = r.Status
			m.LatencyMs = float64(r.Latency.Microseconds()) / 1000
			if r.Status == 200 && len(r.Body) > 0 {
				m.Response = r.Body
				rec.Answered++
			}
		}
	}
	s.metrics.queried(s.cfg.Netuid, len(in.targets), rec.Answered)
}

// features asks the subnet's feature providers, concurrently, about the answered Round (as the
// scorer will see it, without state) and gives every miner each provider's features, null where
// a provider failed or said nothing of it. A provider's failure is recorded and costs only its
// own features: the round goes on and the scorer decides.
func (s *Subnet) features(ctx context.Context, in *roundInput, res *RoundResult) {
	if len(s.provs) == 0 {
		return
	}
	view := in.round
	view.State = nil
	b, meta, err := view.Encode()
	if err != nil {
		return // the score phase records the encoding failure
	}
	outs := providers.Collect(ctx, s.provs, b, meta.UIDs)
	for i := range in.round.Miners {
		in.round.Miners[i].Features = make(map[string]json.RawMessage, len(outs))
	}
	calls := make([]records.ProviderCall, 0, len(outs))
	for _, o := range outs {
		call := records.ProviderCall{Provider: o.Provider, Features: len(o.Features),
			LatencyMs: float64(o.Latency.Microseconds()) / 1000}
		if o.Err != nil {
			call.Error = oneLine(o.Err)
			s.log.Warn("feature provider failed; its features are null this round", "provider", o.Provider, "err", o.Err)
		}
		s.metrics.providerCall(s.cfg.Netuid, o.Provider, o.Err, o.Latency)
		for i := range in.round.Miners {
			m := &in.round.Miners[i]
			m.Features[o.Provider] = o.Features[m.UID] // nil (null) when it said nothing
		}
		calls = append(calls, call)
	}
	res.Record.Providers = calls
}

// score encodes the Round, records its exact bytes and, when nothing failed before, runs the
// scorer on them. A Round that cannot be encoded is recorded with no bytes and the error.
func (s *Subnet) score(ctx context.Context, sc *Scorer, in *roundInput, res *RoundResult) {
	rec := res.Record
	roundBytes, meta, err := in.round.Encode()
	if err != nil {
		rec.RoundBytes = []byte{}
		if res.ScorerErr == nil {
			res.ScorerErr = fmt.Errorf("encode round: %w", err)
		}
	} else {
		rec.RoundBytes = roundBytes
	}
	if res.ScorerErr == nil {
		var out *runtime.Result
		release, err := s.acquireSlot(ctx)
		if err == nil {
			out, err = sc.S.Score(ctx, roundBytes, meta)
			release()
		}
		if out != nil {
			rec.ScoresBytes = out.Output
			rec.GasUsed = out.GasUsed
			rec.Logs = out.Logs
			s.metrics.scorerTime(s.cfg.Netuid, out.Instantiate+out.Call)
		}
		if err != nil {
			res.ScorerErr = err
		} else {
			res.Scores = &out.Scores
		}
	}
	if res.ScorerErr != nil {
		rec.Error = oneLine(res.ScorerErr)
		rec.ErrorCode = errorCode(res.ScorerErr)
		s.metrics.scorerFailure(s.cfg.Netuid)
	}
}

// emit turns the scores into weights (Emit) and previews the epoch with them. It returns the
// call to submit, or false when no weights could be computed (recorded as the round's TxErr).
func (s *Subnet) emit(ctx context.Context, in *roundInput, res *RoundResult) (chain.WeightsCall, bool) {
	rec := res.Record
	e := Emit(*res.Scores, EmitParams(in.mg))
	res.UIDs, res.Dense = e.UIDs, e.Dense
	rec.Weights = &e.Record
	if e.Err != nil {
		res.TxErr = e.Err
		rec.TxError = oneLine(res.TxErr)
		return chain.WeightsCall{}, false
	}
	res.Emitted = e.Emitted
	if pv, err := s.preview(ctx, in.mg, in.uid, e.Emitted); err == nil {
		res.Preview = pv
		rec.Preview = pv
	} else {
		s.log.Debug("no yuma preview", "err", err)
	}
	vk := s.cfg.VersionKey
	if vk == 0 {
		vk = in.mg.Hyperparams.WeightsVersionKey
	}
	return e.Call(s.cfg.Netuid, s.cfg.Mecid, vk), true
}

// submit sends the weights the way the subnet takes them: set_weights, or on a commit-reveal
// subnet a timelocked commit where the runtime has it and a hash commit otherwise (as the SDK
// does), after revealing due hash commits and checking earlier timelocked ones.
func (s *Subnet) submit(ctx context.Context, in *roundInput, call chain.WeightsCall, res *RoundResult) {
	rec := res.Record
	mg := in.mg
	var kind string
	var tx chain.TxResult
	var err error
	if mg.Hyperparams.CommitRevealEnabled {
		s.checkTimelocks(ctx, mg, in.uid)
	}
	if mg.Hyperparams.CommitRevealEnabled && mg.Hyperparams.CommitRevealVersion > 0 {
		kind = "commit_timelocked_weights"
		tx, err = s.commitTimelocked(ctx, mg, call)
		if errors.Is(err, chain.ErrNotAvailable) {
			kind = "commit_weights"
			tx, err = s.commit(ctx, call)
		}
	} else if mg.Hyperparams.CommitRevealEnabled {
		kind = "commit_weights"
		tx, err = s.commit(ctx, call)
	} else {
		kind = "set_weights"
		tx, err = s.chain.SetWeights(ctx, s.key, call)
	}
	res.Tx = tx
	rec.Tx = &records.Tx{Kind: kind, Result: tx}
	rec.TxOutcome = tx.Outcome()
	if err != nil {
		res.TxErr = err
		rec.TxError = oneLine(err)
		s.metrics.chainError(s.cfg.Netuid, kind)
		return
	}
	s.metrics.submitted(s.cfg.Netuid, kind)
}

// record stores the scorer's module (once) and commits the round's record.
func (s *Subnet) record(ctx context.Context, sc *Scorer, res *RoundResult) error {
	rec := res.Record
	rec.FinishedMs = time.Now().UnixMilli()
	if !sc.stored.Load() {
		if _, err := s.rec.PutModule(ctx, sc.Name, sc.Wasm); err != nil {
			return fmt.Errorf("subnet %d: %w", s.cfg.Netuid, err)
		}
		sc.stored.Store(true)
	}
	if err := s.rec.Append(ctx, rec); err != nil {
		return fmt.Errorf("subnet %d: %w", s.cfg.Netuid, err)
	}
	return nil
}

// finish carries the round's state to the next one and counts, measures and logs it.
func (s *Subnet) finish(sc *Scorer, in *roundInput, res *RoundResult, started time.Time) {
	rec := res.Record
	s.mu.Lock()
	if res.Scores != nil {
		s.state = res.Scores.State
	}
	s.lastBlock = in.mg.Block
	s.rounds++
	if res.ScorerErr != nil || res.TxErr != nil {
		s.failures++
	}
	s.last = res
	s.mu.Unlock()
	outcome := "ok"
	switch {
	case res.ScorerErr != nil:
		outcome = "scorer_error"
	case res.TxErr != nil:
		outcome = "chain_error"
	}
	s.metrics.round(s.cfg.Netuid, outcome, in.mg.Block)
	s.log.Info("round", "block", in.mg.Block, "scorer", sc.Name, "version", sc.Version, "miners", rec.Miners,
		"answered", rec.Answered, "outcome", outcome, "tx", rec.TxOutcome, "record", rec.ID,
		"ms", time.Since(started).Milliseconds())
}

// commit makes a commit-reveal v2 hash commit of call (chain.HashCommitter: the salt is in the
// records database before the commit is sent) after revealing the earlier commits whose window is
// open; a restarted validator finds its salts there and reveals them.
func (s *Subnet) commit(ctx context.Context, call chain.WeightsCall) (chain.TxResult, error) {
	s.revealDue(ctx)
	tx, _, err := s.hashes.Commit(ctx, call)
	return tx, err
}

// commitTimelocked encrypts call to the drand round the SDK would choose (the chain decrypts and
// applies it itself) and submits it, with the version chain.TimelockVersion and the payload format
// chain.TimelockWithHotkey give for the call the chain will use (the rule the CLI follows too). A
// chain that has no timelocked call answers chain.ErrNotAvailable.
func (s *Subnet) commitTimelocked(ctx context.Context, mg *chain.Metagraph, call chain.WeightsCall) (chain.TxResult, error) {
	hp := mg.Hyperparams
	name := "commit_timelocked_weights"
	if tc, ok := s.chain.(chain.TimelockedCaller); ok {
		var err error
		if name, err = tc.TimelockedCall(ctx, call.Mecid); err != nil {
			return chain.TxResult{}, err
		}
		if name == "" {
			return chain.TxResult{}, fmt.Errorf("timelocked commit: %w", chain.ErrNotAvailable)
		}
	}
	round := timelock.RevealRound(timelock.RevealSchedule{Netuid: chain.NetuidIndex(call.Netuid, call.Mecid), Tempo: hp.Tempo,
		CurrentBlock: mg.Block, RevealPeriodEpochs: hp.RevealPeriodEpochs}, time.Now())
	version := chain.TimelockVersion(hp.CommitRevealVersion)
	format := timelock.FormatLegacy
	if chain.TimelockWithHotkey(name, version) {
		format = timelock.FormatV4
	}
	pub := s.key.PublicKey()
	ct, err := timelock.BuildCommit(rand.Reader, timelock.CommitRequest{Format: format, Hotkey: pub[:], Uids: call.UIDs,
		Weights: call.Values, VersionKey: call.VersionKey, RevealRound: round})
	if err != nil {
		return chain.TxResult{}, fmt.Errorf("timelocked commit: %w", err)
	}
	tx, err := s.chain.CommitTimelocked(ctx, s.key, chain.TimelockedCommit{Netuid: call.Netuid, Mecid: call.Mecid,
		Ciphertext: ct, RevealRound: round, Version: version})
	if err == nil {
		first, last := chain.RevealWindow(call.Netuid, hp.Tempo, hp.RevealPeriodEpochs, tx.Block)
		s.mu.Lock()
		s.timelocks = append(s.timelocks, pendingTimelock{call: call, round: round, first: first, last: last})
		s.mu.Unlock()
	}
	return tx, err
}

// checkTimelocks looks on chain for the weights of timelocked commits whose reveal window has
// opened: found, the commit is counted revealed; still missing once the window has closed, it is
// counted missed and logged as an error (the chain never got the drand pulse of its round, or
// could not decrypt it), and a chain-error metric is raised. A later commit of ours revealed
// first would hide an earlier one; rounds are spaced by the rate limit, so windows do not overlap.
func (s *Subnet) checkTimelocks(ctx context.Context, mg *chain.Metagraph, uid int) {
	s.mu.Lock()
	pend := s.timelocks
	s.timelocks = nil
	s.mu.Unlock()
	var keep []pendingTimelock
	var rows [][]chain.UIDValue
	var readErr error
	for i, p := range pend {
		if mg.Block < p.first {
			keep = append(keep, p)
			continue
		}
		if rows == nil && readErr == nil {
			rows, readErr = s.chain.Weights(ctx, p.call.Netuid, p.call.Mecid)
		}
		switch {
		case readErr != nil:
			s.log.Warn("cannot check timelocked reveals", "err", readErr)
			keep = append(keep, pend[i:]...)
			s.mu.Lock()
			s.timelocks = append(keep, s.timelocks...)
			s.mu.Unlock()
			return
		case uid >= 0 && uid < len(rows) && sameRow(rows[uid], p.call):
			s.log.Info("timelocked weights revealed by the chain", "drand_round", p.round)
			s.metrics.submitted(s.cfg.Netuid, "timelock_revealed")
			s.mu.Lock()
			s.tlStats.Revealed++
			s.mu.Unlock()
		case mg.Block > p.last:
			s.log.Error("timelocked commit was not revealed in its window: the chain lacks the drand pulse or could not decrypt it",
				"drand_round", p.round, "window_first", p.first, "window_last", p.last, "block", mg.Block)
			s.metrics.chainError(s.cfg.Netuid, "timelock_not_revealed")
			s.mu.Lock()
			s.tlStats.Missed++
			s.mu.Unlock()
		default:
			keep = append(keep, p)
		}
	}
	s.mu.Lock()
	s.timelocks = append(keep, s.timelocks...)
	s.mu.Unlock()
}

// sameRow reports whether a stored weights row holds exactly call's non-zero weights.
func sameRow(row []chain.UIDValue, call chain.WeightsCall) bool {
	want := map[uint16]uint16{}
	for i, u := range call.UIDs {
		if call.Values[i] != 0 {
			want[u] = call.Values[i]
		}
	}
	n := 0
	for _, e := range row {
		if e.Value == 0 {
			continue
		}
		if want[e.UID] != e.Value {
			return false
		}
		n++
	}
	return n == len(want)
}

// revealDue reveals every stored hash commit whose reveal window is open (chain.HashCommitter),
// logging and counting what became of each.
func (s *Subnet) revealDue(ctx context.Context) {
	outs, err := s.hashes.RevealDue(ctx)
	for _, o := range outs {
		switch o.Action {
		case "revealed":
			s.metrics.submitted(s.cfg.Netuid, "reveal_weights")
		case "failed":
			s.metrics.chainError(s.cfg.Netuid, "reveal_weights")
			s.log.Warn("reveal failed", "hash", o.Pending.Hash, "err", o.Err)
		case "expired":
			s.log.Warn("hash commit expired before it could be revealed", "hash", o.Pending.Hash, "first", o.Window[0], "last", o.Window[1])
		case "gone":
			s.log.Warn("hash commit no longer on chain; its salt is dropped", "hash", o.Pending.Hash)
		}
	}
	if err != nil {
		s.metrics.chainError(s.cfg.Netuid, "reveal_weights")
		s.log.Warn("cannot reveal pending hash commits", "err", err)
	}
}

// errorCode is the code recorded for a round's error: the name of the sentinel it wraps.
func errorCode(err error) string {
	return records.ErrorCode(err, records.Sentinel{Name: "ErrNoChallenge", Err: ErrNoChallenge})
}

// oneLine flattens an error for a record.
func oneLine(err error) string {
	b := []byte(err.Error())
	for i, c := range b {
		if c == '\n' || c == '\r' {
			b[i] = ' '
		}
	}
	return string(b)
}
