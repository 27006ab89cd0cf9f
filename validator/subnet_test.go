package validator

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/chain/devnet"
	"github.com/subnetd/subnetd/records"
)

func TestSubnet_RunRound(t *testing.T) {
	ctx := context.Background()
	n := newTestNet(t, filepath.Join(t.TempDir(), "r.db"), 3, 0)
	s := n.subnet(t, SubnetConfig{})
	defer s.Close(ctx)

	res, err := s.RunRound(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.ScorerErr != nil || res.TxErr != nil {
		t.Fatalf("round failed: scorer %v, tx %v", res.ScorerErr, res.TxErr)
	}
	rec := res.Record
	if rec.ID != 1 || rec.Miners != 3 || rec.Answered != 3 || rec.TxOutcome != "SubtensorModule.WeightsSet" {
		t.Fatalf("record: id %d, miners %d, answered %d, tx %q", rec.ID, rec.Miners, rec.Answered, rec.TxOutcome)
	}
	// The weights on chain are the ones recorded.
	ns, _ := n.ch.Devnet().Neurons(testNetuid)
	var w struct{ UIDs, Weights []uint16 }
	if err := json.Unmarshal(rec.Weights, &w); err != nil {
		t.Fatal(err)
	}
	if len(ns[0].Weights) != len(w.UIDs) || len(w.UIDs) != 3 {
		t.Fatalf("chain row %v, recorded %v", ns[0].Weights, w)
	}
	for i, c := range ns[0].Weights {
		if c.UID != w.UIDs[i] || c.Value != w.Weights[i] {
			t.Fatalf("chain row %v, recorded %v", ns[0].Weights, w)
		}
	}
	if res.Preview == nil || res.Preview.UID != 0 || len(res.Preview.Incentive) != 3 {
		t.Fatalf("preview %+v", res.Preview)
	}
	// A second round at the same block is refused by the rate limit, and that is recorded too.
	res2, err := s.RunRound(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(res2.TxErr, chain.ErrSettingWeightsTooFast) || res2.Record.TxOutcome != "SubtensorModule.SettingWeightsTooFast" {
		t.Fatalf("second round tx: %v, outcome %q", res2.TxErr, res2.Record.TxOutcome)
	}
	// The scorer state carries over: round 2 read the state round 1 returned.
	st1, _ := rec.State()
	var r2 struct {
		State []byte `json:"state"`
	}
	if err := json.Unmarshal(res2.Record.RoundBytes, &r2); err != nil {
		t.Fatal(err)
	}
	if string(r2.State) != string(st1) || len(st1) == 0 {
		t.Fatalf("round 2 state %q, round 1 returned %q", r2.State, st1)
	}
	sum, err := records.Replay(ctx, n.db, records.ReplayOptions{CacheDir: cacheDir, Check: CheckWeights}, nil)
	if err != nil || !sum.AllMatch || sum.Identical != 2 {
		t.Fatalf("replay %+v %v", sum, err)
	}
	// Weights that do not follow from the scores are caught.
	bad := *rec
	bad.Weights = []byte(strings.Replace(string(rec.Weights), `"weights":[`, `"weights":[1,`, 1))
	if d := CheckWeights(&bad, rec.ScoresBytes); len(d) != 1 || !strings.HasPrefix(d[0], "weights: recorded") {
		t.Fatalf("tampered weights: %v", d)
	}
	if d := CheckWeights(rec, rec.ScoresBytes); d != nil {
		t.Fatalf("genuine weights: %v", d)
	}
}

func TestSubnet_RunRound_notRegistered(t *testing.T) {
	ctx := context.Background()
	n := newTestNet(t, filepath.Join(t.TempDir(), "r.db"), 1, 0)
	s := n.subnet(t, SubnetConfig{})
	defer s.Close(ctx)
	s.cfg.Netuid = 99
	if _, err := s.RunRound(ctx); err == nil {
		t.Fatal("round on a missing subnet succeeded")
	}
}

func TestRoundSeed(t *testing.T) {
	a := roundSeed(1, devnet.BlockHash(10))
	if a != roundSeed(1, devnet.BlockHash(10)) {
		t.Fatal("seed not deterministic")
	}
	if a == roundSeed(2, devnet.BlockHash(10)) || a == roundSeed(1, devnet.BlockHash(11)) {
		t.Fatal("seed ignores netuid or block")
	}
}
