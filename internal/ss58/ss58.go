// Package ss58 is the one SS58 address codec of the module (Substrate's base58 account format with
// a blake2b checksum), used by wallet (key files, key pairs) and by chain (AccountID), which may not
// import wallet.
package ss58

import (
	"errors"
	"fmt"

	"github.com/decred/base58"
	"golang.org/x/crypto/blake2b"
)

// BittensorPrefix is the SS58 address format Bittensor uses (the generic Substrate prefix).
const BittensorPrefix uint16 = 42

// ErrInvalid is wrapped by every SS58 encoding or decoding failure.
var ErrInvalid = errors.New("invalid SS58 address")

// checksumPre is the domain separator of the SS58 checksum.
var checksumPre = []byte("SS58PRE")

// Encode encodes a 32-byte public key as an SS58 address with Bittensor's prefix 42.
func Encode(pub [32]byte) string {
	s, _ := EncodeWithPrefix(pub, BittensorPrefix) // 42 is always valid
	return s
}

// EncodeWithPrefix encodes a 32-byte public key as an SS58 address with the given network prefix
// (0..16383; prefixes below 64 take one byte, others two).
func EncodeWithPrefix(pub [32]byte, prefix uint16) (string, error) {
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
		return "", fmt.Errorf("%w: prefix %d is out of range 0..16383", ErrInvalid, prefix)
	}
	payload := append(ident, pub[:]...)
	sum := checksum(payload)
	return base58.Encode(append(payload, sum[0], sum[1])), nil
}

// Decode decodes an SS58 address of a 32-byte public key and returns the key and the network prefix.
// It checks the alphabet, the length and the two-byte blake2b checksum.
func Decode(addr string) ([32]byte, uint16, error) {
	var pub [32]byte
	if addr == "" {
		return pub, 0, fmt.Errorf("%w: empty string", ErrInvalid)
	}
	raw := base58.Decode(addr)
	if len(raw) == 0 {
		return pub, 0, fmt.Errorf("%w %q: not base58", ErrInvalid, addr)
	}
	var prefix uint16
	identLen := 1
	switch {
	case raw[0] < 64:
		prefix = uint16(raw[0])
	case raw[0] < 128:
		if len(raw) < 2 {
			return pub, 0, fmt.Errorf("%w %q: too short", ErrInvalid, addr)
		}
		lower := (raw[0] << 2) | (raw[1] >> 6)
		upper := raw[1] & 0b0011_1111
		prefix = uint16(lower) | uint16(upper)<<8
		identLen = 2
	default:
		return pub, 0, fmt.Errorf("%w %q: reserved prefix byte %d", ErrInvalid, addr, raw[0])
	}
	if len(raw) != identLen+32+2 {
		return pub, 0, fmt.Errorf("%w %q: decodes to %d bytes, want %d (a 32-byte account)", ErrInvalid, addr, len(raw), identLen+34)
	}
	body := raw[:identLen+32]
	sum := checksum(body)
	if sum[0] != raw[identLen+32] || sum[1] != raw[identLen+33] {
		return pub, 0, fmt.Errorf("%w %q: checksum mismatch", ErrInvalid, addr)
	}
	copy(pub[:], raw[identLen:identLen+32])
	return pub, prefix, nil
}

// checksum is blake2b-512("SS58PRE" || payload).
func checksum(payload []byte) [64]byte {
	h, _ := blake2b.New512(nil) // no key: cannot fail
	h.Write(checksumPre)
	h.Write(payload)
	var out [64]byte
	copy(out[:], h.Sum(nil))
	return out
}
