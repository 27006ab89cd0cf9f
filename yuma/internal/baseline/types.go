package baseline

import (
	"errors"

	"github.com/subnetd/subnetd/yuma/fixed"
)

// ErrTooManyNeurons is returned when an input has more uids than a u16 can index.
var ErrTooManyNeurons = errors.New("yuma: more than 65535 neurons")

// Params are the subnet hyperparameters the epoch reads, as raw chain values.
type Params struct {
	// Tempo is the subnet tempo in blocks (used for the recent-registration bond mask).
	Tempo uint16
	// Kappa is the consensus majority, /65535.
	Kappa uint16
	// BondsMovingAverage is the bond EMA memory, /1e6 (alpha = 1 - value/1e6).
	BondsMovingAverage uint64
	// BondsPenalty interpolates bond weights between raw (0) and clipped (65535) weights.
	BondsPenalty uint16
	// ActivityCutoff is the number of blocks after its last update a uid stays active;
	// see ActivityCutoffBlocks for the chain's derivation from the factor.
	ActivityCutoff uint64
	// LiquidAlphaOn enables per-entry liquid alpha (Yuma3 only).
	LiquidAlphaOn bool
	// AlphaLow and AlphaHigh bound liquid alpha, /65535.
	AlphaLow, AlphaHigh uint16
	// AlphaSigmoidSteepness is the liquid-alpha sigmoid steepness.
	AlphaSigmoidSteepness int16
	// Yuma3On selects the Yuma3 bond model.
	Yuma3On bool
	// MaxAllowedValidators is k in the top-k validator permit rule.
	MaxAllowedValidators uint16
	// StakeThreshold is the minimum total stake (rao) to count as stake.
	StakeThreshold uint64
	// TaoWeight is the weight of root TAO stake, /u64::MAX.
	TaoWeight uint64
}

// DefaultParams returns the chain's production defaults (activity cutoff for tempo 360).
func DefaultParams() Params {
	return Params{
		Tempo: 360, Kappa: 32767, BondsMovingAverage: 900_000, BondsPenalty: 65535,
		ActivityCutoff: ActivityCutoffBlocks(13_889, 360), AlphaLow: 45875, AlphaHigh: 58982,
		AlphaSigmoidSteepness: 1000, MaxAllowedValidators: 128, TaoWeight: 971_718_665_099_567_868,
	}
}

// ActivityCutoffBlocks is the chain's get_activity_cutoff_blocks:
// max(1, floor(factorMilli * tempo / 1000)).
func ActivityCutoffBlocks(factorMilli uint32, tempo uint16) uint64 {
	v := uint64(factorMilli) * uint64(tempo) / 1000
	if v < 1 {
		return 1
	}
	return v
}

// Cell is one stored sparse entry: a destination uid and a u16 value. Weights
// rows hold max-upscaled u16 weights; Bonds rows hold u16 bonds.
type Cell struct {
	UID   uint16
	Value uint16
}

// Neuron is the per-uid chain state the epoch reads. Index in Input.Neurons is the uid.
type Neuron struct {
	// AlphaStake is the hotkey's (inherited) alpha stake on the subnet in rao.
	AlphaStake uint64
	// TaoStake is the hotkey's (inherited) root TAO stake in rao.
	TaoStake uint64
	// BlockAtRegistration is the block the uid was last (re-)registered.
	BlockAtRegistration uint64
	// LastUpdate is the block of the uid's last accepted weights.
	LastUpdate uint64
	// ValidatorPermit is the permit written by the previous epoch.
	ValidatorPermit bool
	// Weights is the stored weights row, in stored order (zeros included).
	Weights []Cell
	// Bonds is the stored bonds row.
	Bonds []Cell
	// CommitBlock is the block of the uid's earliest non-expired weight commit,
	// read only when Input.CommitReveal is set; use NoCommit when there is none.
	CommitBlock uint64
}

// NoCommit marks a neuron without an active weight commit.
const NoCommit = ^uint64(0)

// Input is everything one epoch of one mechanism reads.
type Input struct {
	// Block is the current block.
	Block uint64
	// LastStepBlock is LastMechansimStepBlock (0 when no epoch was distributed yet).
	LastStepBlock uint64
	// HasOwner reports whether the subnet owner hotkey is registered, at OwnerUID.
	HasOwner bool
	// OwnerUID is the uid of the subnet owner hotkey when HasOwner.
	OwnerUID uint16
	// CommitReveal enables the commit-reveal column mask (Neuron.CommitBlock).
	CommitReveal bool
	// RaoEmission is the alpha emission (rao) this epoch distributes.
	RaoEmission uint64
	// Params are the subnet hyperparameters.
	Params Params
	// Neurons are the uids 0..n-1.
	Neurons []Neuron
}

// Output is what the epoch produces and what the chain stores, per uid.
type Output struct {
	// Active is true for uids updated within the activity cutoff.
	Active []bool
	// ValidatorPermit is the new permit (top-k non-zero stake, owner forced).
	ValidatorPermit []bool
	// Consensus, Incentive, Dividends, ValidatorTrust and StakeWeight are the
	// u16 terms (floor(x * 65535)).
	Consensus, Incentive, Dividends, ValidatorTrust, StakeWeight []uint16
	// Emission is the combined emission in rao (what Emission storage holds).
	Emission []uint64
	// ServerEmission and ValidatorEmission split Emission into miner and validator parts (rao).
	ServerEmission, ValidatorEmission []uint64
	// Stake is the floor of each uid's un-normalised total stake (rao).
	Stake []uint64
	// Bonds are the bond rows stored after the epoch.
	Bonds [][]Cell
	// Fixed holds the exact I32F32 terms behind the u16 outputs.
	Fixed FixedTerms
}

// FixedTerms are the epoch's exact fixed-point vectors, for audits and previews.
type FixedTerms struct {
	Stake, ActiveStake, Consensus, Incentive, Dividends, ValidatorTrust []fixed.I32F32
}
