package subtensor

import (
	"testing"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/wallet"
)

// BenchmarkSignedExtrinsic measures building a set_weights extrinsic for 256 uids from metadata (call
// encoding, extensions, payload, assembly) with a free signer, next to the same with a real sr25519
// signature, and reports the share of the time that is the client's own work.
func BenchmarkSignedExtrinsic(b *testing.B) {
	rm := testMeta()
	uids := make([]uint16, 256)
	vals := make([]uint16, 256)
	for i := range uids {
		uids[i], vals[i] = uint16(i), uint16(65535-i)
	}
	build := func(b *testing.B, s chain.Signer) {
		for b.Loop() {
			call, err := rm.encodeCall("SubtensorModule", "set_weights", uint64(2), uids, vals, uint64(0))
			if err != nil {
				b.Fatal(err)
			}
			if _, _, err := rm.signedExtrinsic(call, testParams(), s); err != nil {
				b.Fatal(err)
			}
		}
	}
	var own, signed float64
	b.Run("fake-signer", func(b *testing.B) {
		build(b, &recordingSigner{})
		own = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("sr25519", func(b *testing.B) {
		kp, err := wallet.FromURI("//Alice")
		if err != nil {
			b.Fatal(err)
		}
		build(b, kp)
		signed = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	if own > 0 && signed > 0 {
		b.Logf("building without signing is %.1f%% of building with a real sr25519 signature (%.0f of %.0f ns)", 100*own/signed, own, signed)
	}
}

// BenchmarkCommitHash hashes a 256-uid commit.
func BenchmarkCommitHash(b *testing.B) {
	uids := make([]uint16, 256)
	for i := range uids {
		uids[i] = uint16(i)
	}
	for b.Loop() {
		chain.CommitHash([32]byte{1}, 2, uids, uids, uids[:8], 7)
	}
}
