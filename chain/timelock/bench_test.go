package timelock

import (
	"crypto/rand"
	"testing"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
)

// encryptTargetNs is the budget for one 256-uid commit.
const encryptTargetNs = 10e6

// pairingBaseline times one BLS12-381 pairing as a sub-benchmark and returns
// its ns/op, the unit the commit's cost is reported in (encryption does one
// pairing plus two G2 scalar multiplications and a hash to G1).
func pairingBaseline(b *testing.B) float64 {
	_, _, g1, g2 := bls12381.Generators()
	var ns float64
	b.Run("baseline_pairing", func(b *testing.B) {
		for b.Loop() {
			if _, err := bls12381.Pair([]bls12381.G1Affine{g1}, []bls12381.G2Affine{g2}); err != nil {
				b.Fatal(err)
			}
		}
		ns = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	return ns
}

func commit256() CommitRequest {
	req := CommitRequest{Format: FormatV4, Hotkey: alice, VersionKey: 1, RevealRound: 20_000_000}
	for i := range 256 {
		req.Uids = append(req.Uids, uint16(i))
		req.Weights = append(req.Weights, uint16(65535-i*97))
	}
	return req
}

// BenchmarkBuildCommit256 encrypts one 256-uid weights commit with
// crypto/rand, as the daemon does. It reports the time as a fraction of the
// 10 ms target and as a multiple of one pairing measured in the same run.
func BenchmarkBuildCommit256(b *testing.B) {
	req := commit256()
	base := pairingBaseline(b)
	b.Run("commit", func(b *testing.B) {
		for b.Loop() {
			if _, err := BuildCommit(rand.Reader, req); err != nil {
				b.Fatal(err)
			}
		}
		perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(perOp/encryptTargetNs, "x_target_10ms")
		b.ReportMetric(perOp/base, "x_pairing")
	})
}

// BenchmarkDecrypt256 verifies the round signature and opens a 256-uid commit
// (what an auditor does per commit).
func BenchmarkDecrypt256(b *testing.B) {
	tb := newTestBeacon(b, 99)
	ct, err := tb.BuildCommit(rand.Reader, commit256())
	if err != nil {
		b.Fatal(err)
	}
	sig := tb.sign(b, 20_000_000)
	base := pairingBaseline(b)
	b.Run("decrypt", func(b *testing.B) {
		for b.Loop() {
			if _, err := tb.Decrypt(20_000_000, sig, ct); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/base, "x_pairing")
	})
}
