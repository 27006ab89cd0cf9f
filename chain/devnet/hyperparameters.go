package devnet

import (
	"fmt"

	"github.com/subnetd/subnetd/yuma"
)

// Hyperparameters are a subnet's settings, as raw chain values under the
// chain's storage names.
type Hyperparameters struct {
	// Tempo is the epoch period in blocks; 0 disables scheduled epochs.
	Tempo uint16
	// Kappa is the consensus majority, /65535.
	Kappa uint16
	// BondsMovingAverage is the bond EMA memory, /1e6.
	BondsMovingAverage uint64
	// BondsPenalty is the bond penalty, /65535.
	BondsPenalty uint16
	// ActivityCutoffFactorMilli derives the activity cutoff from the tempo
	// (max(1, factor*tempo/1000) blocks) unless ActivityCutoffOverride is set.
	ActivityCutoffFactorMilli uint32
	// ActivityCutoffOverride makes ActivityCutoff the cutoff in blocks, used as is.
	ActivityCutoffOverride bool
	// ActivityCutoff is the cutoff in blocks when ActivityCutoffOverride is set.
	ActivityCutoff uint64
	// LiquidAlphaOn enables liquid alpha (Yuma3).
	LiquidAlphaOn bool
	// AlphaLow and AlphaHigh bound liquid alpha, /65535.
	AlphaLow, AlphaHigh uint16
	// AlphaSigmoidSteepness is the liquid-alpha steepness.
	AlphaSigmoidSteepness int16
	// Yuma3On selects the Yuma3 bond model.
	Yuma3On bool
	// MaxAllowedValidators is the number of validator permits.
	MaxAllowedValidators uint16
	// MaxAllowedUids caps SubnetworkN.
	MaxAllowedUids uint16
	// MinAllowedWeights is the set_weights minimum length (capped at n).
	MinAllowedWeights uint16
	// MaxWeightsLimit caps the largest normalised weight, /65535.
	MaxWeightsLimit uint16
	// WeightsSetRateLimit is the minimum number of blocks between set_weights.
	WeightsSetRateLimit uint64
	// WeightsVersionKey is the minimum version key set_weights must carry.
	WeightsVersionKey uint64
	// StakeThreshold is the minimum stake (rao) to count as stake and to set weights.
	StakeThreshold uint64
	// TaoWeight weights root TAO stake, /u64::MAX.
	TaoWeight uint64
	// CommitRevealEnabled switches plain set_weights off.
	CommitRevealEnabled bool
	// BondsResetOn lets ResetBonds remove a uid's bond column.
	BondsResetOn bool
	// ImmunityPeriod is the number of blocks after registration a uid is
	// pruned only when no other uid can be.
	ImmunityPeriod uint64
}

// DefaultHyperparameters returns the chain's production defaults.
func DefaultHyperparameters() Hyperparameters {
	return Hyperparameters{
		Tempo: 360, Kappa: 32767, BondsMovingAverage: 900_000, BondsPenalty: 65535,
		ActivityCutoffFactorMilli: 13_889, AlphaLow: 45875, AlphaHigh: 58982,
		AlphaSigmoidSteepness: 1000, MaxAllowedValidators: 128, MaxAllowedUids: 256,
		MinAllowedWeights: 1024, MaxWeightsLimit: 65535, WeightsSetRateLimit: 100,
		TaoWeight: 971_718_665_099_567_868, ImmunityPeriod: 5000,
	}
}

// ActivityCutoffBlocks is the activity cutoff the epoch uses, in blocks.
func (h Hyperparameters) ActivityCutoffBlocks() uint64 {
	if h.ActivityCutoffOverride {
		return h.ActivityCutoff
	}
	return yuma.ActivityCutoffBlocks(h.ActivityCutoffFactorMilli, h.Tempo)
}

// Validate checks the bounds the chain's admin setters enforce.
func (h Hyperparameters) Validate() error {
	if h.MaxAllowedUids == 0 {
		return fmt.Errorf("max_allowed_uids is 0: %w", ErrInvalidHyperparameter)
	}
	if h.AlphaLow > h.AlphaHigh {
		return fmt.Errorf("alpha_low %d > alpha_high %d: %w", h.AlphaLow, h.AlphaHigh, ErrInvalidHyperparameter)
	}
	return nil
}

func (h Hyperparameters) yumaParams() yuma.Params {
	return yuma.Params{
		Tempo: h.Tempo, Kappa: h.Kappa, BondsMovingAverage: h.BondsMovingAverage,
		BondsPenalty: h.BondsPenalty, ActivityCutoff: h.ActivityCutoffBlocks(),
		LiquidAlphaOn: h.LiquidAlphaOn, AlphaLow: h.AlphaLow, AlphaHigh: h.AlphaHigh,
		AlphaSigmoidSteepness: h.AlphaSigmoidSteepness, Yuma3On: h.Yuma3On,
		MaxAllowedValidators: h.MaxAllowedValidators, StakeThreshold: h.StakeThreshold,
		TaoWeight: h.TaoWeight,
	}
}
