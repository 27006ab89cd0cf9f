package timelock

import (
	"errors"
	"fmt"
	"io"
)

// MaxCommitSize is the chain's bound on a timelocked commit
// (BoundedVec<u8, 5000>).
const MaxCommitSize = 5000

// ErrCommitTooLarge means the encrypted commit exceeds MaxCommitSize; the
// chain would reject the extrinsic.
var ErrCommitTooLarge = errors.New("timelocked commit too large")

// CommitRequest is what a timelocked weights commit is built from.
type CommitRequest struct {
	// Format is the payload layout: FormatV4 for runtimes with
	// commit_timelocked_(mechanism_)weights (commit_reveal_version 4),
	// FormatLegacy for runtimes that only have commit_crv3_weights.
	Format Format
	// Hotkey is the signing hotkey's 32-byte public key (FormatV4 only).
	Hotkey []byte
	// Uids and Weights are the u16 weights; they are max-upscaled as the SDK
	// does (a no-op on the weights package's output).
	Uids, Weights []uint16
	// VersionKey is the subnet's weights version key.
	VersionKey uint64
	// RevealRound is the quicknet round to encrypt to (see RevealRound).
	RevealRound uint64
}

// BuildCommit returns the commit bytes for a timelocked weights commit to drand
// quicknet: the SCALE payload encrypted to req.RevealRound, in the wire format
// the chain decrypts. The chain client submits them with req.RevealRound.
// rand is the randomness source (crypto/rand.Reader outside tests).
func BuildCommit(rand io.Reader, req CommitRequest) ([]byte, error) {
	return Quicknet().BuildCommit(rand, req)
}

// BuildCommit is the package-level BuildCommit for this beacon's key.
func (b *Beacon) BuildCommit(rand io.Reader, req CommitRequest) ([]byte, error) {
	p, err := NewPayload(req.Format, req.Hotkey, req.Uids, req.Weights, req.VersionKey)
	if err != nil {
		return nil, fmt.Errorf("build commit: %w", err)
	}
	pt, err := p.Encode(req.Format)
	if err != nil {
		return nil, fmt.Errorf("build commit: %w", err)
	}
	if n := len(pt) + Overhead; n > MaxCommitSize {
		return nil, fmt.Errorf("build commit: %w: %d uids make %d bytes, the chain allows %d",
			ErrCommitTooLarge, len(p.Uids), n, MaxCommitSize)
	}
	ct, err := b.Encrypt(rand, req.RevealRound, pt)
	if err != nil {
		return nil, fmt.Errorf("build commit for round %d: %w", req.RevealRound, err)
	}
	return ct, nil
}
