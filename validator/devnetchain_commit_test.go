package validator

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/subnetd/subnetd/chain"
)

// TestSubnet_commitRevealOnDevnet: the validator's round loop on a devnet subnet with
// commit-reveal on (no test double in between): it commits each round, reveals each commit in its
// window, and the devnet applies the revealed weights.
func TestSubnet_commitRevealOnDevnet(t *testing.T) {
	ctx := context.Background()
	n := newTestNet(t, filepath.Join(t.TempDir(), "r.db"), 2, 0)
	dc := n.ch.Devnet()
	hp, err := dc.Hyperparameters(testNetuid)
	if err != nil {
		t.Fatal(err)
	}
	hp.CommitRevealEnabled = true
	if err := dc.SetHyperparameters(testNetuid, hp); err != nil {
		t.Fatal(err)
	}
	s, err := NewSubnet(ctx, SubnetConfig{Netuid: testNetuid, Synapse: "Ping", Body: []byte(`{}`)},
		SubnetDeps{Chain: n.ch, Key: n.key, Records: n.db, CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	sc, err := s.LoadScorer(ctx, "latency", "1", latencyWasm)
	if err != nil {
		t.Fatal(err)
	}
	s.SetScorer(sc)
	uid, ok := dc.UID(testNetuid, n.key.SS58())
	if !ok {
		t.Fatal("validator not registered")
	}
	revealed := false
	for i := 0; i < 12 && !revealed; i++ {
		res, err := s.RunRound(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.TxErr != nil || res.Record.TxOutcome != "SubtensorModule.WeightsCommitted" {
			t.Fatalf("round %d at block %d: %v %q", i, dc.Block(), res.TxErr, res.Record.TxOutcome)
		}
		w, err := n.ch.Weights(ctx, testNetuid, 0)
		if err != nil {
			t.Fatal(err)
		}
		revealed = len(w[uid]) > 0
		if _, err := n.ch.Advance(4); err != nil {
			t.Fatal(err)
		}
	}
	if !revealed {
		t.Fatal("no weights revealed on the devnet after 12 rounds")
	}
	pend, err := n.ch.PendingCommits(ctx, testNetuid, 0, chain.AccountID(n.key.PublicKey()))
	if err != nil || len(pend) == 0 || len(pend) > 4 {
		t.Fatalf("pending commits after the first reveal: %d, %v (revealed ones must be gone)", len(pend), err)
	}
}
