package validator

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/subnetd/subnetd/providers"
	"github.com/subnetd/subnetd/runtime"
)

// buildLengthProvider builds the example Go feature provider.
func buildLengthProvider(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "length-provider")
	if out, err := exec.Command("go", "build", "-o", bin, "../examples/providers/length-go").CombinedOutput(); err != nil {
		t.Fatalf("build provider: %v: %s", err, out)
	}
	return bin
}

// TestSubnet_RunRound_features: the Round the scorer reads carries every provider's features per
// miner (null for a provider that failed), the record lists the calls with the failure, and the
// round itself goes on; replaying the recorded Round gives the same Scores.
func TestSubnet_RunRound_features(t *testing.T) {
	ctx := context.Background()
	n := newTestNet(t, filepath.Join(t.TempDir(), "r.db"), 3, 0)
	bin := buildLengthProvider(t)
	s, err := n.newSubnet(SubnetConfig{Synapse: "TextPrompt", Body: []byte(`{"prompt":"p","reference":"one two three"}`),
		Providers: []providers.Config{
			{Name: "length", Command: []string{bin}},
			{Name: "gone", Address: "127.0.0.1:1", Timeout: time.Second},
		}}, latencyWasm)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := s.provs[0].Ready(rctx); err != nil {
		t.Fatal(err)
	}
	res, err := s.RunRound(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.ScorerErr != nil {
		t.Fatalf("scorer: %v", res.ScorerErr)
	}
	rec := res.Record
	if len(rec.Providers) != 2 || rec.Providers[0].Provider != "length" || rec.Providers[0].Error != "" ||
		rec.Providers[0].Features != 3 || rec.Providers[1].Provider != "gone" || rec.Providers[1].Error == "" {
		t.Fatalf("provider calls %+v", rec.Providers)
	}
	r, err := runtime.DecodeRound(rec.RoundBytes)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range r.Miners {
		if got := string(m.Features["length"]); got != `{"bytes":13,"words":3}` {
			t.Errorf("uid %d: length features %s", m.UID, got)
		}
		if got := string(m.Features["gone"]); got != "null" {
			t.Errorf("uid %d: a failed provider's features %s, want null", m.UID, got)
		}
	}
	if !strings.Contains(string(rec.RoundBytes), `"features":{"gone":null,"length":{"bytes":13,"words":3}}`) {
		t.Errorf("round bytes: %s", rec.RoundBytes)
	}
	// The status shows both providers.
	st := s.Status()
	if len(st.Providers) != 2 || st.Providers[0].State != providers.StateRunning || !st.Live {
		t.Errorf("status providers %+v, live %v", st.Providers, st.Live)
	}
	// Replaying the recorded bytes gives the recorded Scores.
	meta, err := runtime.ParseRoundMeta(rec.RoundBytes)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Current().S.Score(ctx, rec.RoundBytes, meta)
	if err != nil || string(again.Output) != string(rec.ScoresBytes) {
		t.Fatalf("replay: %v, %s vs %s", err, again.Output, rec.ScoresBytes)
	}
}

// TestSubnet_RunRound_noProviders: without providers the Round has no features field at all.
func TestSubnet_RunRound_noProviders(t *testing.T) {
	ctx := context.Background()
	n := newTestNet(t, filepath.Join(t.TempDir(), "r.db"), 2, 0)
	s := n.subnet(t, SubnetConfig{})
	defer s.Close(ctx)
	res, err := s.RunRound(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(res.Record.RoundBytes), "features") || res.Record.Providers != nil {
		t.Fatalf("no providers, yet: %s / %+v", res.Record.RoundBytes, res.Record.Providers)
	}
}

// TestRecomputeFeatures: re-running the same provider on the recorded rounds gives exact
// features; a provider that now answers otherwise is reported, per uid.
func TestRecomputeFeatures(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	n := newTestNet(t, filepath.Join(dir, "r.db"), 3, 0)
	bin := buildLengthProvider(t)
	s, err := n.newSubnet(SubnetConfig{Synapse: "TextPrompt", Body: []byte(`{"prompt":"p","reference":"a b"}`),
		Providers: []providers.Config{{Name: "length", Command: []string{bin}}}}, latencyWasm)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunRound(ctx); err != nil {
		t.Fatal(err)
	}
	s.Close(ctx)

	run := func(cmd []string) ([]FeatureDrift, []DriftSummary) {
		cfg := &Config{Subnets: []SubnetEntry{{Netuid: testNetuid, Providers: []providers.Config{{Name: "length", Command: cmd}}}}}
		var got []FeatureDrift
		sums, err := RecomputeFeatures(ctx, n.db, cfg, nil, func(d FeatureDrift) error { got = append(got, d); return nil })
		if err != nil {
			t.Fatal(err)
		}
		return got, sums
	}
	got, sums := run([]string{bin})
	if len(got) != 1 || got[0].Exact != 3 || len(got[0].Drifted) != 0 || len(sums) != 1 || sums[0].Exact != 3 {
		t.Fatalf("same provider: %+v / %+v", got, sums)
	}
	// A provider that answers something else for the same rounds: every miner drifts.
	other := filepath.Join(t.TempDir(), "other")
	if out, err := exec.Command("go", "build", "-o", other, "../providers/testdata/provider").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	got, _ = run([]string{other, "echo"})
	if len(got) != 1 || got[0].Exact != 0 || len(got[0].Drifted) != 3 || got[0].Drifted[0].Comparable {
		t.Fatalf("other provider: %+v", got)
	}
}
