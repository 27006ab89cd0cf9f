package devnet

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/subnetd/subnetd/yuma"
)

// Hyperparameters are a subnet's settings, as raw chain values under the
// chain's storage names. In JSON (the hyperparameters of a Yuma scenario,
// package chain/devnet/scenario) each is a snake_case key, and decoding onto
// an existing value changes only the keys present: a partial object is a
// patch. "activity_cutoff" sets the cutoff in blocks (and
// ActivityCutoffOverride), "activity_cutoff_factor_milli" the factor (and
// clears the override); one object may not give both.
type Hyperparameters struct {
	// Tempo is the epoch period in blocks; 0 disables scheduled epochs.
	Tempo uint16 `json:"tempo"`
	// Kappa is the consensus majority, /65535.
	Kappa uint16 `json:"kappa"`
	// BondsMovingAverage is the bond EMA memory, /1e6.
	BondsMovingAverage uint64 `json:"bonds_moving_average"`
	// BondsPenalty is the bond penalty, /65535.
	BondsPenalty uint16 `json:"bonds_penalty"`
	// ActivityCutoffFactorMilli derives the activity cutoff from the tempo
	// (max(1, factor*tempo/1000) blocks) unless ActivityCutoffOverride is set.
	ActivityCutoffFactorMilli uint32 `json:"activity_cutoff_factor_milli"`
	// ActivityCutoffOverride makes ActivityCutoff the cutoff in blocks, used as is.
	ActivityCutoffOverride bool `json:"-"`
	// ActivityCutoff is the cutoff in blocks when ActivityCutoffOverride is set.
	ActivityCutoff uint64 `json:"activity_cutoff"`
	// LiquidAlphaOn enables liquid alpha (Yuma3).
	LiquidAlphaOn bool `json:"liquid_alpha_on"`
	// AlphaLow and AlphaHigh bound liquid alpha, /65535.
	AlphaLow  uint16 `json:"alpha_low"`
	AlphaHigh uint16 `json:"alpha_high"`
	// AlphaSigmoidSteepness is the liquid-alpha steepness.
	AlphaSigmoidSteepness int16 `json:"alpha_sigmoid_steepness"`
	// Yuma3On selects the Yuma3 bond model.
	Yuma3On bool `json:"yuma3_on"`
	// MaxAllowedValidators is the number of validator permits.
	MaxAllowedValidators uint16 `json:"max_allowed_validators"`
	// MaxAllowedUids caps SubnetworkN.
	MaxAllowedUids uint16 `json:"max_allowed_uids"`
	// MinAllowedWeights is the set_weights minimum length (capped at n).
	MinAllowedWeights uint16 `json:"min_allowed_weights"`
	// MaxWeightsLimit caps the largest normalised weight, /65535.
	MaxWeightsLimit uint16 `json:"max_weights_limit"`
	// WeightsSetRateLimit is the minimum number of blocks between set_weights.
	WeightsSetRateLimit uint64 `json:"weights_set_rate_limit"`
	// WeightsVersionKey is the minimum version key set_weights must carry.
	WeightsVersionKey uint64 `json:"weights_version_key"`
	// StakeThreshold is the minimum stake (rao) to count as stake and to set weights.
	StakeThreshold uint64 `json:"stake_threshold"`
	// TaoWeight weights root TAO stake, /u64::MAX.
	TaoWeight uint64 `json:"tao_weight"`
	// CommitRevealEnabled switches plain set_weights off.
	CommitRevealEnabled bool `json:"commit_reveal_enabled"`
	// BondsResetOn lets ResetBonds remove a uid's bond column.
	BondsResetOn bool `json:"bonds_reset_on"`
	// ImmunityPeriod is the number of blocks after registration a uid is
	// pruned only when no other uid can be.
	ImmunityPeriod uint64 `json:"immunity_period"`
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

// UnmarshalJSON overwrites the fields whose keys data has, leaving the others
// as they are (see Hyperparameters).
func (h *Hyperparameters) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(data, &keys); err != nil {
		return fmt.Errorf("hyperparameters: %w", err)
	}
	given := func(name string) bool { // as encoding/json matches keys: case-insensitively
		for k, v := range keys {
			if strings.EqualFold(k, name) && string(v) != "null" {
				return true
			}
		}
		return false
	}
	cutoff, factor := given("activity_cutoff"), given("activity_cutoff_factor_milli")
	if cutoff && factor {
		return fmt.Errorf("hyperparameters: give activity_cutoff or activity_cutoff_factor_milli, not both: %w", ErrInvalidHyperparameter)
	}
	type plain Hyperparameters
	if err := json.Unmarshal(data, (*plain)(h)); err != nil {
		return fmt.Errorf("hyperparameters: %w", err)
	}
	if cutoff {
		h.ActivityCutoffOverride = true
	}
	if factor {
		h.ActivityCutoffOverride = false
	}
	return nil
}

// MarshalJSON writes every key except the activity cutoff form not in effect,
// so that decoding the output onto any value gives h back.
func (h Hyperparameters) MarshalJSON() ([]byte, error) {
	type plain Hyperparameters
	b, err := json.Marshal(plain(h))
	if err != nil {
		return nil, err
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return nil, err
	}
	if h.ActivityCutoffOverride {
		delete(keys, "activity_cutoff_factor_milli")
	} else {
		delete(keys, "activity_cutoff")
	}
	return json.Marshal(keys)
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
