package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/subnetd/subnetd/chain/devnet"
)

// Format is the format identifier this package reads.
const Format = "subnetd-yuma-scenario/1"

// ErrInvalid is wrapped by every error about a malformed scenario file.
var ErrInvalid = errors.New("invalid scenario")

// Scenario is one parsed scenario file.
type Scenario struct {
	// Format is the format identifier (optional; must be Format when present).
	Format string `json:"format"`
	// Name names the scenario.
	Name string `json:"name"`
	// Netuid is the subnet the scenario runs on.
	Netuid uint16 `json:"netuid"`
	// Hyperparameters are the subnet's initial settings: a JSON object of
	// devnet.Hyperparameters keys over devnet.DefaultHyperparameters (keys
	// left out keep their default).
	Hyperparameters json.RawMessage `json:"hyperparameters"`
	// Genesis is the chain state the scenario starts from.
	Genesis Genesis `json:"genesis"`
	// Steps are applied in order.
	Steps []Step `json:"steps"`
	// Expected lists what the original test asserts.
	Expected []Expectation `json:"expected"`
}

// Genesis is the initial chain state.
type Genesis struct {
	// Block is the chain's block when the scenario starts.
	Block uint64 `json:"block"`
	// OwnerUID is the uid holding SubnetOwnerHotkey (nil: no owner).
	OwnerUID *uint16 `json:"owner_uid"`
	// Neurons are uids 0..n-1 in order.
	Neurons []GenesisNeuron `json:"neurons"`
}

// GenesisNeuron is one neuron present at genesis.
type GenesisNeuron struct {
	// UID is the uid (0..n-1 in order).
	UID uint16 `json:"uid"`
	// Hotkey is any unique name.
	Hotkey string `json:"hotkey"`
	// AlphaStake is the alpha stake (rao).
	AlphaStake uint64 `json:"alpha_stake"`
	// TaoStake is the root TAO stake (rao).
	TaoStake uint64 `json:"tao_stake"`
	// Registered is BlockAtRegistration and LastUpdate.
	Registered uint64 `json:"registered"`
}

// Step is one scenario step; its parts run in field order.
type Step struct {
	// Block is the block the chain moves to first (required).
	Block *uint64 `json:"block"`
	// Hyperparameters overwrites the given devnet.Hyperparameters keys from
	// now on (absent or null: none).
	Hyperparameters json.RawMessage `json:"hyperparameters"`
	// Register appends neurons or replaces uids.
	Register []Registration `json:"register"`
	// Stake sets uids' hotkey stakes.
	Stake []StakeSet `json:"stake"`
	// SetWeights are signed set_weights calls, in order.
	SetWeights []WeightsCall `json:"set_weights"`
	// ResetBonds lists uids whose bond column is reset (when bonds_reset_on).
	ResetBonds []uint16 `json:"reset_bonds"`
	// Epoch runs one epoch of the main mechanism at the end of the step.
	Epoch bool `json:"epoch"`
	// RaoEmission is the alpha (rao) the epoch splits (required with Epoch).
	RaoEmission *uint64 `json:"rao_emission"`
}

// Registration registers a hotkey, appended or replacing a uid.
type Registration struct {
	// Hotkey is the new hotkey.
	Hotkey string `json:"hotkey"`
	// AlphaStake is the new hotkey's alpha stake (rao).
	AlphaStake uint64 `json:"alpha_stake"`
	// TaoStake is the new hotkey's root TAO stake (rao).
	TaoStake uint64 `json:"tao_stake"`
	// ReplaceUID, when set, re-registers that uid (replace_neuron) instead of appending.
	ReplaceUID *uint16 `json:"replace_uid"`
}

// StakeSet sets the stake of the hotkey at a uid.
type StakeSet struct {
	// UID selects the hotkey registered there.
	UID uint16 `json:"uid"`
	// AlphaStake is the new alpha stake (rao).
	AlphaStake uint64 `json:"alpha_stake"`
	// TaoStake is the new root TAO stake (rao).
	TaoStake uint64 `json:"tao_stake"`
}

// WeightsCall is a signed set_weights from the hotkey at UID.
type WeightsCall struct {
	// UID selects the signing hotkey.
	UID uint16 `json:"uid"`
	// Dests are the destination uids.
	Dests []uint16 `json:"dests"`
	// Weights are the u16 values, one per destination.
	Weights []uint16 `json:"weights"`
	// VersionKey is the call's version key (default 0).
	VersionKey uint64 `json:"version_key"`
}

// Expectation is one assertion of the original test.
type Expectation struct {
	// Step is the 0-based index of an epoch step.
	Step int `json:"step"`
	// Field is a per-uid output field or "bonds".
	Field string `json:"field"`
	// UIDs address per-uid fields.
	UIDs []uint16 `json:"uids"`
	// Entries address bonds as [row uid, column uid].
	Entries [][2]uint16 `json:"entries"`
	// Values are the expected values, in order.
	Values []json.RawMessage `json:"values"`
	// Compare is "", "exact" or "u16_proportion".
	Compare string `json:"compare"`
	// Tolerance is the allowed absolute difference.
	Tolerance json.Number `json:"tolerance"`
}

// Load parses and validates a scenario.
func Load(r io.Reader) (*Scenario, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(data, &keys); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	for _, k := range []string{"name", "netuid", "hyperparameters", "genesis", "steps", "expected"} {
		if _, ok := keys[k]; !ok {
			return nil, fmt.Errorf("%w: missing key %q", ErrInvalid, k)
		}
	}
	var sc Scenario
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&sc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if sc.Format != "" && sc.Format != Format {
		return nil, fmt.Errorf("%w: format %q, want %q", ErrInvalid, sc.Format, Format)
	}
	if _, err := sc.initialHyperparameters(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	for i, nr := range sc.Genesis.Neurons {
		if int(nr.UID) != i {
			return nil, fmt.Errorf("%w: genesis neuron %d has uid %d (uids must be 0..n-1 in order)", ErrInvalid, i, nr.UID)
		}
	}
	if o := sc.Genesis.OwnerUID; o != nil && int(*o) >= len(sc.Genesis.Neurons) {
		return nil, fmt.Errorf("%w: owner_uid %d is not a genesis uid", ErrInvalid, *o)
	}
	prev := sc.Genesis.Block
	for i, st := range sc.Steps {
		if st.Block == nil {
			return nil, fmt.Errorf("%w: step %d has no block", ErrInvalid, i)
		}
		if *st.Block < prev {
			return nil, fmt.Errorf("%w: step %d block %d is before block %d", ErrInvalid, i, *st.Block, prev)
		}
		prev = *st.Block
		if st.Epoch && st.RaoEmission == nil {
			return nil, fmt.Errorf("%w: epoch step %d has no rao_emission", ErrInvalid, i)
		}
		if hp := devnet.DefaultHyperparameters(); len(st.Hyperparameters) > 0 {
			if err := json.Unmarshal(st.Hyperparameters, &hp); err != nil {
				return nil, fmt.Errorf("%w: step %d: %v", ErrInvalid, i, err)
			}
		}
	}
	return &sc, nil
}

// initialHyperparameters are the chain's defaults with the scenario's keys applied.
func (sc *Scenario) initialHyperparameters() (devnet.Hyperparameters, error) {
	hp := devnet.DefaultHyperparameters()
	if err := json.Unmarshal(sc.Hyperparameters, &hp); err != nil {
		return hp, err
	}
	return hp, nil
}
