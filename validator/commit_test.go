package validator

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/chain/devnet"
	"github.com/subnetd/subnetd/chain/timelock"
)

// crChain is the devnet with commit-reveal switched on in the hyperparameters the validator reads,
// recording the commit and reveal calls instead of applying them, so a test sees exactly what the
// validator sent (chain/devnet/node_test.go runs the devnet's own commit-reveal rules).
type crChain struct {
	*devnet.Node
	version uint16
	mu      sync.Mutex
	hashes  [][32]byte
	reveals []chain.WeightsCall
	salts   [][]uint16
	tl      []chain.TimelockedCommit
}

func (c *crChain) Hyperparams(ctx context.Context, netuid uint16) (chain.Hyperparams, error) {
	hp, err := c.Node.Hyperparams(ctx, netuid)
	hp.CommitRevealEnabled, hp.CommitRevealVersion, hp.RevealPeriodEpochs = true, c.version, 1
	return hp, err
}

func (c *crChain) Metagraph(ctx context.Context, netuid uint16) (*chain.Metagraph, error) {
	mg, err := c.Node.Metagraph(ctx, netuid)
	if err == nil {
		mg.Hyperparams.CommitRevealEnabled, mg.Hyperparams.CommitRevealVersion, mg.Hyperparams.RevealPeriodEpochs = true, c.version, 1
	}
	return mg, err
}

func (c *crChain) CommitWeights(_ context.Context, s chain.Signer, netuid uint16, mecid uint8, hash [32]byte) (chain.TxResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hashes = append(c.hashes, hash)
	return chain.TxResult{State: chain.TxInBlock, Block: c.Devnet().Block(), Events: []string{"SubtensorModule.WeightsCommitted"}}, nil
}

func (c *crChain) RevealWeights(_ context.Context, s chain.Signer, w chain.WeightsCall, salt []uint16) (chain.TxResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reveals = append(c.reveals, w)
	c.salts = append(c.salts, salt)
	return chain.TxResult{State: chain.TxInBlock, Block: c.Devnet().Block(), Events: []string{"SubtensorModule.WeightsRevealed"}}, nil
}

func (c *crChain) CommitTimelocked(_ context.Context, s chain.Signer, tc chain.TimelockedCommit) (chain.TxResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tl = append(c.tl, tc)
	return chain.TxResult{State: chain.TxInBlock, Block: c.Devnet().Block(), Events: []string{"SubtensorModule.TimelockedWeightsCommitted"}}, nil
}

// TestSubnet_commitReveal: with commit-reveal on, the validator commits the hash of its weights
// and, once the reveal window opens, reveals weights and a salt that hash to the commitment.
func TestSubnet_commitReveal(t *testing.T) {
	ctx := context.Background()
	n := newTestNet(t, filepath.Join(t.TempDir(), "r.db"), 2, 0)
	cc := &crChain{Node: n.ch}
	n2 := *n
	s, err := NewSubnet(ctx, SubnetConfig{Netuid: testNetuid, Synapse: "Ping", Body: []byte(`{}`)},
		SubnetDeps{Chain: cc, Key: n2.key, Records: n2.db, CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	sc, err := s.LoadScorer(ctx, "latency", "1", latencyWasm)
	if err != nil {
		t.Fatal(err)
	}
	s.SetScorer(sc)
	// One commit, then a restart: the new process finds the salt in the records and reveals.
	if res, err := s.RunRound(ctx); err != nil || res.TxErr != nil {
		t.Fatal(err, res.TxErr)
	}
	s.Close(ctx)
	if ps, err := n.db.Pending(ctx, testNetuid, n.key.SS58()); err != nil || len(ps) != 1 {
		t.Fatalf("pending reveals persisted: %v %v", ps, err)
	}
	s, err = NewSubnet(ctx, SubnetConfig{Netuid: testNetuid, Synapse: "Ping", Body: []byte(`{}`)},
		SubnetDeps{Chain: cc, Key: n2.key, Records: n2.db, CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	if sc, err = s.LoadScorer(ctx, "latency", "1", latencyWasm); err != nil {
		t.Fatal(err)
	}
	s.SetScorer(sc)
	for i := 0; i < 30 && len(cc.reveals) == 0; i++ {
		if _, err := n.ch.Advance(5); err != nil {
			t.Fatal(err)
		}
		res, err := s.RunRound(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.TxErr != nil || res.Record.TxOutcome != "SubtensorModule.WeightsCommitted" {
			t.Fatalf("round %d: %v %q", i, res.TxErr, res.Record.TxOutcome)
		}
	}
	if len(cc.reveals) == 0 {
		t.Fatal("no reveal after 30 rounds")
	}
	w := cc.reveals[0]
	got := chain.CommitHash(n.key.PublicKey(), chain.NetuidIndex(w.Netuid, w.Mecid), w.UIDs, w.Values, cc.salts[0], w.VersionKey)
	if got != cc.hashes[0] {
		t.Fatal("the first reveal does not match the first commitment (made before the restart)")
	}
	ps, _ := n.db.Pending(ctx, testNetuid, n.key.SS58())
	for _, p := range ps {
		if p.FirstBlock <= n.ch.Devnet().Block() {
			t.Fatalf("a revealed or due commitment is still pending: %+v", p)
		}
	}
}

// TestSubnet_commitTimelocked: on a runtime with commit-reveal version 4, the validator sends a
// timelocked commit whose ciphertext parses and whose reveal round is in the future.
func TestSubnet_commitTimelocked(t *testing.T) {
	ctx := context.Background()
	n := newTestNet(t, filepath.Join(t.TempDir(), "r.db"), 2, 0)
	cc := &crChain{Node: n.ch, version: 4}
	s := latencySubnet(t, n, cc)
	res, err := s.RunRound(ctx)
	if err != nil || res.TxErr != nil {
		t.Fatal(err, res.TxErr)
	}
	if len(cc.tl) != 1 || len(cc.hashes) != 0 {
		t.Fatalf("%d timelocked commits, %d hash commits", len(cc.tl), len(cc.hashes))
	}
	tc := cc.tl[0]
	if _, err := timelock.ParseCiphertext(tc.Ciphertext); err != nil {
		t.Fatal(err)
	}
	if tc.Version != 4 || tc.RevealRound <= timelock.RoundAt(timeNow()) {
		t.Fatalf("commit version %d, reveal round %d", tc.Version, tc.RevealRound)
	}
}

func timeNow() time.Time { return time.Now() }

// TestSubnet_timelockRevealCheck: after a timelocked commit the validator looks for its weights
// on chain once the reveal window opens, counting the commit revealed when they are there and
// missed (an error) when the window closes without them.
func TestSubnet_timelockRevealCheck(t *testing.T) {
	for _, reveal := range []bool{true, false} {
		ctx := context.Background()
		n := newTestNet(t, filepath.Join(t.TempDir(), "r.db"), 2, 0)
		cc := &crChain{Node: n.ch, version: 4}
		s := latencySubnet(t, n, cc)
		if res, err := s.RunRound(ctx); err != nil || res.TxErr != nil {
			t.Fatal(err, res.TxErr)
		}
		if st := s.Status().Timelocks; st.Pending != 1 {
			t.Fatalf("after the commit: %+v", st)
		}
		s.mu.Lock()
		p := s.timelocks[0]
		s.mu.Unlock()
		if reveal { // what the chain does when the drand pulse arrives
			if _, err := n.ch.SetWeights(ctx, n.key, p.call); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := n.ch.Advance(p.last + 1 - n.ch.Devnet().Block()); err != nil {
			t.Fatal(err)
		}
		if res, err := s.RunRound(ctx); err != nil || res.TxErr != nil {
			t.Fatal(err, res.TxErr)
		}
		st := s.Status().Timelocks
		if reveal && (st.Revealed != 1 || st.Missed != 0) || !reveal && (st.Revealed != 0 || st.Missed != 1) {
			t.Fatalf("reveal=%v: %+v", reveal, st)
		}
		if st.Pending != 1 { // this round's new commit
			t.Fatalf("reveal=%v: %d pending, want the new commit", reveal, st.Pending)
		}
	}
}

// latencySubnet starts a subnet on ch with the latency scorer loaded, closed with the test.
func latencySubnet(t *testing.T, n *testNet, ch chain.Chain) *Subnet {
	t.Helper()
	ctx := context.Background()
	s, err := NewSubnet(ctx, SubnetConfig{Netuid: testNetuid, Synapse: "Ping", Body: []byte(`{}`)},
		SubnetDeps{Chain: ch, Key: n.key, Records: n.db, CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(ctx) })
	sc, err := s.LoadScorer(ctx, "latency", "1", latencyWasm)
	if err != nil {
		t.Fatal(err)
	}
	s.SetScorer(sc)
	return s
}
