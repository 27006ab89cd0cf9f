package pdk

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ABIVersion is the scorer ABI version this kit implements. The runtime is the source of the
// ABI's version and messages; runtime/pdk_drift_test.go fails when this kit drifts from it.
const ABIVersion = 1

// Round is the input of one scoring call: what the validator asked and what every miner answered.
type Round struct {
	// ABI is the ABI version of the message (1).
	ABI int `json:"abi"`
	// Netuid is the subnet being scored.
	Netuid uint16 `json:"netuid"`
	// Block is the chain block the round is anchored to.
	Block uint64 `json:"block"`
	// BlockHash is the hex hash of Block.
	BlockHash string `json:"block_hash"`
	// BlockTimeMs is the block's timestamp in Unix milliseconds; the guest's clock reads this time.
	BlockTimeMs int64 `json:"block_time_ms,omitempty"`
	// Seed is the round's 32-byte seed in hex; the guest's random numbers come from it.
	Seed string `json:"seed"`
	// Validator is the validator running the round.
	Validator Validator `json:"validator"`
	// Challenge is the synapse body that was sent to the miners (JSON null when none).
	Challenge json.RawMessage `json:"challenge"`
	// Miners lists every queried miner, uids ascending.
	Miners []Miner `json:"miners"`
	// State is what this scorer returned as state last round (nil on the first round).
	State []byte `json:"state"`
}

// Validator identifies the validator running a round.
type Validator struct {
	// UID is the validator's uid on the subnet.
	UID uint16 `json:"uid"`
	// Hotkey is the validator's hotkey as SS58.
	Hotkey string `json:"hotkey"`
}

// Miner is one miner's answer in a Round.
type Miner struct {
	// UID is the miner's uid.
	UID uint16 `json:"uid"`
	// Hotkey is the miner's hotkey as SS58.
	Hotkey string `json:"hotkey"`
	// Stake is the miner's stake in TAO.
	Stake float64 `json:"stake"`
	// Status is the dendrite status code (200 ok, 408 timeout, 503 unreachable, ...).
	Status int `json:"status"`
	// LatencyMs is how long the miner took to answer.
	LatencyMs float64 `json:"latency_ms"`
	// Response is the miner's JSON answer (JSON null when it gave none).
	Response json.RawMessage `json:"response"`
	// Features are the subnet's feature providers' findings on this miner, by provider name
	// (JSON null when a provider failed or said nothing of it); nil when the subnet has no
	// providers (docs/PROVIDERS.md).
	Features map[string]json.RawMessage `json:"features,omitempty"`
}

// Scores is the output of one scoring call.
type Scores struct {
	// Scores holds one entry per scored uid; a uid left out scores 0. Scores must be finite and >= 0.
	Scores []Score `json:"scores"`
	// State is handed back to the scorer in the next Round (optional, size-capped by the host).
	State []byte `json:"state,omitempty"`
}

// Score is one miner's score.
type Score struct {
	// UID is the miner's uid; it must be one the Round listed.
	UID uint16 `json:"uid"`
	// Score is finite and >= 0.
	Score float64 `json:"score"`
}

// ChallengeRequest is the input of the optional Challenge function: the Round without
// challenge, and miners carrying only uid, hotkey and stake.
type ChallengeRequest struct {
	// ABI is the ABI version of the message (1).
	ABI int `json:"abi"`
	// Netuid is the subnet being scored.
	Netuid uint16 `json:"netuid"`
	// Block is the chain block the round is anchored to.
	Block uint64 `json:"block"`
	// BlockHash is the hex hash of Block.
	BlockHash string `json:"block_hash"`
	// BlockTimeMs is the block's timestamp in Unix milliseconds.
	BlockTimeMs int64 `json:"block_time_ms,omitempty"`
	// Seed is the round's 32-byte seed in hex.
	Seed string `json:"seed"`
	// Validator is the validator running the round.
	Validator Validator `json:"validator"`
	// Miners lists the miners about to be queried (uid, hotkey, stake only).
	Miners []Miner `json:"miners"`
	// State is the scorer's state from the last round.
	State []byte `json:"state"`
}

// Challenge is what the validator sends to every serving miner this round.
type Challenge struct {
	// Synapse is the synapse name (the URL path on the axon).
	Synapse string `json:"synapse"`
	// Body is the JSON body sent to every miner.
	Body json.RawMessage `json:"body"`
	// TimeoutMs is the per-miner deadline; 0 leaves the subnet's default.
	TimeoutMs int64 `json:"timeout_ms,omitempty"`
}

// Scorer is what an author registers: Score is required, Challenge optional.
type Scorer struct {
	// Score turns a Round into Scores.
	Score func(Round) (Scores, error)
	// Challenge builds the synapse sent to miners; nil means the subnet's config gives it.
	Challenge func(ChallengeRequest) (Challenge, error)
}

// errNoScorer is returned when no scorer was registered before a call.
var errNoScorer = errors.New("pdk: no scorer registered (call pdk.Register in an init function)")

// ScoreJSON decodes a Round message, runs s.Score and encodes the Scores message.
// It is what the Wasm export does, callable natively for tests and benchmarks.
func ScoreJSON(s Scorer, round []byte) ([]byte, error) {
	if s.Score == nil {
		return nil, errNoScorer
	}
	var r Round
	if err := decodeRound(round, &r); err != nil {
		return nil, fmt.Errorf("decode round: %w", err)
	}
	out, err := s.Score(r)
	if err != nil {
		return nil, err
	}
	if out.Scores == nil {
		out.Scores = []Score{}
	}
	b, err := encodeScores(out)
	if err != nil {
		return nil, fmt.Errorf("encode scores: %w", err)
	}
	return b, nil
}

// ChallengeJSON decodes a ChallengeRequest, runs s.Challenge and encodes the Challenge.
func ChallengeJSON(s Scorer, req []byte) ([]byte, error) {
	if s.Challenge == nil {
		return nil, errors.New("pdk: this scorer has no Challenge function")
	}
	var r ChallengeRequest
	if err := json.Unmarshal(req, &r); err != nil {
		return nil, fmt.Errorf("decode challenge request: %w", err)
	}
	out, err := s.Challenge(r)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode challenge: %w", err)
	}
	return b, nil
}
