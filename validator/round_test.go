package validator

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/records"
	"github.com/subnetd/subnetd/runtime"
)

// challengeWasm is a real scorer with a challenge function: the AssemblyScript quality scorer,
// taken from the records an earlier release wrote (records/testdata/README.md).
func challengeWasm(t *testing.T) []byte {
	t.Helper()
	set, err := records.ReadFile("../records/testdata/v0-main-eb573ce.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range set.Modules {
		return m.Wasm
	}
	t.Fatal("no module in the old export")
	return nil
}

// dupChain is the test network's chain whose metagraph lists its last neuron twice, a Round no
// scorer may be given (a uid listed twice).
type dupChain struct{ chain.Chain }

func (c dupChain) Metagraph(ctx context.Context, netuid uint16) (*chain.Metagraph, error) {
	mg, err := c.Chain.Metagraph(ctx, netuid)
	if err != nil {
		return nil, err
	}
	cp := *mg
	cp.Neurons = append(append([]chain.Neuron{}, mg.Neurons...), mg.Neurons[len(mg.Neurons)-1])
	return &cp, nil
}

// TestSubnet_RunRound_challengeRequestFails: a challenge request that cannot be encoded is a
// recorded failure, not a missing record, as RunRound's doc says; and the record replays.
func TestSubnet_RunRound_challengeRequestFails(t *testing.T) {
	ctx := context.Background()
	n := newTestNet(t, filepath.Join(t.TempDir(), "r.db"), 2, 0)
	s, err := NewSubnet(ctx, SubnetConfig{Netuid: testNetuid}, SubnetDeps{Chain: dupChain{n.ch}, Key: n.key, Records: n.db, CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	sc, err := s.LoadScorer(ctx, "quality-as", "1", challengeWasm(t))
	if err != nil {
		t.Fatal(err)
	}
	if !sc.S.Info().HasChallenge {
		t.Fatal("the quality scorer has no challenge function")
	}
	s.SetScorer(sc)
	res, err := s.RunRound(ctx)
	if err != nil {
		t.Fatalf("RunRound returned an error, so no record: %v", err)
	}
	if res.ScorerErr == nil || !strings.Contains(res.ScorerErr.Error(), "challenge request") || !strings.Contains(res.ScorerErr.Error(), "listed twice") {
		t.Fatalf("scorer error %v", res.ScorerErr)
	}
	got, err := n.db.Get(ctx, res.Record.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Error != res.Record.Error || got.Weights != nil || got.Tx != nil || len(got.RoundBytes) != 0 {
		t.Fatalf("record %+v", got)
	}
	if st := s.Status(); st.Rounds != 1 || st.Failures != 1 {
		t.Fatalf("status %+v", st)
	}
	sum, err := records.Replay(ctx, n.db, records.ReplayOptions{CacheDir: cacheDir, Check: CheckWeights}, nil)
	if err != nil || !sum.AllMatch {
		t.Fatalf("replay %+v, %v", sum, err)
	}
}

// TestSubnet_challenge: the challenge phase on its own.
func TestSubnet_challenge(t *testing.T) {
	ctx := context.Background()
	n := newTestNet(t, filepath.Join(t.TempDir(), "r.db"), 2, 0)
	plain := n.subnet(t, SubnetConfig{})
	defer plain.Close(ctx)
	in, err := plain.snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.targets) != 2 || len(in.round.Miners) != 2 || in.round.Validator.UID != uint16(in.uid) {
		t.Fatalf("snapshot: %d targets, %d miners", len(in.targets), len(in.round.Miners))
	}
	qs, err := n.newSubnet(SubnetConfig{}, challengeWasm(t))
	if err != nil {
		t.Fatal(err)
	}
	defer qs.Close(ctx)
	tests := []struct {
		name    string
		s       *Subnet
		synapse string
		wantErr error
		wantReq bool
	}{
		{"config challenge", plain, "Ping", nil, false},
		{"no challenge anywhere", plain, "", ErrNoChallenge, false},
		{"scorer challenge", qs, "", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.s.cfg.Synapse = tc.synapse
			res := tc.s.newResult(tc.s.Current(), in, time.Now())
			q := tc.s.challenge(ctx, tc.s.Current(), in, res)
			if !errors.Is(res.ScorerErr, tc.wantErr) || (tc.wantErr == nil) != (res.ScorerErr == nil) {
				t.Fatalf("error %v, want %v", res.ScorerErr, tc.wantErr)
			}
			if got := len(res.Record.ChallengeRequest) > 0 && len(res.Record.ChallengeOutput) > 0; got != tc.wantReq {
				t.Fatalf("challenge recorded %v, want %v", got, tc.wantReq)
			}
			if tc.wantErr == nil && q.synapse == "" {
				t.Fatal("no synapse to send")
			}
		})
	}
}

// TestSubnet_emit: the emit phase gives the call Emit computes, and a round whose scores give
// no weights submits nothing and says why.
func TestSubnet_emit(t *testing.T) {
	ctx := context.Background()
	n := newTestNet(t, filepath.Join(t.TempDir(), "r.db"), 2, 0)
	s := n.subnet(t, SubnetConfig{VersionKey: 7})
	defer s.Close(ctx)
	in, err := s.snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res := s.newResult(s.Current(), in, time.Now())
	res.Scores = &runtime.Scores{Scores: []runtime.Score{{UID: 1, Score: 0.5}, {UID: 2, Score: 1}}}
	call, ok := s.emit(ctx, in, res)
	want := Emit(*res.Scores, EmitParams(in.mg))
	if !ok || call.VersionKey != 7 || call.Netuid != testNetuid || len(call.UIDs) != len(want.Emitted.UIDs) ||
		res.Record.Weights == nil || res.Record.Weights.Params != EmitParams(in.mg) {
		t.Fatalf("call %+v ok %v, want %+v", call, ok, want)
	}
	res = s.newResult(s.Current(), in, time.Now())
	res.Scores = &runtime.Scores{Scores: []runtime.Score{{UID: 1, Score: 0.5}}}
	in.mg.Neurons = nil // n = 0: the SDK pipeline has nothing to emit
	if _, ok := s.emit(ctx, in, res); ok || res.TxErr == nil || res.Record.Weights == nil || res.Record.Weights.Error == "" {
		t.Fatalf("no weights: ok %v, tx error %v, record %+v", ok, res.TxErr, res.Record.Weights)
	}
}

// TestSubnet_RunRound_challengeFails: a scorer whose challenge runs out of gas is a recorded
// failure with its code, the round queries and scores nothing, and replay finds the same failure
// at the same place.
func TestSubnet_RunRound_challengeFails(t *testing.T) {
	ctx := context.Background()
	n := newTestNet(t, filepath.Join(t.TempDir(), "r.db"), 2, 0)
	s, err := NewSubnet(ctx, SubnetConfig{Netuid: testNetuid, Limits: runtime.Limits{Gas: 2000}},
		SubnetDeps{Chain: n.ch, Key: n.key, Records: n.db, CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	sc, err := s.LoadScorer(ctx, "quality-as", "1", challengeWasm(t))
	if err != nil {
		t.Fatal(err)
	}
	s.SetScorer(sc)
	res, err := s.RunRound(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rec := res.Record
	if !errors.Is(res.ScorerErr, runtime.ErrOutOfGas) || rec.ErrorCode != "ErrOutOfGas" || len(rec.ChallengeRequest) == 0 ||
		len(rec.ChallengeOutput) != 0 || rec.Answered != 0 || len(rec.ScoresBytes) != 0 {
		t.Fatalf("scorer error %v, record code %q, challenge %d/%d bytes, answered %d", res.ScorerErr, rec.ErrorCode,
			len(rec.ChallengeRequest), len(rec.ChallengeOutput), rec.Answered)
	}
	sum, err := records.Replay(ctx, n.db, records.ReplayOptions{CacheDir: cacheDir, Check: CheckWeights}, func(r records.ReplayResult) error {
		if !r.Match() {
			t.Errorf("round %d: %s %v", r.ID, r.Verdict, r.Differences)
		}
		return nil
	})
	if err != nil || !sum.AllMatch || sum.Identical != 1 {
		t.Fatalf("replay %+v, %v", sum, err)
	}
}
