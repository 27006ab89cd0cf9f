// Package timelock implements drand timelock encryption exactly as Bittensor's
// timelocked commit-reveal (CRv3/CRv4) uses it, in pure Go.
//
// A validator encrypts its weights to a future drand quicknet round; the chain
// decrypts them itself once the round's BLS signature (the "pulse") is stored.
// The scheme is Boneh–Franklin FullIdent identity-based encryption on BLS12-381
// with signatures on G1 and the beacon public key on G2, wrapping a random
// 32-byte key for AES-256-GCM. The identity of a round is
// sha256(round as u64 big-endian), hashed to G1 with RFC 9380
// (BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_).
//
// The wire format is the ark-serialize "compressed" encoding of the Rust tle
// crate's TLECiphertext, the bytes the chain's decryptor reads:
//
//	U (G2, 96 B) ‖ vec(V, 32 B) ‖ vec(W, 32 B) ‖ vec(body) ‖ vec("AES_GCM_")
//	body = vec(AES-GCM ciphertext ‖ 16-byte tag) ‖ vec(nonce, 12 B)
//
// where vec(x) is a u64 little-endian length followed by x. A ciphertext is
// always 244 bytes longer than its plaintext.
//
// The package also encodes the SCALE WeightsTlockPayload the chain decodes after
// decryption (CRv4 with the hotkey, and the legacy CRv3 form without it),
// computes the reveal round the Bittensor SDK would choose, and builds the
// commit bytes for a weights commit. Submitting the commit is the chain
// client's job.
//
// Pairing arithmetic comes from github.com/consensys/gnark-crypto; this package
// only composes it. Encryption takes an io.Reader for its randomness so tests
// are reproducible; production callers pass crypto/rand.Reader.
//
// See docs/TIMELOCK.md for the format, the porting traps and the known-answer
// vectors this implementation matches.
package timelock
