package timelock

import (
	"math/big"
	"math/rand/v2"
	"testing"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
)

// seeded returns a deterministic randomness source for Encrypt.
func seeded(seed byte) *rand.ChaCha8 {
	var s [32]byte
	s[0] = seed
	return rand.NewChaCha8(s)
}

// testBeacon is a beacon whose master secret the test knows, so it can sign
// any round: a stand-in for drand that exercises the same code paths.
type testBeacon struct {
	*Beacon
	secret *big.Int
}

func newTestBeacon(t testing.TB, secret int64) testBeacon {
	t.Helper()
	s := big.NewInt(secret)
	var pk bls12381.G2Affine
	pk.ScalarMultiplicationBase(s)
	pkb := pk.Bytes()
	b, err := NewBeacon(pkb[:])
	if err != nil {
		t.Fatalf("NewBeacon: %v", err)
	}
	return testBeacon{Beacon: b, secret: s}
}

// sign returns the BLS signature s·H(sha256(round)), as drand computes it.
func (tb testBeacon) sign(t testing.TB, round uint64) []byte {
	t.Helper()
	q, err := roundPoint(round)
	if err != nil {
		t.Fatal(err)
	}
	var sig bls12381.G1Affine
	sig.ScalarMultiplication(&q, tb.secret)
	b := sig.Bytes()
	return b[:]
}
