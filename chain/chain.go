package chain

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/subnetd/subnetd/internal/ss58"
)

// Chain is what the validator talks to. Every method blocks on I/O (or on the embedded chain's lock)
// and honours ctx's deadline. Write methods sign with the given Signer (the hotkey); they return a
// TxResult that describes where the transaction went, and a non-nil error when it did not have its
// effect: a *DispatchError for a pallet error (match it with errors.Is against the Err* sentinels),
// ErrTxPending when the outcome is not known yet (never resend blindly: ask TxStatus), or a transport
// error.
type Chain interface {
	// CurrentBlock returns the number of the best block.
	CurrentBlock(ctx context.Context) (uint64, error)
	// BlockTimeMs returns block n's timestamp (Timestamp.Now at that block, Unix milliseconds):
	// the time a scorer's clock reads in a round anchored to that block.
	BlockTimeMs(ctx context.Context, n uint64) (int64, error)
	// Hyperparams returns the weight-related hyperparameters of a subnet.
	Hyperparams(ctx context.Context, netuid uint16) (Hyperparams, error)
	// Metagraph returns a snapshot of a subnet: its neurons and hyperparameters at one block.
	Metagraph(ctx context.Context, netuid uint16) (*Metagraph, error)
	// Weights returns the weight matrix of a subnet's mechanism: one sparse row per uid.
	Weights(ctx context.Context, netuid uint16, mecid uint8) ([][]UIDValue, error)
	// Bonds returns the bond matrix of a subnet's mechanism: one sparse row per uid.
	Bonds(ctx context.Context, netuid uint16, mecid uint8) ([][]UIDValue, error)

	// SetWeights sets the signer's weights directly (commit-reveal off).
	SetWeights(ctx context.Context, s Signer, w WeightsCall) (TxResult, error)
	// CommitWeights commits the hash of weights (commit-reveal v2); see CommitHash.
	CommitWeights(ctx context.Context, s Signer, netuid uint16, mecid uint8, hash [32]byte) (TxResult, error)
	// RevealWeights reveals weights committed earlier with CommitWeights, with the same salt.
	RevealWeights(ctx context.Context, s Signer, w WeightsCall, salt []uint16) (TxResult, error)
	// PendingCommits lists the hash commits of a hotkey that are not revealed yet, oldest first.
	PendingCommits(ctx context.Context, netuid uint16, mecid uint8, hotkey AccountID) ([]WeightCommit, error)
	// CommitTimelocked submits a drand-timelocked weight commit; the chain reveals it itself.
	CommitTimelocked(ctx context.Context, s Signer, c TimelockedCommit) (TxResult, error)
	// TxStatus reports what became of a transaction submitted earlier by this process.
	TxStatus(ctx context.Context, hash [32]byte) (TxResult, error)

	// Commitment returns hotkey's commitment on a subnet (Commitments.CommitmentOf) at the best
	// block; an error wrapping ErrNoCommitment when it has none. Scorer pins live there.
	Commitment(ctx context.Context, netuid uint16, hotkey AccountID) (*Commitment, error)
	// SubnetOwnerHotkey returns the hotkey of the subnet's owner (SubnetOwnerHotkey), whose
	// commitment a validator with `scorer: chain` follows.
	SubnetOwnerHotkey(ctx context.Context, netuid uint16) (AccountID, error)
}

// Signer signs transactions: an sr25519 key pair (the validator's hotkey). wallet.Keypair satisfies it.
type Signer interface {
	// PublicKey returns the 32-byte sr25519 public key, the account id.
	PublicKey() [32]byte
	// Sign returns the 64-byte sr25519 signature of msg under the "substrate" signing context.
	Sign(msg []byte) ([]byte, error)
}

// WeightsCall is the body of set_weights and reveal_weights: a subnet, a mechanism (0 for the main
// one), the uids and their u16 weights (already max-upscaled, see package weights) and the version key.
type WeightsCall struct {
	Netuid     uint16   `json:"netuid"`
	Mecid      uint8    `json:"mecid"`
	UIDs       []uint16 `json:"uids"`
	Values     []uint16 `json:"weights"`
	VersionKey uint64   `json:"version_key"`
}

// Validate checks what the chain would reject before any signature is spent: unequal lengths and
// duplicate uids.
func (w WeightsCall) Validate() error {
	if len(w.UIDs) != len(w.Values) {
		return fmt.Errorf("weights: %d uids but %d values: %w", len(w.UIDs), len(w.Values), ErrWeightVecNotEqualSize)
	}
	seen := make(map[uint16]bool, len(w.UIDs))
	for _, u := range w.UIDs {
		if seen[u] {
			return fmt.Errorf("weights: uid %d appears twice: %w", u, ErrDuplicateUids)
		}
		seen[u] = true
	}
	return nil
}

// TimelockedCommit is the body of a timelocked weight commit: the ciphertext of the weights payload
// (see package chain/timelock), the drand round that unlocks it, and the commit-reveal version the
// runtime expects.
type TimelockedCommit struct {
	Netuid      uint16
	Mecid       uint8
	Ciphertext  []byte
	RevealRound uint64
	Version     uint16
}

// WeightCommit is one pending hash commit as the chain keeps it: the hash, the block it was made in,
// and the inclusive block range in which it can be revealed.
type WeightCommit struct {
	Hash             [32]byte `json:"hash"`
	CommitBlock      uint64   `json:"commit_block"`
	FirstRevealBlock uint64   `json:"first_reveal_block"`
	LastRevealBlock  uint64   `json:"last_reveal_block"`
}

// UIDValue is one entry of a sparse weight or bond row.
type UIDValue struct {
	UID   uint16 `json:"uid"`
	Value uint16 `json:"value"`
}

// TxState is where a transaction is.
type TxState string

// The states a transaction can be in.
const (
	TxPending TxState = "pending"  // submitted, not seen in a block yet
	TxInBlock TxState = "in_block" // included in a block (its dispatch may still have failed: see TxResult.Err)
	TxDropped TxState = "dropped"  // rejected or expired: never included, safe to send again
	TxUnknown TxState = "unknown"  // not submitted by this process, or forgotten
)

// TxResult describes a submitted transaction.
type TxResult struct {
	// Hash is the blake2-256 hash of the signed extrinsic.
	Hash [32]byte `json:"-"`
	// State is where the transaction is.
	State TxState `json:"state"`
	// Block and BlockHash say where it landed (zero while pending or dropped).
	Block     uint64   `json:"block,omitempty"`
	BlockHash [32]byte `json:"-"`
	// Events are the events it emitted, as "Pallet.Event" (e.g. "SubtensorModule.WeightsSet").
	Events []string `json:"events,omitempty"`
	// Nonce is the account nonce it was signed with.
	Nonce uint64 `json:"nonce"`
	// Err is the dispatch error when it landed but failed (also returned as the method's error).
	Err error `json:"-"`
}

// Outcome is a one-word summary: the main event on success, the pallet error name on failure, or the
// state.
func (r TxResult) Outcome() string {
	if r.Err != nil {
		var de *DispatchError
		if errors.As(r.Err, &de) {
			if de.Pallet == "" {
				return de.Name
			}
			return de.Pallet + "." + de.Name
		}
		return r.Err.Error()
	}
	for _, e := range r.Events {
		if !strings.HasPrefix(e, "System.") && !strings.HasPrefix(e, "TransactionPayment.") && !strings.HasPrefix(e, "Balances.") {
			return e
		}
	}
	if r.State == TxInBlock {
		return "System.ExtrinsicSuccess"
	}
	return string(r.State)
}

// MarshalJSON adds the hashes as 0x-hex and the outcome.
func (r TxResult) MarshalJSON() ([]byte, error) {
	type plain TxResult
	out := struct {
		Hash      string `json:"extrinsic_hash"`
		BlockHash string `json:"block_hash,omitempty"`
		Outcome   string `json:"outcome"`
		plain
	}{Hash: "0x" + hex.EncodeToString(r.Hash[:]), Outcome: r.Outcome(), plain: plain(r)}
	if r.BlockHash != ([32]byte{}) {
		out.BlockHash = "0x" + hex.EncodeToString(r.BlockHash[:])
	}
	return json.Marshal(out)
}

// AccountID is a 32-byte account id (an sr25519 public key). It prints and marshals as SS58 with
// prefix 42.
type AccountID [32]byte

// SS58Prefix is the address format Bittensor uses.
const SS58Prefix = ss58.BittensorPrefix

// String returns the SS58 address.
func (a AccountID) String() string { return ss58.Encode(a) }

// MarshalText returns the SS58 address.
func (a AccountID) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText accepts an SS58 address or 0x-hex of 32 bytes.
func (a *AccountID) UnmarshalText(b []byte) error {
	id, err := ParseAccountID(string(b))
	if err != nil {
		return err
	}
	*a = id
	return nil
}

// ParseAccountID reads an SS58 address (any prefix) or 0x-prefixed hex of 32 bytes.
func ParseAccountID(s string) (AccountID, error) {
	var id AccountID
	if strings.HasPrefix(s, "0x") {
		b, err := hex.DecodeString(s[2:])
		if err != nil || len(b) != 32 {
			return id, fmt.Errorf("account id %q: want 0x and 64 hex digits", s)
		}
		copy(id[:], b)
		return id, nil
	}
	b, _, err := ss58.Decode(s)
	if err != nil {
		return id, fmt.Errorf("account id: %w", err)
	}
	return AccountID(b), nil
}

// Hyperparams are the subnet parameters a validator's weights must respect.
type Hyperparams struct {
	Tempo               uint16 `json:"tempo"`
	WeightsVersionKey   uint64 `json:"weights_version"`
	WeightsRateLimit    uint64 `json:"weights_rate_limit"`
	MinAllowedWeights   uint16 `json:"min_allowed_weights"`
	MaxWeightsLimit     uint16 `json:"max_weights_limit"`
	CommitRevealEnabled bool   `json:"commit_reveal_weights_enabled"`
	RevealPeriodEpochs  uint64 `json:"commit_reveal_period"`
	// CommitRevealVersion is the version timelocked commits must carry (0 when the runtime has none).
	CommitRevealVersion uint16 `json:"commit_reveal_version"`
	ImmunityPeriod      uint16 `json:"immunity_period"`
	ActivityCutoff      uint16 `json:"activity_cutoff"`
	MaxValidators       uint16 `json:"max_validators"`
	MaxUIDs             uint16 `json:"max_uids"`
	// MechanismCount is the number of mechanisms of the subnet (1 on runtimes without mechanisms).
	MechanismCount uint8 `json:"mechanism_count"`

	// The rest is what the epoch reads beyond the weights' rules, as raw storage values (see
	// docs/CHAIN.md for units). A chain that does not expose them leaves them zero and Epoch nil in
	// its Metagraph.

	// Kappa is the consensus majority, /65535 (Kappa).
	Kappa uint16 `json:"kappa"`
	// BondsMovingAverage is the bonds' EMA memory, /1e6 (BondsMovingAverage).
	BondsMovingAverage uint64 `json:"bonds_moving_avg"`
	// BondsPenalty mixes raw (0) and clipped (65535) weights into the bonds (BondsPenalty).
	BondsPenalty uint16 `json:"bonds_penalty"`
	// LiquidAlphaOn enables per-entry liquid alpha (LiquidAlphaOn).
	LiquidAlphaOn bool `json:"liquid_alpha_enabled"`
	// AlphaLow and AlphaHigh bound liquid alpha, /65535 (AlphaValues).
	AlphaLow  uint16 `json:"alpha_low"`
	AlphaHigh uint16 `json:"alpha_high"`
	// AlphaSigmoidSteepness is liquid alpha's sigmoid steepness (AlphaSigmoidSteepness, i16).
	AlphaSigmoidSteepness int16 `json:"alpha_sigmoid_steepness"`
	// Yuma3On selects the Yuma3 bond model (Yuma3On).
	Yuma3On bool `json:"yuma3_enabled"`
	// ActivityCutoffFactorMilli is the activity cutoff in thousandths of a tempo on runtimes with
	// dynamic tempo (ActivityCutoffFactorMilli); 0 where the runtime has only ActivityCutoff.
	ActivityCutoffFactorMilli uint32 `json:"activity_cutoff_factor_milli,omitempty"`
	// StakeThreshold is the least total stake, in rao, that counts in the epoch (StakeThreshold, global).
	StakeThreshold uint64 `json:"stake_threshold"`
	// TaoWeight is the weight of root TAO stake against alpha, /(2^64-1) (TaoWeight, global).
	TaoWeight uint64 `json:"tao_weight"`
}

// EpochTerms are what a subnet's last epoch stored, per uid, read at one block: the u16 terms are
// floor(x * 65535) of the epoch's fixed-point values, Emission is in rao.
type EpochTerms struct {
	Netuid          uint16   `json:"netuid"`
	Block           uint64   `json:"block"`
	Incentive       []uint16 `json:"incentive"`
	Dividends       []uint16 `json:"dividends"`
	Consensus       []uint16 `json:"consensus"`
	ValidatorTrust  []uint16 `json:"validator_trust"`
	Emission        []uint64 `json:"emission"`
	Active          []bool   `json:"active"`
	ValidatorPermit []bool   `json:"validator_permit"`
}

// EpochRules say which version of subtensor's epoch a runtime runs, where versions differ in what
// they read. A chain fills them in Metagraph.Epoch when it exposes everything the epoch reads.
type EpochRules struct {
	// SpecVersion is the runtime's spec version.
	SpecVersion uint32 `json:"spec_version"`
	// DynamicTempo is set when the runtime derives the activity cutoff from
	// ActivityCutoffFactorMilli and masks recent registrations' bonds from LastMechansimStepBlock.
	DynamicTempo bool `json:"dynamic_tempo"`
	// CommitRevealMask is set when the epoch drops weights on uids registered after a validator's
	// pending commit (runtimes with CRV3WeightCommitsV2 or TimelockedWeightCommits); older runtimes
	// apply no such mask.
	CommitRevealMask bool `json:"commit_reveal_mask"`
	// StakeInherited is set when Neuron.Stake and Neuron.TaoStake are the epoch's stake, after
	// child-key inheritance (the runtime's metagraph API); storage reads give the hotkey's own.
	StakeInherited bool `json:"stake_inherited"`
}

// Metagraph is a snapshot of one subnet at one block.
type Metagraph struct {
	Netuid      uint16      `json:"netuid"`
	Block       uint64      `json:"block"`
	BlockHash   string      `json:"block_hash,omitempty"`
	OwnerHotkey *AccountID  `json:"owner_hotkey,omitempty"`
	Hyperparams Hyperparams `json:"hyperparams"`
	Neurons     []Neuron    `json:"neurons"`
	// LastStepBlock is the block of the subnet's last epoch distribution (LastMechansimStepBlock; 0
	// before the first or where the runtime has none).
	LastStepBlock uint64 `json:"last_step_block,omitempty"`
	// Epoch tells which epoch the runtime runs; nil when the chain does not say.
	Epoch *EpochRules `json:"epoch_rules,omitempty"`
}

// Neuron is one uid of a subnet.
type Neuron struct {
	UID     uint16    `json:"uid"`
	Hotkey  AccountID `json:"hotkey"`
	Coldkey AccountID `json:"coldkey"`
	// Stake is the hotkey's alpha stake on the subnet, in rao (1e-9).
	Stake uint64 `json:"stake"`
	// TaoStake is the hotkey's root (TAO) stake, in rao; the epoch weighs it by TaoWeight.
	TaoStake            uint64 `json:"tao_stake"`
	ValidatorPermit     bool   `json:"validator_permit"`
	LastUpdate          uint64 `json:"last_update"`
	BlockAtRegistration uint64 `json:"block_at_registration"`
	Active              bool   `json:"active"`
	Axon                Axon   `json:"axon"`
}

// Axon is where a neuron serves (AxonInfo on chain).
type Axon struct {
	Block    uint64 `json:"block"`
	Version  uint32 `json:"version"`
	IP       string `json:"ip"`
	Port     uint16 `json:"port"`
	IPType   uint8  `json:"ip_type"`
	Protocol uint8  `json:"protocol"`
}

// Serving reports whether the axon has an address (the SDK's is_serving: ip is not 0.0.0.0).
func (a Axon) Serving() bool { return a.IP != "" && a.IP != "0.0.0.0" && a.IP != "::" }

// AxonIP renders the chain's u128 ip field (hi and lo 64-bit halves, big-endian integer value) as text.
func AxonIP(hi, lo uint64, ipType uint8) string {
	var b [16]byte
	for i := 0; i < 8; i++ {
		b[i] = byte(hi >> (56 - 8*i))
		b[8+i] = byte(lo >> (56 - 8*i))
	}
	if ipType == 6 {
		return netip.AddrFrom16(b).String()
	}
	return netip.AddrFrom4([4]byte(b[12:])).String()
}
