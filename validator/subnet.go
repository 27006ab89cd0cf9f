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

// BlockTimer is implemented by chains that can tell a block's timestamp (the devnet adapter);
// elsewhere Round.BlockTimeMs is 0.
type BlockTimer interface {
	BlockTimeMs(ctx context.Context, block uint64) (int64, error)
}

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
	cfg     SubnetConfig
	chain   chain.Chain
	key     *wallet.Keypair
	hotkey  string
	client  *dendrite.Client
	rt      *runtime.Runtime
	rec     *records.DB
	log     *slog.Logger
	metrics *Metrics

	cur  atomic.Pointer[Scorer]
	next atomic.Pointer[Scorer]

	lastErr   string    // last loop error logged (Run's goroutine only)
	lastErrAt time.Time // when it was logged

	mu        sync.Mutex // guards the fields below (round state, read by Status)
	state     []byte
	lastBlock uint64
	rounds    int
	failures  int
	last      *RoundResult
	pending   []pendingReveal
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

// pendingReveal is a hash commit waiting for its reveal window.
type pendingReveal struct {
	id          int64 // in the records database
	call        chain.WeightsCall
	salt        []uint16
	first, last uint64
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
}

// NewSubnet prepares a subnet with its own runtime (its own limits) and its own dendrite client,
// so a slow or failing subnet never holds resources another needs. The scorer is given with
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
	rt, err := runtime.New(ctx, runtime.Config{Engine: cfg.Engine, Limits: cfg.Limits, CacheDir: deps.CacheDir})
	if err != nil {
		return nil, fmt.Errorf("subnet %d: runtime: %w", cfg.Netuid, err)
	}
	client, err := dendrite.New(deps.Key, dendrite.Options{MaxResponseBytes: cfg.MaxResponseBytes})
	if err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("subnet %d: dendrite: %w", cfg.Netuid, err)
	}
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Subnet{cfg: cfg, chain: deps.Chain, key: deps.Key, hotkey: deps.Key.SS58(), client: client, rt: rt,
		rec: deps.Records, log: log.With("netuid", cfg.Netuid, "hotkey", deps.Key.SS58()), metrics: deps.Metrics}
	if err := s.loadPending(ctx); err != nil {
		s.log.Warn("could not restore pending reveals from records", "err", err)
	}
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

// Close releases the subnet's runtime and connections.
func (s *Subnet) Close(ctx context.Context) error {
	s.client.Close()
	return s.rt.Close(ctx)
}

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
	// Last is the most recent round (nil before the first).
	Last *RoundResult `json:"-"`
}

// Status returns a snapshot of the loop.
func (s *Subnet) Status() SubnetStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := SubnetStatus{Netuid: s.cfg.Netuid, Hotkey: s.hotkey, Rounds: s.rounds, Failures: s.failures, LastBlock: s.lastBlock, Last: s.last,
		Timelocks: s.tlStats}
	st.Timelocks.Pending = len(s.timelocks)
	if c := s.cur.Load(); c != nil {
		st.Scorer, st.Version, st.SHA256 = c.Name, c.Version, c.SHA256
	}
	return st
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

// RunRound runs one round now: swap in an offered scorer, snapshot the metagraph, challenge,
// query, score, compute weights, preview, submit, record. It returns an error only when no
// record could be made (not registered, chain unreachable, records unwritable); scorer and
// chain failures are part of the returned result and of the record.
func (s *Subnet) RunRound(ctx context.Context) (*RoundResult, error) {
	started := time.Now()
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
	mg, err := s.chain.Metagraph(ctx, s.cfg.Netuid)
	if err != nil {
		s.metrics.chainError(s.cfg.Netuid, "metagraph")
		return nil, fmt.Errorf("subnet %d: metagraph: %w", s.cfg.Netuid, err)
	}
	uid := findUID(mg, s.hotkey)
	if uid < 0 {
		return nil, fmt.Errorf("subnet %d: %s: %w", s.cfg.Netuid, s.hotkey, ErrNotRegistered)
	}
	var blockMs int64
	if bt, ok := s.chain.(BlockTimer); ok {
		if blockMs, err = bt.BlockTimeMs(ctx, mg.Block); err != nil {
			return nil, fmt.Errorf("subnet %d: block time: %w", s.cfg.Netuid, err)
		}
	}
	s.mu.Lock()
	state := s.state
	s.mu.Unlock()
	round := runtime.Round{Netuid: s.cfg.Netuid, Block: mg.Block, BlockHash: mg.BlockHash, BlockTimeMs: blockMs,
		Seed: roundSeed(s.cfg.Netuid, mg.BlockHash), Validator: runtime.Validator{UID: uint16(uid), Hotkey: s.hotkey}, State: state}
	var targets []dendrite.Target
	for i, n := range mg.Neurons {
		if i == uid {
			continue
		}
		m := runtime.Miner{UID: n.UID, Hotkey: n.Hotkey.String(), Stake: float64(n.Stake) / 1e9}
		if n.Axon.Serving() {
			targets = append(targets, dendrite.Target{UID: n.UID, IP: n.Axon.IP, Port: int(n.Axon.Port), Hotkey: m.Hotkey})
		} else if !s.cfg.QueryAll {
			continue
		} else {
			m.Status = 503
		}
		round.Miners = append(round.Miners, m)
	}
	rec := &records.Round{Netuid: s.cfg.Netuid, Block: mg.Block, BlockHash: mg.BlockHash, BlockTimeMs: blockMs,
		Seed: "0x" + hex.EncodeToString(round.Seed[:]), ValidatorUID: uint16(uid), ValidatorHotkey: s.hotkey,
		Scorer: sc.Name, ScorerVersion: sc.Version, ModuleSHA256: sc.SHA256, Engine: string(s.rt.Engine()),
		EngineVersion: s.rt.EngineVersion(), MeterVersion: s.rt.MeterVersion(), StartedMs: started.UnixMilli()}
	rec.Limits, _ = json.Marshal(s.rt.Limits())
	res := &RoundResult{Record: rec}

	// Challenge: the scorer's own, or the config's.
	synapse, body, timeout := s.cfg.Synapse, s.cfg.Body, s.cfg.Timeout
	if sc.S.Info().HasChallenge {
		req, meta, err := round.EncodeChallengeRequest()
		if err != nil {
			return nil, fmt.Errorf("subnet %d: challenge request: %w", s.cfg.Netuid, err)
		}
		rec.ChallengeRequest = req
		out, err := sc.S.Challenge(ctx, req, meta)
		if err == nil {
			rec.ChallengeOutput = out.Output
			var ch runtime.Challenge
			if ch, err = runtime.ParseChallenge(out.Output); err == nil {
				synapse, body = ch.Synapse, ch.Body
				if ch.TimeoutMs > 0 {
					timeout = min(timeout, time.Duration(ch.TimeoutMs)*time.Millisecond)
				}
			}
		}
		if errors.Is(err, runtime.ErrNoChallenge) {
			// The module exports subnetd_challenge but declines: the config gives the challenge.
			rec.ChallengeRequest, rec.ChallengeOutput, err = nil, nil, nil
			if synapse == "" {
				err = ErrNoChallenge
			}
		}
		if err != nil {
			res.ScorerErr = fmt.Errorf("challenge: %w", err)
		}
	} else if synapse == "" {
		res.ScorerErr = ErrNoChallenge
	}
	if res.ScorerErr == nil {
		round.Challenge = body
		rec.Synapse = synapse
		if len(targets) > 0 {
			qctx, cancel := context.WithTimeout(ctx, timeout+2*time.Second)
			resps, err := s.client.QueryMany(qctx, targets, dendrite.Request{Synapse: synapse, Body: body, Timeout: timeout})
			cancel()
			if err != nil {
				res.ScorerErr = fmt.Errorf("query miners: %w", err)
			}
			byUID := make(map[uint16]dendrite.Response, len(resps))
			for _, r := range resps {
				byUID[r.Target.UID] = r
			}
			for i := range round.Miners {
				m := &round.Miners[i]
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
		s.metrics.queried(s.cfg.Netuid, len(targets), rec.Answered)
	}
	rec.Miners = len(round.Miners)

	// Score.
	roundBytes, meta, err := round.Encode()
	if err != nil {
		return nil, fmt.Errorf("subnet %d: encode round: %w", s.cfg.Netuid, err)
	}
	rec.RoundBytes = roundBytes
	if res.ScorerErr == nil {
		out, err := sc.S.Score(ctx, roundBytes, meta)
		if out != nil {
			rec.ScoresBytes = out.Output
			rec.GasUsed = out.GasUsed
			rec.Logs, _ = json.Marshal(out.Logs)
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
		s.metrics.scorerFailure(s.cfg.Netuid)
	}

	// Weights, preview, submit.
	if res.Scores != nil {
		s.weightsAndSubmit(ctx, mg, uid, res)
	}
	rec.FinishedMs = time.Now().UnixMilli()
	if !sc.stored.Load() {
		if _, err := s.rec.PutModule(ctx, sc.Name, sc.Wasm); err != nil {
			return nil, fmt.Errorf("subnet %d: %w", s.cfg.Netuid, err)
		}
		sc.stored.Store(true)
	}
	if err := s.rec.Append(ctx, rec); err != nil {
		return nil, fmt.Errorf("subnet %d: %w", s.cfg.Netuid, err)
	}
	s.mu.Lock()
	if res.Scores != nil {
		s.state = res.Scores.State
	}
	s.lastBlock = mg.Block
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
	s.metrics.round(s.cfg.Netuid, outcome, mg.Block)
	s.log.Info("round", "block", mg.Block, "scorer", sc.Name, "version", sc.Version, "miners", rec.Miners,
		"answered", rec.Answered, "outcome", outcome, "tx", rec.TxOutcome, "record", rec.ID,
		"ms", time.Since(started).Milliseconds())
	return res, nil
}

func (s *Subnet) weightsAndSubmit(ctx context.Context, mg *chain.Metagraph, uid int, res *RoundResult) {
	rec := res.Record
	n := len(mg.Neurons)
	uids := make([]uint16, n)
	ids := make([]int64, n)
	for i := range uids {
		uids[i] = uint16(i)
		ids[i] = int64(i)
	}
	res.UIDs = uids
	res.Dense = res.Scores.Dense(uids)
	p := weights.Params{NumNeurons: n, MinAllowedWeights: int(mg.Hyperparams.MinAllowedWeights),
		MaxWeightLimit: weights.LimitFromU16(mg.Hyperparams.MaxWeightsLimit)}
	em, err := weights.Compute(ids, res.Dense, p)
	wdoc := weightsDoc{em.UIDs, em.Weights, p, ""}
	if err != nil {
		wdoc.Error = err.Error()
		res.TxErr = fmt.Errorf("weights: %w", err)
		rec.TxError = oneLine(res.TxErr)
		rec.Weights, _ = json.Marshal(wdoc)
		return
	}
	res.Emitted = em
	rec.Weights, _ = json.Marshal(wdoc)

	if pv, err := s.preview(ctx, mg, uid, em); err == nil {
		res.Preview = pv
		rec.Preview, _ = json.Marshal(pv)
	} else {
		s.log.Debug("no yuma preview", "err", err)
	}

	vk := s.cfg.VersionKey
	if vk == 0 {
		vk = mg.Hyperparams.WeightsVersionKey
	}
	call := chain.WeightsCall{Netuid: s.cfg.Netuid, Mecid: s.cfg.Mecid, UIDs: em.UIDs, Values: em.Weights, VersionKey: vk}
	var kind string
	var tx chain.TxResult
	if mg.Hyperparams.CommitRevealEnabled {
		s.checkTimelocks(ctx, mg, uid)
	}
	if mg.Hyperparams.CommitRevealEnabled && mg.Hyperparams.CommitRevealVersion > 0 {
		// As the SDK does: timelocked where the runtime has it, the hash commit otherwise.
		kind = "commit_timelocked_weights"
		tx, err = s.commitTimelocked(ctx, mg, call)
		if errors.Is(err, chain.ErrNotAvailable) {
			kind = "commit_weights"
			tx, err = s.commit(ctx, mg, call)
		}
	} else if mg.Hyperparams.CommitRevealEnabled {
		kind = "commit_weights"
		tx, err = s.commit(ctx, mg, call)
	} else {
		kind = "set_weights"
		tx, err = s.chain.SetWeights(ctx, s.key, call)
	}
	res.Tx = tx
	txDoc := struct {
		Kind   string         `json:"kind"`
		Result chain.TxResult `json:"result"`
	}{kind, tx}
	rec.Tx, _ = json.Marshal(txDoc)
	rec.TxOutcome = tx.Outcome()
	if err != nil {
		res.TxErr = err
		rec.TxError = oneLine(err)
		s.metrics.chainError(s.cfg.Netuid, kind)
		return
	}
	s.metrics.submitted(s.cfg.Netuid, kind)
}

// commit makes a commit-reveal v2 hash commit of call and reveals earlier commits whose window
// is open. Salts are kept in memory and in the round record's tx field.
func (s *Subnet) commit(ctx context.Context, mg *chain.Metagraph, call chain.WeightsCall) (chain.TxResult, error) {
	s.revealDue(ctx, mg)
	salt := make([]uint16, 8)
	var rb [16]byte
	if _, err := rand.Read(rb[:]); err != nil {
		return chain.TxResult{}, fmt.Errorf("commit salt: %w", err)
	}
	for i := range salt {
		salt[i] = binary.LittleEndian.Uint16(rb[2*i:])
	}
	pub := s.key.PublicKey()
	hash := chain.CommitHash(pub, chain.NetuidIndex(call.Netuid, call.Mecid), call.UIDs, call.Values, salt, call.VersionKey)
	tx, err := s.chain.CommitWeights(ctx, s.key, call.Netuid, call.Mecid, hash)
	if err != nil {
		return tx, err
	}
	first, last := chain.RevealWindow(call.Netuid, mg.Hyperparams.Tempo, mg.Hyperparams.RevealPeriodEpochs, tx.Block)
	pr := pendingReveal{call: call, salt: salt, first: first, last: last}
	callJSON, _ := json.Marshal(call)
	rec := &records.PendingReveal{Netuid: call.Netuid, Hotkey: s.hotkey, Call: callJSON, Salt: salt, FirstBlock: first, LastBlock: last}
	if err := s.rec.PutPending(ctx, rec); err != nil {
		s.log.Warn("pending reveal not persisted; a restart before its window would lose it", "err", err)
	}
	pr.id = rec.ID
	s.mu.Lock()
	s.pending = append(s.pending, pr)
	s.mu.Unlock()
	return tx, nil
}

// commitTimelocked encrypts call to the drand round the SDK would choose (the chain decrypts and
// applies it itself) and submits it. The payload format follows the runtime's commit-reveal
// version: 4 and later carry the hotkey, earlier ones the legacy layout.
func (s *Subnet) commitTimelocked(ctx context.Context, mg *chain.Metagraph, call chain.WeightsCall) (chain.TxResult, error) {
	hp := mg.Hyperparams
	format := timelock.FormatLegacy
	if hp.CommitRevealVersion >= 4 {
		format = timelock.FormatV4
	}
	round := timelock.RevealRound(timelock.RevealSchedule{Netuid: chain.NetuidIndex(call.Netuid, call.Mecid), Tempo: hp.Tempo,
		CurrentBlock: mg.Block, RevealPeriodEpochs: hp.RevealPeriodEpochs}, time.Now())
	pub := s.key.PublicKey()
	ct, err := timelock.BuildCommit(rand.Reader, timelock.CommitRequest{Format: format, Hotkey: pub[:], Uids: call.UIDs,
		Weights: call.Values, VersionKey: call.VersionKey, RevealRound: round})
	if err != nil {
		return chain.TxResult{}, fmt.Errorf("timelocked commit: %w", err)
	}
	tx, err := s.chain.CommitTimelocked(ctx, s.key, chain.TimelockedCommit{Netuid: call.Netuid, Mecid: call.Mecid,
		Ciphertext: ct, RevealRound: round, Version: hp.CommitRevealVersion})
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

// revealDue reveals every pending commit whose reveal window contains the current block and
// drops the expired ones.
func (s *Subnet) revealDue(ctx context.Context, mg *chain.Metagraph) {
	s.mu.Lock()
	pend := s.pending
	s.pending = nil
	s.mu.Unlock()
	var keep []pendingReveal
	for _, p := range pend {
		switch {
		case mg.Block > p.last:
			s.log.Warn("hash commit expired before it could be revealed", "first", p.first, "last", p.last)
			s.dropPending(ctx, p)
		case mg.Block >= p.first:
			if _, err := s.chain.RevealWeights(ctx, s.key, p.call, p.salt); err != nil {
				s.metrics.chainError(s.cfg.Netuid, "reveal_weights")
				s.log.Warn("reveal failed", "err", err)
			} else {
				s.metrics.submitted(s.cfg.Netuid, "reveal_weights")
			}
			s.dropPending(ctx, p)
		default:
			keep = append(keep, p)
		}
	}
	s.mu.Lock()
	s.pending = append(keep, s.pending...)
	s.mu.Unlock()
}

func (s *Subnet) dropPending(ctx context.Context, p pendingReveal) {
	if p.id == 0 {
		return
	}
	if err := s.rec.DeletePending(ctx, p.id); err != nil {
		s.log.Warn("could not remove a pending reveal from the records", "err", err)
	}
}

// loadPending restores the pending reveals a previous run persisted.
func (s *Subnet) loadPending(ctx context.Context) error {
	ps, err := s.rec.Pending(ctx, s.cfg.Netuid, s.hotkey)
	if err != nil {
		return err
	}
	for _, p := range ps {
		var call chain.WeightsCall
		if err := json.Unmarshal(p.Call, &call); err != nil {
			return fmt.Errorf("pending reveal %d: %w", p.ID, err)
		}
		s.pending = append(s.pending, pendingReveal{id: p.ID, call: call, salt: p.Salt, first: p.FirstBlock, last: p.LastBlock})
	}
	return nil
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
