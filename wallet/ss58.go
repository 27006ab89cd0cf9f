package wallet

import (
	"errors"
	"fmt"

	"github.com/decred/base58"
	"golang.org/x/crypto/blake2b"
)

// BittensorSS58Prefix is the SS58 address format Bittensor uses (the generic Substrate prefix).
const BittensorSS58Prefix uint16 = 42

// ErrInvalidSS58 is wrapped by every SS58 decoding failure.
var ErrInvalidSS58 = errors.New("invalid SS58 address")

// ss58Pre is the domain separator of the SS58 checksum.
var ss58Pre = []byte("SS58PRE")

// EncodeSS58 encodes a 32-byte public key as an SS58 address with Bittensor's prefix 42.
func EncodeSS58(pub [32]byte) string {
	s, _ := EncodeSS58WithPrefix(pub, BittensorSS58Prefix) // 42 is always valid
	return s
}

// EncodeSS58WithPrefix encodes a 32-byte public key as an SS58 address with the given network prefix
// (0..16383; prefixes below 64 take one byte, others two).
func EncodeSS58WithPrefix(pub [32]byte, prefix uint16) (string, error) {
	var ident []byte
	switch {
	case prefix < 64:
		ident = []byte{byte(prefix)}
	case prefix < 16384:
		ident = []byte{
			byte((prefix&0b1111_1100)>>2) | 0b0100_0000,
			byte(prefix>>8) | byte((prefix&0b11)<<6),
		}
	default:
		return "", fmt.Errorf("%w: prefix %d is out of range 0..16383", ErrInvalidSS58, prefix)
	}
	payload := append(ident, pub[:]...)
	sum := ss58Checksum(payload)
	return base58.Encode(append(payload, sum[0], sum[1])), nil
}

// DecodeSS58 decodes an SS58 address of a 32-byte public key and returns the key and the network prefix.
// It checks the alphabet, the length and the two-byte blake2b checksum.
func DecodeSS58(addr string) ([32]byte, uint16, error) {
	var pub [32]byte
	if addr == "" {
		return pub, 0, fmt.Errorf("%w: empty string", ErrInvalidSS58)
	}
	raw := base58.Decode(addr)
	if len(raw) == 0 {
		return pub, 0, fmt.Errorf("%w %q: not base58", ErrInvalidSS58, addr)
	}
	var prefix uint16
	identLen := 1
	switch {
	case raw[0] < 64:
		prefix = uint16(raw[0])
	case raw[0] < 128:
		if len(raw) < 2 {
			return pub, 0, fmt.Errorf("%w %q: too short", ErrInvalidSS58, addr)
		}
		lower := (raw[0] << 2) | (raw[1] >> 6)
		upper := raw[1] & 0b0011_1111
		prefix = uint16(lower) | uint16(upper)<<8
		identLen = 2
	default:
		return pub, 0, fmt.Errorf("%w %q: reserved prefix byte %d", ErrInvalidSS58, addr, raw[0])
	}
	if len(raw) != identLen+32+2 {
		return pub, 0, fmt.Errorf("%w %q: decodes to %d bytes, want %d (a 32-byte account)", ErrInvalidSS58, addr, len(raw), identLen+34)
	}
	body := raw[:identLen+32]
	sum := ss58Checksum(body)
	if sum[0] != raw[identLen+32] || sum[1] != raw[identLen+33] {
		return pub, 0, fmt.Errorf("%w %q: checksum mismatch", ErrInvalidSS58, addr)
	}
	copy(pub[:], raw[identLen:identLen+32])
	return pub, prefix, nil
}

// ss58Checksum is blake2b-512("SS58PRE" || payload).
func ss58Checksum(payload []byte) [64]byte {
	h, _ := blake2b.New512(nil) // no key: cannot fail
	h.Write(ss58Pre)
	h.Write(payload)
	var out [64]byte
	copy(out[:], h.Sum(nil))
	return out
}
