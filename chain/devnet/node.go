package devnet

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/crypto/blake2b"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/chain/timelock"
	"github.com/subnetd/subnetd/wallet"
	"github.com/subnetd/subnetd/yuma"
)

// BlockMs is the block time a Node reports (12 s, as on Bittensor), so block
// timestamps are a pure function of the block number.
const BlockMs = 12_000

// GenesisMs is the timestamp a Node gives block 0 (2025-01-01T00:00:00Z).
const GenesisMs = 1_735_689_600_000

// Node serves a Chain (the state machine) as a chain.Chain, the way a subtensor node serves its
// runtime, so the validator runs on the embedded chain exactly as on a real one. It adds what the
// state machine does not keep: axon
// addresses (ServeAxon), deterministic block hashes and timestamps, signature checks on every
// write, transaction hashes, nonces and statuses. Hash commit-reveal (v2) and timelocked commits
// follow the devnet's model of subtensor's rules and fail with the same pallet errors (the state
// machine's errors are chain's *chain.DispatchError values, passed through unchanged); timelocked
// commits answer chain.ErrNotAvailable while the devnet's CommitRevealVersion is 0 (its default).
type Node struct {
	c *Chain

	mu     sync.Mutex
	axons  map[uint16]map[string]chain.Axon
	nonces map[[32]byte]uint64
	txs    map[[32]byte]chain.TxResult
}

// NewNode serves c.
func NewNode(c *Chain) *Node {
	return &Node{c: c, axons: map[uint16]map[string]chain.Axon{},
		nonces: map[[32]byte]uint64{}, txs: map[[32]byte]chain.TxResult{}}
}

// Devnet returns the wrapped state machine (for registration, stake and block production).
func (n *Node) Devnet() *Chain { return n.c }

// ServeAxon records where hotkey serves on a subnet (the chain's serve_axon).
func (n *Node) ServeAxon(netuid uint16, hotkey, ip string, port int) error {
	if port <= 0 || port > math.MaxUint16 {
		return fmt.Errorf("serve axon for %s on subnet %d: port %d out of range", hotkey, netuid, port)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.axons[netuid] == nil {
		n.axons[netuid] = map[string]chain.Axon{}
	}
	ipType := uint8(4)
	for _, c := range ip {
		if c == ':' {
			ipType = 6
		}
	}
	n.axons[netuid][hotkey] = chain.Axon{Block: n.c.Block(), Version: 1, IP: ip, Port: uint16(port), IPType: ipType, Protocol: 4}
	return nil
}

// BlockHash returns the devnet's hash of a block: sha256("subnetd-devnet" || block as u64 LE).
func BlockHash(block uint64) string {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], block)
	h := sha256.Sum256(append([]byte("subnetd-devnet"), b[:]...))
	return "0x" + hex.EncodeToString(h[:])
}

// BlockTimeMs implements chain.Chain: GenesisMs + block × BlockMs.
func (n *Node) BlockTimeMs(_ context.Context, block uint64) (int64, error) {
	return GenesisMs + int64(block)*BlockMs, nil
}

// Advance moves the chain forward by blocks blocks and returns the epochs that ran.
func (n *Node) Advance(blocks uint64) ([]EpochResult, error) {
	return n.c.AdvanceTo(n.c.Block() + blocks)
}

// Produce advances one block every interval until ctx ends, calling onEpoch (when set) with
// the epochs each block ran. It is the devnet's block production for demos and `subnetd run`.
func (n *Node) Produce(ctx context.Context, interval time.Duration, onEpoch func([]EpochResult)) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			eps, err := n.Advance(1)
			if err != nil {
				return fmt.Errorf("devnet block production: %w", err)
			}
			if len(eps) > 0 && onEpoch != nil {
				onEpoch(eps)
			}
		}
	}
}

// CurrentBlock implements chain.Chain.
func (n *Node) CurrentBlock(ctx context.Context) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return n.c.Block(), nil
}

// Hyperparams implements chain.Chain.
func (n *Node) Hyperparams(ctx context.Context, netuid uint16) (chain.Hyperparams, error) {
	if err := ctx.Err(); err != nil {
		return chain.Hyperparams{}, err
	}
	hp, err := n.c.Hyperparameters(netuid)
	if err != nil {
		return chain.Hyperparams{}, err
	}
	period, err := n.c.RevealPeriod(netuid)
	if err != nil {
		return chain.Hyperparams{}, err
	}
	factor := hp.ActivityCutoffFactorMilli
	if hp.ActivityCutoffOverride {
		factor = 0 // the cutoff is given in blocks (ActivityCutoff), as on runtimes without the factor
	}
	return chain.Hyperparams{
		Tempo: hp.Tempo, WeightsVersionKey: hp.WeightsVersionKey, WeightsRateLimit: hp.WeightsSetRateLimit,
		MinAllowedWeights: hp.MinAllowedWeights, MaxWeightsLimit: hp.MaxWeightsLimit,
		CommitRevealEnabled: hp.CommitRevealEnabled, RevealPeriodEpochs: period,
		CommitRevealVersion: n.c.CommitRevealVersion(), ImmunityPeriod: uint16(min(hp.ImmunityPeriod, math.MaxUint16)),
		ActivityCutoff: uint16(min(hp.ActivityCutoffBlocks(), math.MaxUint16)), MaxValidators: hp.MaxAllowedValidators,
		MaxUIDs: hp.MaxAllowedUids, MechanismCount: 1,
		Kappa: hp.Kappa, BondsMovingAverage: hp.BondsMovingAverage, BondsPenalty: hp.BondsPenalty,
		LiquidAlphaOn: hp.LiquidAlphaOn, AlphaLow: hp.AlphaLow, AlphaHigh: hp.AlphaHigh,
		AlphaSigmoidSteepness: hp.AlphaSigmoidSteepness, Yuma3On: hp.Yuma3On,
		ActivityCutoffFactorMilli: factor, StakeThreshold: hp.StakeThreshold, TaoWeight: hp.TaoWeight,
	}, nil
}

// Metagraph implements chain.Chain.
func (n *Node) Metagraph(ctx context.Context, netuid uint16) (*chain.Metagraph, error) {
	hp, err := n.Hyperparams(ctx, netuid)
	if err != nil {
		return nil, err
	}
	block := n.c.Block()
	ns, err := n.c.Neurons(netuid)
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	axons := n.axons[netuid]
	mg := &chain.Metagraph{Netuid: netuid, Block: block, BlockHash: BlockHash(block), Hyperparams: hp,
		Neurons: make([]chain.Neuron, len(ns))}
	for i, nr := range ns {
		ax, ok := axons[nr.Hotkey]
		if !ok {
			ax = chain.Axon{IP: "0.0.0.0"}
		}
		mg.Neurons[i] = chain.Neuron{UID: nr.UID, Hotkey: chain.AccountID(AccountID(nr.Hotkey)), Stake: nr.Stake.Alpha,
			ValidatorPermit: nr.ValidatorPermit, LastUpdate: nr.LastUpdate, BlockAtRegistration: nr.BlockAtRegistration,
			Active: nr.Active, Axon: ax}
	}
	n.mu.Unlock()
	return mg, nil
}

func cells(rows [][]yuma.Cell) [][]chain.UIDValue {
	out := make([][]chain.UIDValue, len(rows))
	for i, r := range rows {
		out[i] = make([]chain.UIDValue, len(r))
		for j, c := range r {
			out[i][j] = chain.UIDValue{UID: c.UID, Value: c.Value}
		}
	}
	return out
}

// Weights implements chain.Chain (mechanism 0 only).
func (n *Node) Weights(ctx context.Context, netuid uint16, mecid uint8) ([][]chain.UIDValue, error) {
	ns, err := n.neurons(ctx, netuid, mecid)
	if err != nil {
		return nil, err
	}
	rows := make([][]yuma.Cell, len(ns))
	for i, nr := range ns {
		rows[i] = nr.Weights
	}
	return cells(rows), nil
}

// Bonds implements chain.Chain (mechanism 0 only).
func (n *Node) Bonds(ctx context.Context, netuid uint16, mecid uint8) ([][]chain.UIDValue, error) {
	ns, err := n.neurons(ctx, netuid, mecid)
	if err != nil {
		return nil, err
	}
	rows := make([][]yuma.Cell, len(ns))
	for i, nr := range ns {
		rows[i] = nr.Bonds
	}
	return cells(rows), nil
}

func (n *Node) neurons(ctx context.Context, netuid uint16, mecid uint8) ([]NeuronInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if mecid != 0 {
		return nil, chain.NewDispatchError("SubtensorModule", "MechanismDoesNotExist")
	}
	ns, err := n.c.Neurons(netuid)
	if err != nil {
		return nil, err
	}
	return ns, nil
}

// EpochInput implements validator.EpochInputer: the exact input of the subnet's next epoch as the chain
// state stands, for the Yuma preview.
func (n *Node) EpochInput(ctx context.Context, netuid uint16, raoEmission uint64) (*yuma.Input, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	in, err := n.c.EpochInput(netuid, raoEmission)
	if err != nil {
		return nil, err
	}
	return in, nil
}

// signed checks a write: the signer signs the call's payload with its nonce, the signature is
// verified with the signer's public key, and the transaction hash is blake2-256 of payload and
// signature.
func (n *Node) signed(s chain.Signer, call string, body []byte) (hotkey string, res chain.TxResult, err error) {
	pub := s.PublicKey()
	n.mu.Lock()
	nonce := n.nonces[pub]
	n.nonces[pub] = nonce + 1
	n.mu.Unlock()
	msg := binary.LittleEndian.AppendUint64([]byte("subnetd-devnet/"+call+"/"), nonce)
	msg = append(msg, body...)
	sig, err := s.Sign(msg)
	if err != nil {
		return "", res, fmt.Errorf("devnet %s: sign: %w", call, err)
	}
	if !wallet.Verify(pub, msg, sig) {
		return "", res, fmt.Errorf("devnet %s: %w", call, chain.ErrBadSignature)
	}
	res.Hash = blake2b.Sum256(append(msg, sig...))
	res.Nonce = nonce
	return wallet.EncodeSS58(pub), res, nil
}

func (n *Node) finish(res chain.TxResult, err error, events ...string) (chain.TxResult, error) {
	res.State = chain.TxInBlock
	res.Block = n.c.Block()
	if bh, e := hex.DecodeString(BlockHash(res.Block)[2:]); e == nil {
		copy(res.BlockHash[:], bh)
	}
	if err != nil {
		res.Err = err
		res.Events = []string{"System.ExtrinsicFailed"}
	} else {
		res.Events = append(events, "System.ExtrinsicSuccess")
	}
	n.mu.Lock()
	n.txs[res.Hash] = res
	n.mu.Unlock()
	return res, err
}

// SetWeights implements chain.Chain with the devnet's set_weights checks.
func (n *Node) SetWeights(ctx context.Context, s chain.Signer, w chain.WeightsCall) (chain.TxResult, error) {
	if err := ctx.Err(); err != nil {
		return chain.TxResult{}, err
	}
	if err := w.Validate(); err != nil {
		return chain.TxResult{State: chain.TxDropped}, err
	}
	if w.Mecid != 0 {
		return chain.TxResult{State: chain.TxDropped}, chain.NewDispatchError("SubtensorModule", "MechanismDoesNotExist")
	}
	hotkey, res, err := n.signed(s, "set_weights", weightsBody(w))
	if err != nil {
		return chain.TxResult{State: chain.TxDropped}, err
	}
	return n.finish(res, n.c.SetWeights(w.Netuid, hotkey, w.UIDs, w.Values, w.VersionKey), "SubtensorModule.WeightsSet")
}

// weightsBody is the signed payload of set_weights and reveal_weights.
func weightsBody(w chain.WeightsCall) []byte {
	body := binary.LittleEndian.AppendUint16(nil, w.Netuid)
	for i := range w.UIDs {
		body = binary.LittleEndian.AppendUint16(body, w.UIDs[i])
		body = binary.LittleEndian.AppendUint16(body, w.Values[i])
	}
	return binary.LittleEndian.AppendUint64(body, w.VersionKey)
}

// CommitWeights implements chain.Chain with the devnet's commit_weights (commit-reveal v2).
func (n *Node) CommitWeights(ctx context.Context, s chain.Signer, netuid uint16, mecid uint8, hash [32]byte) (chain.TxResult, error) {
	if err := ctx.Err(); err != nil {
		return chain.TxResult{}, err
	}
	if mecid != 0 {
		return chain.TxResult{State: chain.TxDropped}, chain.NewDispatchError("SubtensorModule", "MechanismDoesNotExist")
	}
	body := append(binary.LittleEndian.AppendUint16(nil, netuid), hash[:]...)
	hotkey, res, err := n.signed(s, "commit_weights", body)
	if err != nil {
		return chain.TxResult{State: chain.TxDropped}, err
	}
	return n.finish(res, n.c.CommitWeights(netuid, hotkey, hash), "SubtensorModule.WeightsCommitted")
}

// RevealWeights implements chain.Chain with the devnet's reveal_weights: the weights land with
// set_weights' checks when the salted hash matches a commit in its reveal epoch.
func (n *Node) RevealWeights(ctx context.Context, s chain.Signer, w chain.WeightsCall, salt []uint16) (chain.TxResult, error) {
	if err := ctx.Err(); err != nil {
		return chain.TxResult{}, err
	}
	if err := w.Validate(); err != nil {
		return chain.TxResult{State: chain.TxDropped}, err
	}
	if w.Mecid != 0 {
		return chain.TxResult{State: chain.TxDropped}, chain.NewDispatchError("SubtensorModule", "MechanismDoesNotExist")
	}
	body := weightsBody(w)
	for _, x := range salt {
		body = binary.LittleEndian.AppendUint16(body, x)
	}
	hotkey, res, err := n.signed(s, "reveal_weights", body)
	if err != nil {
		return chain.TxResult{State: chain.TxDropped}, err
	}
	return n.finish(res, n.c.RevealWeights(w.Netuid, hotkey, w.UIDs, w.Values, salt, w.VersionKey),
		"SubtensorModule.WeightsSet", "SubtensorModule.WeightsRevealed")
}

// PendingCommits implements chain.Chain: the hash commits the devnet holds for hotkey (expired
// ones included until the hotkey's next commit or reveal drops them, as on chain).
func (n *Node) PendingCommits(ctx context.Context, netuid uint16, mecid uint8, hotkey chain.AccountID) ([]chain.WeightCommit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if mecid != 0 {
		return nil, chain.NewDispatchError("SubtensorModule", "MechanismDoesNotExist")
	}
	hcs, err := n.c.PendingCommits(netuid, wallet.EncodeSS58(hotkey))
	if err != nil {
		return nil, err
	}
	var out []chain.WeightCommit
	for _, hc := range hcs {
		out = append(out, chain.WeightCommit{Hash: hc.Hash, CommitBlock: hc.CommitBlock,
			FirstRevealBlock: hc.FirstRevealBlock, LastRevealBlock: hc.LastRevealBlock})
	}
	return out, nil
}

// CommitTimelocked implements chain.Chain with the devnet's commit_timelocked_weights. The devnet
// reveals the commit itself once its round's pulse is injected (Chain.InjectPulse);
// chain.ErrNotAvailable while the devnet's CommitRevealVersion is 0.
func (n *Node) CommitTimelocked(ctx context.Context, s chain.Signer, tc chain.TimelockedCommit) (chain.TxResult, error) {
	if err := ctx.Err(); err != nil {
		return chain.TxResult{}, err
	}
	if len(tc.Ciphertext) == 0 || len(tc.Ciphertext) > timelock.MaxCommitSize {
		return chain.TxResult{}, fmt.Errorf("timelocked commit: ciphertext of %d bytes (want 1..%d)", len(tc.Ciphertext), timelock.MaxCommitSize)
	}
	if n.c.CommitRevealVersion() == 0 {
		return chain.TxResult{State: chain.TxDropped}, fmt.Errorf("devnet commit_timelocked_weights: %w", chain.ErrNotAvailable)
	}
	if tc.Mecid != 0 {
		return chain.TxResult{State: chain.TxDropped}, chain.NewDispatchError("SubtensorModule", "MechanismDoesNotExist")
	}
	body := binary.LittleEndian.AppendUint16(nil, tc.Netuid)
	body = append(body, tc.Ciphertext...)
	body = binary.LittleEndian.AppendUint64(body, tc.RevealRound)
	body = binary.LittleEndian.AppendUint16(body, tc.Version)
	hotkey, res, err := n.signed(s, "commit_timelocked_weights", body)
	if err != nil {
		return chain.TxResult{State: chain.TxDropped}, err
	}
	return n.finish(res, n.c.CommitTimelocked(tc.Netuid, hotkey, tc.Ciphertext, tc.RevealRound, tc.Version),
		"SubtensorModule.TimelockedWeightsCommitted")
}

// TxStatus implements chain.Chain.
func (n *Node) TxStatus(_ context.Context, hash [32]byte) (chain.TxResult, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if r, ok := n.txs[hash]; ok {
		return r, nil
	}
	return chain.TxResult{Hash: hash, State: chain.TxUnknown}, nil
}

var _ chain.Chain = (*Node)(nil)
