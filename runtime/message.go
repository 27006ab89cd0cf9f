package runtime

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ABIVersion is the scorer ABI version this runtime serves.
const ABIVersion = 1

// Round is the host's view of the Round message (docs/ABI.md). Encode serialises it
// canonically: fixed field order, miners by ascending uid, compact JSON.
type Round struct {
	// Netuid is the subnet.
	Netuid uint16
	// Block is the block the round is anchored to.
	Block uint64
	// BlockHash is the block's hash, hex with 0x.
	BlockHash string
	// BlockTimeMs is the block's timestamp (Unix ms); the scorer's realtime clock reads it.
	BlockTimeMs int64
	// Seed seeds the scorer's random_get.
	Seed [32]byte
	// Validator is the validator running the round.
	Validator Validator
	// Challenge is the synapse body sent to the miners; nil encodes as null.
	Challenge json.RawMessage
	// Miners are the queried miners; Encode sorts them by uid.
	Miners []Miner
	// State is what the scorer returned as state last round.
	State []byte
}

// Validator identifies the validator in a Round.
type Validator struct {
	// UID is the validator's uid.
	UID uint16 `json:"uid"`
	// Hotkey is its SS58 hotkey.
	Hotkey string `json:"hotkey"`
}

// Miner is one miner's entry in a Round.
type Miner struct {
	// UID is the miner's uid.
	UID uint16 `json:"uid"`
	// Hotkey is its SS58 hotkey.
	Hotkey string `json:"hotkey"`
	// Stake is its stake in TAO.
	Stake float64 `json:"stake"`
	// Status is the dendrite status code.
	Status int `json:"status"`
	// LatencyMs is the time to its answer.
	LatencyMs float64 `json:"latency_ms"`
	// Response is its JSON answer; nil encodes as null.
	Response json.RawMessage `json:"response"`
	// Features are the feature providers' JSON for this miner, by provider name (a nil value
	// encodes as null: the provider failed or said nothing of this miner). Absent (nil map)
	// when the subnet has no providers, so such Rounds are byte for byte what they were before
	// providers existed. Encoded with names in ascending order.
	Features map[string]json.RawMessage `json:"features,omitempty"`
}

// RoundMeta is what the host needs from a Round to run and check a call: the uids it listed,
// the seed and the block time the guest's WASI sees.
type RoundMeta struct {
	// Block is the round's block.
	Block uint64
	// BlockTimeMs is the block's timestamp in Unix ms.
	BlockTimeMs int64
	// Seed is the round seed.
	Seed [32]byte
	// UIDs are the miners' uids in message order.
	UIDs []uint16
}

// roundWire is the Round's JSON shape; the field order here is the canonical order.
type roundWire struct {
	ABI         int             `json:"abi"`
	Netuid      uint16          `json:"netuid"`
	Block       uint64          `json:"block"`
	BlockHash   string          `json:"block_hash"`
	BlockTimeMs int64           `json:"block_time_ms"`
	Seed        string          `json:"seed"`
	Validator   Validator       `json:"validator"`
	Challenge   json.RawMessage `json:"challenge"`
	Miners      []Miner         `json:"miners"`
	State       string          `json:"state"`
}

// Encode returns the canonical Round message and its meta. It fails on duplicate uids, on
// non-finite stake or latency, and on a challenge or response that is not valid JSON.
func (r Round) Encode() ([]byte, RoundMeta, error) {
	miners := slices.Clone(r.Miners)
	slices.SortStableFunc(miners, func(a, b Miner) int { return int(a.UID) - int(b.UID) })
	meta := RoundMeta{Block: r.Block, BlockTimeMs: r.BlockTimeMs, Seed: r.Seed, UIDs: make([]uint16, len(miners))}
	for i, m := range miners {
		if i > 0 && miners[i-1].UID == m.UID {
			return nil, RoundMeta{}, fmt.Errorf("encode round: uid %d listed twice", m.UID)
		}
		if !finite(m.Stake) || !finite(m.LatencyMs) {
			return nil, RoundMeta{}, fmt.Errorf("encode round: uid %d has a non-finite stake or latency", m.UID)
		}
		if len(m.Response) == 0 {
			miners[i].Response = nullJSON
		}
		for name, f := range m.Features {
			if len(f) != 0 && !json.Valid(f) {
				return nil, RoundMeta{}, fmt.Errorf("encode round: uid %d: features of provider %q are not valid JSON", m.UID, name)
			}
		}
		meta.UIDs[i] = m.UID
	}
	w := roundWire{
		ABI: ABIVersion, Netuid: r.Netuid, Block: r.Block, BlockHash: r.BlockHash, BlockTimeMs: r.BlockTimeMs,
		Seed: "0x" + hex.EncodeToString(r.Seed[:]), Validator: r.Validator, Challenge: r.Challenge,
		Miners: miners, State: encodeState(r.State),
	}
	if len(w.Challenge) == 0 {
		w.Challenge = nullJSON
	}
	b, err := json.Marshal(w)
	if err != nil {
		return nil, RoundMeta{}, fmt.Errorf("encode round: %w", err)
	}
	return b, meta, nil
}

var nullJSON = json.RawMessage("null")

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// ParseRoundMeta reads the meta of a Round message given as bytes (for `subnetd score` and
// replay). The seed must be 32 bytes of hex; block_time_ms may be absent (then 0).
func ParseRoundMeta(b []byte) (RoundMeta, error) {
	var w struct {
		ABI         *int   `json:"abi"`
		Block       uint64 `json:"block"`
		BlockTimeMs int64  `json:"block_time_ms"`
		Seed        string `json:"seed"`
		Miners      []struct {
			UID *uint16 `json:"uid"`
		} `json:"miners"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return RoundMeta{}, fmt.Errorf("parse round: %w", err)
	}
	if w.ABI != nil && *w.ABI != ABIVersion {
		return RoundMeta{}, fmt.Errorf("parse round: abi %d, this host serves %d", *w.ABI, ABIVersion)
	}
	seed, err := parseSeed(w.Seed)
	if err != nil {
		return RoundMeta{}, fmt.Errorf("parse round: %w", err)
	}
	meta := RoundMeta{Block: w.Block, BlockTimeMs: w.BlockTimeMs, Seed: seed, UIDs: make([]uint16, len(w.Miners))}
	seen := make(map[uint16]bool, len(w.Miners))
	for i, m := range w.Miners {
		if m.UID == nil {
			return RoundMeta{}, fmt.Errorf("parse round: miner %d has no uid", i)
		}
		if seen[*m.UID] {
			return RoundMeta{}, fmt.Errorf("parse round: uid %d listed twice", *m.UID)
		}
		seen[*m.UID] = true
		meta.UIDs[i] = *m.UID
	}
	return meta, nil
}

// DecodeRound reads a Round message back into a Round (for replay and audits): a Round that
// Encode wrote encodes again to the same bytes. It checks what ParseRoundMeta checks.
func DecodeRound(b []byte) (Round, error) {
	if _, err := ParseRoundMeta(b); err != nil {
		return Round{}, err
	}
	var w roundWire
	if err := json.Unmarshal(b, &w); err != nil {
		return Round{}, fmt.Errorf("decode round: %w", err)
	}
	state, err := base64.StdEncoding.DecodeString(w.State) // what encoding/json does for a []byte
	if err != nil {
		return Round{}, fmt.Errorf("decode round: %w", err)
	}
	seed, _ := parseSeed(w.Seed) // checked by ParseRoundMeta
	r := Round{Netuid: w.Netuid, Block: w.Block, BlockHash: w.BlockHash, BlockTimeMs: w.BlockTimeMs, Seed: seed,
		Validator: w.Validator, Challenge: w.Challenge, Miners: w.Miners, State: state}
	if string(r.Challenge) == "null" {
		r.Challenge = nil
	}
	for i := range r.Miners {
		if string(r.Miners[i].Response) == "null" {
			r.Miners[i].Response = nil
		}
	}
	return r, nil
}

func parseSeed(s string) ([32]byte, error) {
	var seed [32]byte
	if s == "" {
		return seed, nil
	}
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || len(b) != 32 {
		return seed, fmt.Errorf("seed %q is not 32 bytes of hex", s)
	}
	copy(seed[:], b)
	return seed, nil
}

func encodeState(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	out, _ := json.Marshal(b) // base64 with quotes
	return string(out[1 : len(out)-1])
}

// Score is one validated score.
type Score struct {
	// UID is the miner's uid.
	UID uint16 `json:"uid"`
	// Score is finite and >= 0.
	Score float64 `json:"score"`
}

// Scores is a validated Scores message.
type Scores struct {
	// Scores are sorted by uid; a uid the scorer left out is absent (it scores 0).
	Scores []Score `json:"scores"`
	// State is the decoded next state (nil when the scorer returned none).
	State []byte `json:"state,omitempty"`
}

// Canonical returns the Scores message in canonical form: uids ascending, compact JSON.
func (s Scores) Canonical() []byte {
	if s.Scores == nil {
		s.Scores = []Score{}
	}
	b, _ := json.Marshal(s) // cannot fail: every value is finite and typed
	return b
}

// Dense returns the score of every uid in uids, in that order (0 for a uid left out).
func (s Scores) Dense(uids []uint16) []float64 {
	out := make([]float64, len(uids))
	for i, u := range uids {
		j, ok := slices.BinarySearchFunc(s.Scores, u, func(sc Score, u uint16) int { return int(sc.UID) - int(u) })
		if ok {
			out[i] = s.Scores[j].Score
		}
	}
	return out
}

// nonFinite finds an entry whose score is a bare NaN/Infinity literal, which is not JSON, so
// the error can name the uid.
var nonFinite = regexp.MustCompile(`"uid"\s*:\s*(\d+)\s*,\s*"score"\s*:\s*(-?(?:NaN|nan|Infinity|inf|Inf))|"score"\s*:\s*(-?(?:NaN|nan|Infinity|inf|Inf))\s*,\s*"uid"\s*:\s*(\d+)`)

// ValidateScores parses a scorer's Scores message and checks it against the uids the Round
// listed: every uid known and given once, every score a finite number >= 0, the state valid
// base64 within maxState bytes. Errors name the uid or the problem.
func ValidateScores(out []byte, uids []uint16, maxState int) (Scores, error) {
	if res, ok := fastScores(out, uids, maxState); ok {
		return res, nil
	}
	return validateScores(out, uids, maxState)
}

// validateScores is ValidateScores by encoding/json, for every message: the reference that
// fastScores must equal, and the source of every error.
func validateScores(out []byte, uids []uint16, maxState int) (Scores, error) {
	var w struct {
		Scores *[]struct {
			UID   json.RawMessage `json:"uid"`
			Score json.RawMessage `json:"score"`
		} `json:"scores"`
		State *string `json:"state"`
	}
	if err := json.Unmarshal(out, &w); err != nil {
		if m := nonFinite.FindSubmatch(out); m != nil {
			uid, lit := m[1], m[2]
			if len(uid) == 0 {
				uid, lit = m[4], m[3]
			}
			return Scores{}, fmt.Errorf("%w: uid %s: score %s is not a finite number", ErrBadOutput, uid, lit)
		}
		return Scores{}, fmt.Errorf("%w: malformed Scores JSON: %v", ErrBadOutput, err)
	}
	if w.Scores == nil {
		return Scores{}, fmt.Errorf("%w: Scores message has no \"scores\" array", ErrBadOutput)
	}
	var known, seen uidSet
	for _, u := range uids {
		known.add(u)
	}
	res := Scores{Scores: make([]Score, 0, len(*w.Scores))}
	for i, e := range *w.Scores {
		uid, err := strconv.ParseUint(string(e.UID), 10, 16)
		if err != nil {
			return Scores{}, fmt.Errorf("%w: scores[%d]: uid %s is not an integer in 0..65535", ErrBadOutput, i, orMissing(e.UID))
		}
		u := uint16(uid)
		if !known.has(u) {
			return Scores{}, fmt.Errorf("%w: uid %d was not in the round", ErrBadOutput, u)
		}
		if seen.has(u) {
			return Scores{}, fmt.Errorf("%w: uid %d scored twice", ErrBadOutput, u)
		}
		seen.add(u)
		v, err := parseScore(e.Score)
		if err != nil {
			return Scores{}, fmt.Errorf("%w: uid %d: %v", ErrBadOutput, u, err)
		}
		res.Scores = append(res.Scores, Score{UID: u, Score: v})
	}
	slices.SortFunc(res.Scores, func(a, b Score) int { return int(a.UID) - int(b.UID) })
	if w.State != nil && *w.State != "" {
		st, err := base64.StdEncoding.DecodeString(*w.State)
		if err != nil {
			return Scores{}, fmt.Errorf("%w: state is not valid base64", ErrBadOutput)
		}
		if len(st) > maxState {
			return Scores{}, fmt.Errorf("%w: state is %d bytes, limit %d", ErrBadOutput, len(st), maxState)
		}
		res.State = st
	}
	return res, nil
}

func parseScore(raw json.RawMessage) (float64, error) {
	if len(raw) == 0 {
		return 0, errors.New("score missing")
	}
	if raw[0] == '"' {
		return 0, fmt.Errorf("score is the string %s, not a number", raw)
	}
	v, err := strconv.ParseFloat(string(raw), 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange):
		return 0, fmt.Errorf("score %s is not a number", raw)
	case math.IsInf(v, 0) || math.IsNaN(v):
		return 0, fmt.Errorf("score %s is not a finite number", raw)
	case v < 0:
		return 0, fmt.Errorf("score %s is negative", raw)
	}
	if v == 0 {
		v = 0 // -0 becomes 0
	}
	return v, nil
}

func orMissing(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "(missing)"
	}
	return string(raw)
}

// Challenge is a validated Challenge message: what to send to every serving miner.
type Challenge struct {
	// Synapse is the synapse name (the axon's URL path).
	Synapse string `json:"synapse"`
	// Body is the JSON body sent to each miner.
	Body json.RawMessage `json:"body"`
	// TimeoutMs is the per-miner deadline; 0 keeps the subnet's default.
	TimeoutMs int64 `json:"timeout_ms,omitempty"`
}

// synapseName is what a synapse name may look like: it becomes a URL path segment.
var synapseName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// ParseChallenge parses and checks a scorer's Challenge message.
func ParseChallenge(out []byte) (Challenge, error) {
	var c Challenge
	if err := json.Unmarshal(out, &c); err != nil {
		return Challenge{}, fmt.Errorf("%w: malformed Challenge JSON: %v", ErrBadOutput, err)
	}
	if !synapseName.MatchString(c.Synapse) {
		return Challenge{}, fmt.Errorf("%w: synapse name %q is not an identifier", ErrBadOutput, c.Synapse)
	}
	if len(c.Body) == 0 || c.Body[0] != '{' {
		return Challenge{}, fmt.Errorf("%w: challenge body must be a JSON object", ErrBadOutput)
	}
	if c.TimeoutMs < 0 {
		return Challenge{}, fmt.Errorf("%w: timeout_ms %d is negative", ErrBadOutput, c.TimeoutMs)
	}
	return c, nil
}

func validateChallenge(out []byte) error {
	_, err := ParseChallenge(out)
	return err
}

// EncodeChallengeRequest returns the ChallengeRequest message for r (docs/ABI.md): the Round's
// fields without challenge, each miner with uid, hotkey and stake only, uids ascending.
func (r Round) EncodeChallengeRequest() ([]byte, RoundMeta, error) {
	type miner struct {
		UID    uint16  `json:"uid"`
		Hotkey string  `json:"hotkey"`
		Stake  float64 `json:"stake"`
	}
	type request struct {
		ABI         int       `json:"abi"`
		Netuid      uint16    `json:"netuid"`
		Block       uint64    `json:"block"`
		BlockHash   string    `json:"block_hash"`
		BlockTimeMs int64     `json:"block_time_ms"`
		Seed        string    `json:"seed"`
		Validator   Validator `json:"validator"`
		Miners      []miner   `json:"miners"`
		State       string    `json:"state"`
	}
	miners := slices.Clone(r.Miners)
	slices.SortStableFunc(miners, func(a, b Miner) int { return int(a.UID) - int(b.UID) })
	req := request{ABI: ABIVersion, Netuid: r.Netuid, Block: r.Block, BlockHash: r.BlockHash, BlockTimeMs: r.BlockTimeMs,
		Seed: "0x" + hex.EncodeToString(r.Seed[:]), Validator: r.Validator, Miners: make([]miner, len(miners)),
		State: encodeState(r.State)}
	meta := RoundMeta{Block: r.Block, BlockTimeMs: r.BlockTimeMs, Seed: r.Seed, UIDs: make([]uint16, len(miners))}
	for i, m := range miners {
		if i > 0 && miners[i-1].UID == m.UID {
			return nil, RoundMeta{}, fmt.Errorf("encode challenge request: uid %d listed twice", m.UID)
		}
		if !finite(m.Stake) {
			return nil, RoundMeta{}, fmt.Errorf("encode challenge request: uid %d has a non-finite stake", m.UID)
		}
		req.Miners[i] = miner{UID: m.UID, Hotkey: m.Hotkey, Stake: m.Stake}
		meta.UIDs[i] = m.UID
	}
	b, err := json.Marshal(req)
	if err != nil {
		return nil, RoundMeta{}, fmt.Errorf("encode challenge request: %w", err)
	}
	return b, meta, nil
}
