package validator

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/subnetd/subnetd/chain/devnet"
	"github.com/subnetd/subnetd/internal/miner"
	"github.com/subnetd/subnetd/wallet"
)

// TestValidator_isolation: a subnet whose miner hangs does not hold up another subnet of the same
// validator. The hanging miner answers only when the test releases it; meanwhile the other subnet
// must complete rounds, and the stuck subnet's round, once released, is recorded as well.
func TestValidator_isolation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := newTestNet(t, filepath.Join(t.TempDir(), "r.db"), 2, 0)
	const stuckNetuid = testNetuid + 1
	dc := n.ch.Devnet()
	hp := devnet.DefaultHyperparameters()
	hp.Tempo, hp.MinAllowedWeights, hp.WeightsSetRateLimit = 10, 1, 1
	hp.ActivityCutoffOverride, hp.ActivityCutoff = true, 10_000
	if err := dc.CreateSubnet(stuckNetuid, devnet.SubnetConfig{Hyperparameters: hp, AutoEpoch: true, EmissionPerBlock: 1e9}); err != nil {
		t.Fatal(err)
	}
	dc.Register(stuckNetuid, n.key.SS58())
	dc.SetStake(stuckNetuid, n.key.SS58(), devnet.Stake{Alpha: 1000e9})
	release := make(chan struct{})
	kp, _ := wallet.FromURI("//hanging-miner")
	m, err := miner.Start(ctx, miner.Config{Keypair: kp, Answer: func(ctx context.Context, _ string, _ json.RawMessage) (json.RawMessage, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return json.RawMessage(`{"answer":1}`), nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	dc.Register(stuckNetuid, m.Hotkey())
	ip, port := m.Addr()
	n.ch.ServeAxon(stuckNetuid, m.Hotkey(), ip, port)

	fast := n.subnet(t, SubnetConfig{Interval: 1})
	stuck, err := NewSubnet(ctx, SubnetConfig{Netuid: stuckNetuid, Synapse: "Ping", Body: []byte(`{}`), Timeout: time.Minute, Interval: 1},
		SubnetDeps{Chain: n.ch, Key: n.key, Records: n.db, CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := stuck.LoadScorer(ctx, "latency", "1", latencyWasm)
	if err != nil {
		t.Fatal(err)
	}
	stuck.SetScorer(sc)
	v := New([]*Subnet{fast, stuck}, 10*time.Millisecond, nil)
	defer v.Close(context.Background())
	go n.ch.Produce(ctx, 20*time.Millisecond, nil)
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- v.Run(rctx) }()

	waitFor(t, "five rounds on the healthy subnet", func() bool { return fast.Status().Rounds >= 5 })
	if got := stuck.Status().Rounds; got != 0 {
		t.Fatalf("the stuck subnet finished %d rounds while its miner hung", got)
	}
	close(release)
	waitFor(t, "the stuck round to finish", func() bool { return stuck.Status().Rounds >= 1 })
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	c, _ := n.db.Count(ctx)
	if want := fast.Status().Rounds + stuck.Status().Rounds; c != want {
		t.Fatalf("%d records, %d rounds", c, want)
	}
}
