package validator

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/chain/subtensor"
	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/records"
	"github.com/subnetd/subnetd/wallet"
)

// TestDaemon_scorerChain_subtensor runs the daemon with `scorer: chain` against a real subtensor
// runtime (../shared/chain-harness: Alice owns the subnet and validates on it). The owner pins
// version 1 with set_commitment and the daemon loads it before its first round; then a pin whose
// content does not match its hash is refused and changes nothing; a pin pointing nowhere is
// retried without harm; version 2 is pinned and the daemon swaps to it at a round boundary.
// Every round is scored and recorded.
func TestDaemon_scorerChain_subtensor(t *testing.T) {
	ws, netuid := startSubtensor(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c, err := subtensor.Dial(ctx, ws, subtensor.Options{PollInterval: 50 * time.Millisecond, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	key, err := wallet.FromURI("//Alice")
	if err != nil {
		t.Fatal(err)
	}
	owner, err := c.SubnetOwnerHotkey(ctx, netuid)
	if err != nil {
		t.Fatal(err)
	}
	if owner != chain.AccountID(key.PublicKey()) {
		t.Fatalf("the harness's subnet %d is owned by %s, not Alice", netuid, owner)
	}
	publish := func(p plugins.Pin) {
		t.Helper()
		fields, err := p.Fields()
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.SetCommitment(ctx, key, netuid, fields)
		if err != nil {
			t.Fatalf("set_commitment: %v (%s)", err, res.Outcome())
		}
		t.Logf("pinned %s at block %d", p.URL, res.Block)
	}
	ps := newPkgServer(t)
	publish(ps.add("v1", manifestFor(t, "1.0.0", netuid, latencyWasm, nil), latencyWasm))

	dir := t.TempDir()
	cfg, err := ParseConfig([]byte(fmt.Sprintf(`
chain: {endpoint: %q}
wallet: {name: test, hotkey: alice}
records: records.db
packages: pkgs
poll: 100ms
defaults: {interval: 1, timeout: 2s}
subnets:
  - {netuid: %d, scorer: chain, pin_every: 1, synapse: Ping, body: {}, query_all: true}
`, ws, netuid)))
	if err != nil {
		t.Fatal(err)
	}
	cfg.dir = dir
	cfg.CacheDir = cacheDir
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	d, err := NewDaemon(ctx, cfg, c, key, log)
	if err != nil {
		t.Fatal(err)
	}
	s, f := d.Validator().Subnet(netuid), d.Follower(netuid)
	if s.Current().Version != "1.0.0" || f.Status().State != PinFollowing {
		t.Fatalf("initial %s, pin %+v", s.Current().Version, f.Status())
	}
	v1 := s.Current().SHA256
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(rctx) }()
	waitLong := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(90 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s (pin %+v, rounds %d)", what, f.Status(), s.Status().Rounds)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitLong("a round on version 1", func() bool { return s.Status().Rounds >= 1 })

	// Content that does not match the pinned hash: refused, nothing changes.
	v2 := withCustomSection(latencyWasm, "subtensor-pin-v2")
	m2 := manifestFor(t, "2.0.0", netuid, v2, nil)
	bad := ps.add("mismatch", manifestFor(t, "2.0.1", netuid, v2, nil), v2)
	bad.SHA256 = sha256.Sum256(m2)
	publish(bad)
	waitLong("the mismatching pin refused", func() bool { return f.Status().State == PinRefused && f.Status().URL == bad.URL })
	r := s.Status().Rounds
	waitLong("rounds go on", func() bool { return s.Status().Rounds >= r+1 })
	if s.Current().SHA256 != v1 {
		t.Fatal("the running version changed on a refused pin")
	}

	// A pin pointing nowhere: retried later, rounds go on.
	nowhere := plugins.Pin{SHA256: sha256.Sum256(m2), URL: ps.URL + "/nothing/"}
	publish(nowhere)
	waitLong("the unreachable pin retried", func() bool { return f.Status().State == PinRetrying && f.Status().URL == nowhere.URL })
	r = s.Status().Rounds
	waitLong("rounds go on", func() bool { return s.Status().Rounds >= r+1 })
	if s.Current().SHA256 != v1 {
		t.Fatal("the running version changed on an unreachable pin")
	}

	// Version 2, pinned where it is served: the daemon takes it at a round boundary.
	publish(ps.add("v2", m2, v2))
	waitLong("version 2 running", func() bool { return s.Status().Version == "2.0.0" })
	r = s.Status().Rounds
	waitLong("a round on version 2", func() bool { return s.Status().Rounds >= r+1 })
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	var shas []string
	err = d.Records().Each(ctx, func(r *records.Round) error {
		if r.Error != "" {
			return fmt.Errorf("round %d at block %d was not scored: %s", r.ID, r.Block, r.Error)
		}
		if r.TxError != "" {
			t.Logf("round %d at block %d: weights: %s", r.ID, r.Block, r.TxError)
		}
		shas = append(shas, r.ModuleSHA256)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	switches := 0
	for i := 1; i < len(shas); i++ {
		if shas[i] != shas[i-1] {
			switches++
		}
	}
	if len(shas) != s.Status().Rounds || shas[0] != v1 || shas[len(shas)-1] != records.SHA256Hex(v2) || switches != 1 {
		t.Fatalf("%d records for %d rounds, %d module switches", len(shas), s.Status().Rounds, switches)
	}
	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// testWriter sends log lines to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(string(b))
	return len(b), nil
}
