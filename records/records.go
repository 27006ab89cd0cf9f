package records

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

// FormatName and FormatVersion identify the export file format (the first JSON line).
const (
	FormatName    = "subnetd-records"
	FormatVersion = 1
)

var (
	// ErrNotFound: the database or file holds no such record or module.
	ErrNotFound = errors.New("not found")
	// ErrBadFormat: a file is neither a records database nor an export of the supported version.
	ErrBadFormat = errors.New("unrecognised records format")
	// ErrNewerSchema: the database was written by a newer subnetd (its schema version is above
	// SchemaVersion); this build refuses to touch it.
	ErrNewerSchema = errors.New("records database schema is newer than this build")
	// ErrIntegrity: a record's bytes do not match the hash recorded with them.
	ErrIntegrity = errors.New("record integrity check failed")
)

// Round is one validator round as recorded. Byte fields hold exact bytes (base64 in JSON); the
// documents the validator produced (weights, preview, transaction, logs) are typed (docs.go) and
// stored as JSON; Limits is the runtime's own limits document, kept as the exact recorded JSON.
type Round struct {
	// ID is the record's sequence number in its database (assigned by Append).
	ID int64 `json:"id"`
	// Netuid is the subnet.
	Netuid uint16 `json:"netuid"`
	// Block is the block the round is anchored to, BlockHash its hash, BlockTimeMs its timestamp.
	Block       uint64 `json:"block"`
	BlockHash   string `json:"block_hash"`
	BlockTimeMs int64  `json:"block_time_ms"`
	// Seed is the round seed, 0x-hex of 32 bytes.
	Seed string `json:"seed"`
	// ValidatorUID and ValidatorHotkey identify the validator that ran the round.
	ValidatorUID    uint16 `json:"validator_uid"`
	ValidatorHotkey string `json:"validator_hotkey"`

	// Scorer and ScorerVersion name the scorer package; ModuleSHA256 is the hex sha256 of the
	// module bytes that ran (stored in the same database).
	Scorer        string `json:"scorer"`
	ScorerVersion string `json:"scorer_version,omitempty"`
	ModuleSHA256  string `json:"module_sha256"`
	// Engine and EngineVersion name the WebAssembly engine; Limits are the runtime limits (JSON).
	Engine        string          `json:"engine"`
	EngineVersion string          `json:"engine_version"`
	Limits        json.RawMessage `json:"limits"`

	// Synapse is the synapse sent to the miners.
	Synapse string `json:"synapse"`
	// ChallengeRequest and ChallengeOutput are the exact ChallengeRequest given to the scorer's
	// challenge function and the Challenge it returned; both empty when the config gave the body.
	ChallengeRequest []byte `json:"challenge_request,omitempty"`
	ChallengeOutput  []byte `json:"challenge_output,omitempty"`
	// RoundBytes is the exact Round message the scorer read; RoundSHA256 its hex sha256.
	RoundBytes  []byte `json:"round_bytes"`
	RoundSHA256 string `json:"round_sha256"`
	// ScoresBytes is the exact message the scorer returned (may be empty when it failed);
	// ScoresSHA256 its hex sha256.
	ScoresBytes  []byte `json:"scores_bytes,omitempty"`
	ScoresSHA256 string `json:"scores_sha256,omitempty"`
	// Error is the scorer's error, one line, when the round failed in the scorer.
	Error string `json:"error,omitempty"`
	// ErrorCode names the sentinel Error wraps (ErrorCode(err), e.g. "ErrOutOfGas"); replay
	// compares it rather than the text. Empty in records written before schema version 1, and
	// when the error wraps no known sentinel: replay then compares the text.
	ErrorCode string `json:"error_code,omitempty"`
	// Miners is the number of miners in the Round; Answered how many answered with status 200.
	Miners   int `json:"miners"`
	Answered int `json:"answered"`

	// Weights is what was emitted and the parameters used (nil when the scorer failed).
	Weights *Weights `json:"weights,omitempty"`
	// Preview is the Yuma preview of this epoch with the emitted row (nil when unavailable).
	Preview *Preview `json:"preview,omitempty"`
	// Tx is the chain transaction (nil when nothing was submitted); TxOutcome its one-word
	// outcome; TxError the error when the submission failed or was skipped.
	Tx        *Tx    `json:"tx,omitempty"`
	TxOutcome string `json:"tx_outcome,omitempty"`
	TxError   string `json:"tx_error,omitempty"`
	// Logs are the scorer's captured log lines.
	Logs []LogLine `json:"logs,omitempty"`
	// Providers are the subnet's feature provider calls of this round, in config order (nil
	// without providers).
	Providers []ProviderCall `json:"providers,omitempty"`
	// MeterVersion names the gas cost model (runtime.Runtime.MeterVersion); GasUsed is the gas the
	// scorer call used (also when it failed): replay must reproduce it exactly.
	MeterVersion string `json:"meter_version,omitempty"`
	GasUsed      uint64 `json:"gas_used,omitempty"`
	// StartedMs and FinishedMs are wall-clock times of the round (informational, never replayed).
	StartedMs  int64 `json:"started_ms"`
	FinishedMs int64 `json:"finished_ms"`
}

// Module is a scorer module stored by its sha256.
type Module struct {
	// SHA256 is the hex sha256 of Wasm.
	SHA256 string `json:"sha256"`
	// Name is the scorer name it was first stored under.
	Name string `json:"name"`
	// Wasm is the module bytes.
	Wasm []byte `json:"wasm"`
}

// SHA256Hex returns the hex sha256 of b.
func SHA256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Seal fills RoundSHA256 and ScoresSHA256 from the bytes.
func (r *Round) Seal() {
	r.RoundSHA256 = SHA256Hex(r.RoundBytes)
	if len(r.ScoresBytes) > 0 {
		r.ScoresSHA256 = SHA256Hex(r.ScoresBytes)
	} else {
		r.ScoresSHA256 = ""
	}
}

// Check verifies that the recorded hashes match the recorded bytes.
func (r *Round) Check() error {
	if got := SHA256Hex(r.RoundBytes); got != r.RoundSHA256 {
		return fmt.Errorf("round %d: round bytes hash %s, recorded %s: %w", r.ID, got, r.RoundSHA256, ErrIntegrity)
	}
	if len(r.ScoresBytes) > 0 || r.ScoresSHA256 != "" {
		if got := SHA256Hex(r.ScoresBytes); got != r.ScoresSHA256 {
			return fmt.Errorf("round %d: scores bytes hash %s, recorded %s: %w", r.ID, got, r.ScoresSHA256, ErrIntegrity)
		}
	}
	return nil
}

// State returns the scorer state carried in ScoresBytes (nil when none or when the round failed).
func (r *Round) State() ([]byte, error) {
	if len(r.ScoresBytes) == 0 {
		return nil, nil
	}
	var s struct {
		State []byte `json:"state"`
	}
	if err := json.Unmarshal(r.ScoresBytes, &s); err != nil {
		return nil, fmt.Errorf("round %d: scores message: %w", r.ID, err)
	}
	return s.State, nil
}
