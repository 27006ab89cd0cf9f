package timelock

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
)

// Drand quicknet, the beacon Bittensor's timelocked commit-reveal encrypts to.
const (
	// QuicknetPublicKeyHex is the quicknet group public key, a compressed G2 point.
	QuicknetPublicKeyHex = "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c" +
		"8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb" +
		"5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a"
	// QuicknetChainHash identifies the quicknet chain on drand's HTTP API.
	QuicknetChainHash = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"
	// QuicknetGenesisTime is the unix time of quicknet's round 1.
	QuicknetGenesisTime = 1692803367
	// QuicknetPeriodSeconds is the time between two quicknet rounds.
	QuicknetPeriodSeconds = 3
	// QuicknetScheme is drand's name for the signature scheme.
	QuicknetScheme = "bls-unchained-g1-rfc9380"
	// SignatureDST is the RFC 9380 domain separation tag quicknet signs with.
	SignatureDST = "BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_"
)

// Sizes of the encoded group elements.
const (
	// SignatureSize is the length of a compressed G1 point (a round signature).
	SignatureSize = bls12381.SizeOfG1AffineCompressed
	// PublicKeySize is the length of a compressed G2 point (a beacon public key).
	PublicKeySize = bls12381.SizeOfG2AffineCompressed
)

// Errors callers branch on. Every returned error wraps one of these.
var (
	// ErrInvalidSignature means the round signature is malformed or does not
	// verify for the round under the beacon's public key.
	ErrInvalidSignature = errors.New("invalid round signature")
	// ErrMalformedCiphertext means the ciphertext bytes do not follow the wire format.
	ErrMalformedCiphertext = errors.New("malformed timelock ciphertext")
	// ErrDecryptionFailed means the ciphertext is well formed but does not open
	// with the given signature (wrong round or key, or tampered bytes).
	ErrDecryptionFailed = errors.New("timelock decryption failed")
	// ErrInvalidRound means the round number can never have a signature (round 0).
	ErrInvalidRound = errors.New("invalid drand round")
)

// Beacon is a drand beacon's public key: the encryption target of timelock
// ciphertexts and the key round signatures verify against. It is immutable and
// safe for concurrent use.
type Beacon struct {
	pub bls12381.G2Affine
}

// NewBeacon parses a compressed G2 public key (96 bytes, zcash flag layout) and
// checks that it is a valid, non-identity point of the prime-order subgroup.
func NewBeacon(publicKey []byte) (*Beacon, error) {
	p, err := parseG2(publicKey)
	if err != nil {
		return nil, fmt.Errorf("beacon public key: %w", err)
	}
	if p.IsInfinity() {
		return nil, errors.New("beacon public key: point at infinity")
	}
	return &Beacon{pub: p}, nil
}

// quicknet parses the quicknet key once; the result is never modified.
var quicknet = sync.OnceValues(func() (*Beacon, error) {
	pk, err := hex.DecodeString(QuicknetPublicKeyHex)
	if err != nil {
		return nil, err
	}
	return NewBeacon(pk)
})

// Quicknet returns the drand quicknet beacon.
func Quicknet() *Beacon {
	b, err := quicknet()
	if err != nil {
		// The key is a compile-time constant checked by the tests.
		panic("timelock: quicknet public key constant is invalid: " + err.Error())
	}
	return b
}

// PublicKey returns the beacon's compressed G2 public key.
func (b *Beacon) PublicKey() []byte {
	pk := b.pub.Bytes()
	return pk[:]
}

// RoundMessage returns the message drand signs for a round, which is also the
// timelock identity: sha256 of the round as a u64 big-endian.
func RoundMessage(round uint64) [32]byte {
	var be [8]byte
	binary.BigEndian.PutUint64(be[:], round)
	return sha256.Sum256(be[:])
}

// roundPoint hashes a round's message to G1 with quicknet's DST (Q_id in
// Boneh–Franklin terms).
func roundPoint(round uint64) (bls12381.G1Affine, error) {
	msg := RoundMessage(round)
	q, err := bls12381.HashToG1(msg[:], []byte(SignatureDST))
	if err != nil {
		return bls12381.G1Affine{}, fmt.Errorf("hash round %d to G1: %w", round, err)
	}
	return q, nil
}

// parseSignature decodes a compressed G1 round signature (48 bytes) and checks
// that it is a point of the prime-order subgroup. It does not check which round
// the signature is for; see VerifySignature. Errors wrap ErrInvalidSignature.
func parseSignature(sig []byte) (bls12381.G1Affine, error) {
	p, err := parseG1(sig)
	if err != nil {
		return bls12381.G1Affine{}, fmt.Errorf("%w: %w", ErrInvalidSignature, err)
	}
	return p, nil
}

// VerifySignature checks that sig is the beacon's BLS signature for round:
// e(sig, G2) == e(H(sha256(round)), pk). The error wraps ErrInvalidSignature
// when it is not.
func (b *Beacon) VerifySignature(round uint64, sig []byte) error {
	s, err := parseSignature(sig)
	if err != nil {
		return err
	}
	return b.verifyPoint(round, s)
}

func (b *Beacon) verifyPoint(round uint64, sig bls12381.G1Affine) error {
	if sig.IsInfinity() {
		return fmt.Errorf("%w: point at infinity", ErrInvalidSignature)
	}
	q, err := roundPoint(round)
	if err != nil {
		return err
	}
	_, _, _, g2 := bls12381.Generators()
	var negG2 bls12381.G2Affine
	negG2.Neg(&g2)
	ok, err := bls12381.PairingCheck(
		[]bls12381.G1Affine{sig, q},
		[]bls12381.G2Affine{negG2, b.pub},
	)
	if err != nil {
		return fmt.Errorf("pairing check for round %d: %w", round, err)
	}
	if !ok {
		return fmt.Errorf("%w: does not verify for round %d under the beacon key", ErrInvalidSignature, round)
	}
	return nil
}

// parseG1 decodes exactly one compressed G1 point. gnark's SetBytes also
// accepts the uncompressed form; ark-serialize's compressed reader does not,
// so the compression flag is required here.
func parseG1(buf []byte) (bls12381.G1Affine, error) {
	var p bls12381.G1Affine
	if len(buf) != bls12381.SizeOfG1AffineCompressed {
		return p, fmt.Errorf("want %d bytes, got %d", bls12381.SizeOfG1AffineCompressed, len(buf))
	}
	if buf[0]&flagCompressed == 0 {
		return p, errors.New("compression flag not set")
	}
	if _, err := p.SetBytes(buf); err != nil {
		return p, fmt.Errorf("not a G1 point: %w", err)
	}
	return p, nil
}

// parseG2 decodes exactly one compressed G2 point; see parseG1.
func parseG2(buf []byte) (bls12381.G2Affine, error) {
	var p bls12381.G2Affine
	if len(buf) != bls12381.SizeOfG2AffineCompressed {
		return p, fmt.Errorf("want %d bytes, got %d", bls12381.SizeOfG2AffineCompressed, len(buf))
	}
	if buf[0]&flagCompressed == 0 {
		return p, errors.New("compression flag not set")
	}
	if _, err := p.SetBytes(buf); err != nil {
		return p, fmt.Errorf("not a G2 point: %w", err)
	}
	return p, nil
}

// flagCompressed is the top bit of the first byte in the zcash point encoding.
const flagCompressed = 0x80
