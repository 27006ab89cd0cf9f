package timelock

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/subnetd/subnetd/internal/scale"
)

// Format selects the SCALE layout of the payload inside a timelocked commit.
type Format int

const (
	// FormatV4 is WeightsTlockPayload { hotkey: Vec<u8>, uids: Vec<u16>,
	// values: Vec<u16>, version_key: u64 }, sent with
	// commit_timelocked_(mechanism_)weights and commit_reveal_version 4. On
	// reveal the chain requires hotkey to equal the committing account.
	FormatV4 Format = 4
	// FormatLegacy is the CRv3 WeightsTlockPayload { uids, values, version_key }
	// without the hotkey: the only layout older runtimes (spec 300, which has
	// only commit_crv3_weights) decode. Newer runtimes still accept it.
	FormatLegacy Format = 3
)

// String names the format.
func (f Format) String() string {
	switch f {
	case FormatV4:
		return "v4"
	case FormatLegacy:
		return "legacy"
	default:
		return fmt.Sprintf("Format(%d)", int(f))
	}
}

// HotkeySize is the length of a raw sr25519 public key (AccountId32).
const HotkeySize = 32

// Errors callers branch on when building payloads and commits.
var (
	// ErrInvalidPayload means the payload cannot be encoded or decoded (bad
	// lengths, duplicate uids, wrong hotkey size, truncated SCALE bytes).
	ErrInvalidPayload = errors.New("invalid weights payload")
	// ErrNoWeights means every weight is zero, so there is nothing to commit
	// (the SDK returns empty vectors in this case and sends nothing).
	ErrNoWeights = errors.New("all weights are zero: nothing to commit")
)

// Payload is the decoded WeightsTlockPayload. Hotkey is empty in FormatLegacy.
type Payload struct {
	// Hotkey is the committing hotkey's 32-byte public key (FormatV4 only).
	Hotkey []byte
	// Uids are the neurons weighted, in the order given.
	Uids []uint16
	// Values are the u16 weights, max-upscaled so the largest is 65535.
	Values []uint16
	// VersionKey is the subnet's weights version key.
	VersionKey uint64
}

// NewPayload builds the payload the Bittensor SDK would encrypt for these
// weights: it checks the inputs, then max-upscales the weights exactly as the
// SDK's convert_weights_and_uids_for_emit does (see MaxUpscale). hotkey must be
// 32 bytes for FormatV4 and is dropped for FormatLegacy.
func NewPayload(f Format, hotkey []byte, uids, weights []uint16, versionKey uint64) (Payload, error) {
	switch f {
	case FormatV4:
		if len(hotkey) != HotkeySize {
			return Payload{}, fmt.Errorf("%w: hotkey is %d bytes, want %d", ErrInvalidPayload, len(hotkey), HotkeySize)
		}
	case FormatLegacy:
		hotkey = nil
	default:
		return Payload{}, fmt.Errorf("%w: unknown format %v", ErrInvalidPayload, f)
	}
	if err := checkUids(uids, weights); err != nil {
		return Payload{}, err
	}
	u, v, err := MaxUpscale(uids, weights)
	if err != nil {
		return Payload{}, err
	}
	return Payload{Hotkey: append([]byte(nil), hotkey...), Uids: u, Values: v, VersionKey: versionKey}, nil
}

// MaxUpscale scales u16 weights so the largest becomes 65535, as the SDK's
// convert_weights_and_uids_for_emit does before a timelocked commit:
// w_i = round_half_even(float64(w_i)/float64(max) * 65535), and entries that
// become 0 are dropped together with their uid. It is the identity on vectors
// already max-upscaled (the output of the weights package). All-zero weights
// give ErrNoWeights.
func MaxUpscale(uids, weights []uint16) ([]uint16, []uint16, error) {
	if len(uids) != len(weights) {
		return nil, nil, fmt.Errorf("%w: %d uids but %d weights", ErrInvalidPayload, len(uids), len(weights))
	}
	var maxW uint16
	for _, w := range weights {
		maxW = max(maxW, w)
	}
	if maxW == 0 {
		return nil, nil, ErrNoWeights
	}
	outU := make([]uint16, 0, len(uids))
	outW := make([]uint16, 0, len(weights))
	for i, w := range weights {
		scaled := math.RoundToEven(float64(w) / float64(maxW) * math.MaxUint16)
		if scaled == 0 {
			continue
		}
		outU = append(outU, uids[i])
		outW = append(outW, uint16(scaled))
	}
	return outU, outW, nil
}

func checkUids(uids, values []uint16) error {
	if len(uids) != len(values) {
		return fmt.Errorf("%w: %d uids but %d values", ErrInvalidPayload, len(uids), len(values))
	}
	seen := make(map[uint16]struct{}, len(uids))
	for _, u := range uids {
		if _, dup := seen[u]; dup {
			// The chain rejects duplicates at reveal time, silently.
			return fmt.Errorf("%w: duplicate uid %d", ErrInvalidPayload, u)
		}
		seen[u] = struct{}{}
	}
	return nil
}

// Encode returns the SCALE encoding of the payload in format f, the plaintext
// a commit encrypts. Values are encoded as given; use NewPayload to get the
// SDK's max-upscaled values.
func (p Payload) Encode(f Format) ([]byte, error) {
	if err := checkUids(p.Uids, p.Values); err != nil {
		return nil, err
	}
	var out []byte
	switch f {
	case FormatV4:
		if len(p.Hotkey) != HotkeySize {
			return nil, fmt.Errorf("%w: hotkey is %d bytes, want %d", ErrInvalidPayload, len(p.Hotkey), HotkeySize)
		}
		out = make([]byte, 0, 1+HotkeySize+2*(5+2*len(p.Uids))+8)
		out = scale.AppendCompact(out, uint64(len(p.Hotkey)))
		out = append(out, p.Hotkey...)
	case FormatLegacy:
		out = make([]byte, 0, 2*(5+2*len(p.Uids))+8)
	default:
		return nil, fmt.Errorf("%w: unknown format %v", ErrInvalidPayload, f)
	}
	out = scale.AppendU16s(out, p.Uids)
	out = scale.AppendU16s(out, p.Values)
	out = binary.LittleEndian.AppendUint64(out, p.VersionKey)
	return out, nil
}

// DecodePayload decodes a SCALE payload in format f as the chain does after
// decrypting a commit. Like the chain's Decode::decode it ignores bytes after
// version_key. It never panics, whatever the input.
func DecodePayload(f Format, b []byte) (Payload, error) {
	r := reader{buf: b}
	var p Payload
	switch f {
	case FormatV4:
		n, err := r.compact("hotkey length")
		if err != nil {
			return Payload{}, fmt.Errorf("%w: %w", ErrInvalidPayload, err)
		}
		if n > uint64(r.remaining()) {
			return Payload{}, fmt.Errorf("%w: hotkey length %d exceeds the %d bytes left", ErrInvalidPayload, n, r.remaining())
		}
		hk, _ := r.take(int(n))
		p.Hotkey = append([]byte{}, hk...)
	case FormatLegacy:
	default:
		return Payload{}, fmt.Errorf("%w: unknown format %v", ErrInvalidPayload, f)
	}
	var err error
	if p.Uids, err = r.u16s("uids"); err != nil {
		return Payload{}, fmt.Errorf("%w: %w", ErrInvalidPayload, err)
	}
	if p.Values, err = r.u16s("values"); err != nil {
		return Payload{}, fmt.Errorf("%w: %w", ErrInvalidPayload, err)
	}
	vk, ok := r.take(8)
	if !ok {
		return Payload{}, fmt.Errorf("%w: version_key: need 8 bytes, have %d", ErrInvalidPayload, r.remaining())
	}
	p.VersionKey = binary.LittleEndian.Uint64(vk)
	return p, nil
}

// compact reads a SCALE compact integer, rejecting non-canonical encodings as
// parity-scale-codec does.
func (r *reader) compact(what string) (uint64, error) {
	b0, ok := r.take(1)
	if !ok {
		return 0, fmt.Errorf("%s: missing compact prefix", what)
	}
	switch b0[0] & 0b11 {
	case 0b00:
		return uint64(b0[0] >> 2), nil
	case 0b01:
		rest, ok := r.take(1)
		if !ok {
			return 0, fmt.Errorf("%s: truncated compact integer", what)
		}
		n := uint64(binary.LittleEndian.Uint16([]byte{b0[0], rest[0]}) >> 2)
		if n < 1<<6 {
			return 0, fmt.Errorf("%s: non-canonical compact integer", what)
		}
		return n, nil
	case 0b10:
		rest, ok := r.take(3)
		if !ok {
			return 0, fmt.Errorf("%s: truncated compact integer", what)
		}
		n := uint64(binary.LittleEndian.Uint32([]byte{b0[0], rest[0], rest[1], rest[2]}) >> 2)
		if n < 1<<14 {
			return 0, fmt.Errorf("%s: non-canonical compact integer", what)
		}
		return n, nil
	default:
		size := int(b0[0]>>2) + 4
		if size > 8 {
			return 0, fmt.Errorf("%s: compact integer of %d bytes does not fit in 64 bits", what, size)
		}
		rest, ok := r.take(size)
		if !ok {
			return 0, fmt.Errorf("%s: truncated compact integer", what)
		}
		var le [8]byte
		copy(le[:], rest)
		n := binary.LittleEndian.Uint64(le[:])
		if rest[size-1] == 0 || n < 1<<30 {
			return 0, fmt.Errorf("%s: non-canonical compact integer", what)
		}
		return n, nil
	}
}

// u16s reads a SCALE Vec<u16>, checking the length against the bytes present
// before allocating.
func (r *reader) u16s(what string) ([]uint16, error) {
	n, err := r.compact(what + " length")
	if err != nil {
		return nil, err
	}
	if n > uint64(r.remaining())/2 {
		return nil, fmt.Errorf("%s: %d entries do not fit in the %d bytes left", what, n, r.remaining())
	}
	b, _ := r.take(int(2 * n))
	out := make([]uint16, n)
	for i := range out {
		out[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return out, nil
}
