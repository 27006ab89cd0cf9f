package records

import (
	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/hostfns"
	"github.com/subnetd/subnetd/weights"
)

// The documents below are stored as JSON in a round's weights, preview, tx and logs columns (and
// carried in the export file). Their field names are the stored format: records written by every
// earlier release decode into them, so a field may be added but never renamed or removed.

// Weights is what a round emitted: the weights the SDK pipeline gave for the scores, and the
// subnet parameters it ran with. Replay recomputes it from the replayed scores.
type Weights struct {
	// UIDs and Weights are the emitted row (u16 weights, max-upscaled), nil when Error is set.
	UIDs    []uint16 `json:"uids"`
	Weights []uint16 `json:"weights"`
	// Params are the subnet parameters the pipeline used.
	Params weights.Params `json:"params"`
	// Error is why no weights could be computed (e.g. too few non-zero scores).
	Error string `json:"error,omitempty"`
}

// Tx is the chain transaction a round submitted.
type Tx struct {
	// Kind is the call: "set_weights", "commit_weights" or "commit_timelocked_weights".
	Kind string `json:"kind"`
	// Result is where the transaction went.
	Result chain.TxResult `json:"result"`
}

// Preview is the subnet's epoch as Yuma would compute it if the round's emitted row were on chain.
type Preview struct {
	// Block is the block the preview was computed at.
	Block uint64 `json:"block"`
	// UID is the validator's uid.
	UID uint16 `json:"uid"`
	// Approximate reports that some epoch parameters were not readable and took defaults.
	Approximate bool `json:"approximate,omitempty"`
	// ApproximateBecause says what the chain did not expose when Approximate is set.
	ApproximateBecause string `json:"approximate_because,omitempty"`
	// ValidatorTrust and Dividends are the validator's terms (u16 / 65535).
	ValidatorTrust float64 `json:"validator_trust"`
	Dividends      float64 `json:"dividends"`
	// ValidatorEmission is what the validator would earn this epoch (rao of RaoEmission).
	ValidatorEmission uint64 `json:"validator_emission"`
	// RaoEmission is the emission the preview split.
	RaoEmission uint64 `json:"rao_emission"`
	// Incentive is every miner's expected incentive (u16 / 65535), by uid; zeros left out.
	Incentive []UIDFloat `json:"incentive"`
}

// UIDFloat is one uid's value.
type UIDFloat struct {
	UID   uint16  `json:"uid"`
	Value float64 `json:"value"`
}

// LogLine is one line a scorer logged during the round.
type LogLine = hostfns.LogLine

// ProviderCall is what one feature provider did in a round (docs/PROVIDERS.md). Its features
// themselves are in the Round bytes, each miner's "features" object, exactly as the scorer read them.
type ProviderCall struct {
	// Provider is the provider's configured name.
	Provider string `json:"provider"`
	// Error is why the call failed (the provider then gave null for every miner); empty when it answered.
	Error string `json:"error,omitempty"`
	// Features is how many miners it gave features for.
	Features int `json:"features"`
	// LatencyMs is the call's wall time (informational, never replayed).
	LatencyMs float64 `json:"latency_ms"`
}
