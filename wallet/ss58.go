package wallet

import "github.com/subnetd/subnetd/internal/ss58"

// BittensorSS58Prefix is the SS58 address format Bittensor uses (the generic Substrate prefix).
const BittensorSS58Prefix = ss58.BittensorPrefix

// ErrInvalidSS58 is wrapped by every SS58 decoding failure.
var ErrInvalidSS58 = ss58.ErrInvalid

// EncodeSS58 encodes a 32-byte public key as an SS58 address with Bittensor's prefix 42.
func EncodeSS58(pub [32]byte) string { return ss58.Encode(pub) }

// EncodeSS58WithPrefix encodes a 32-byte public key as an SS58 address with the given network prefix
// (0..16383; prefixes below 64 take one byte, others two).
func EncodeSS58WithPrefix(pub [32]byte, prefix uint16) (string, error) {
	return ss58.EncodeWithPrefix(pub, prefix)
}

// DecodeSS58 decodes an SS58 address of a 32-byte public key and returns the key and the network prefix.
// It checks the alphabet, the length and the two-byte blake2b checksum.
func DecodeSS58(addr string) ([32]byte, uint16, error) { return ss58.Decode(addr) }
