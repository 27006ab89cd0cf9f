package demo

import (
	"context"
	"testing"
	"time"

	"github.com/subnetd/subnetd/records"
)

// TestRun runs the demo network end to end (chain, miners, validators, records, replay) and
// checks what Yuma and the scorers should make of it.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := DefaultConfig()
	cfg.Dir = t.TempDir()
	cfg.ScorersDir = "../../examples/scorers"
	cfg.Tempos = 3
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}

	// Every round recorded, and every recorded round replays identically.
	total := 0
	for _, v := range res.Validators {
		if v.Rounds < 2 {
			t.Errorf("validator %s on subnet %d ran %d rounds, want at least 2", v.Name, v.Netuid, v.Rounds)
		}
		if v.Failures != 0 {
			t.Errorf("validator %s on subnet %d: %d failed rounds", v.Name, v.Netuid, v.Failures)
		}
		total += v.Rounds
	}
	if res.Rounds != total {
		t.Errorf("records hold %d rounds, the validators ran %d", res.Rounds, total)
	}
	if !res.Replay.AllMatch || res.Replay.Identical != res.Rounds {
		t.Errorf("replay: %+v, want all %d identical", res.Replay, res.Rounds)
	}
	set, err := records.ReadFile(res.Export)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Rounds) != res.Rounds {
		t.Errorf("export holds %d rounds, want %d", len(set.Rounds), res.Rounds)
	}

	// On the quality subnet every good miner earns more than every bad one, and the dead one nothing.
	byProfile := map[string][]MinerRow{}
	for _, m := range res.Miners {
		if m.Netuid == QualityNetuid {
			byProfile[m.Profile] = append(byProfile[m.Profile], m)
		}
	}
	for _, g := range byProfile["good"] {
		for _, b := range byProfile["bad"] {
			if !(g.Incentive > b.Incentive && g.Emission > b.Emission && g.Score > b.Score) {
				t.Errorf("good %+v does not beat bad %+v", g, b)
			}
		}
	}
	for _, d := range byProfile["dead"] {
		if d.Incentive != 0 || d.Emission != 0 {
			t.Errorf("dead miner earned: %+v", d)
		}
	}
	// On the latency subnet the slow miners earn less than the good ones.
	for _, m := range res.Miners {
		if m.Netuid != LatencyNetuid || m.Profile != "slow" {
			continue
		}
		for _, g := range res.Miners {
			if g.Netuid == LatencyNetuid && g.Profile == "good" && !(g.Incentive > m.Incentive) {
				t.Errorf("latency subnet: good %+v does not beat slow %+v", g, m)
			}
		}
	}

	// The validators that agree (alice, bob) get higher validator trust than the one running
	// another scorer on the quality subnet (charlie).
	vt := map[string]float64{}
	for _, v := range res.Validators {
		if v.Netuid == QualityNetuid {
			vt[v.Name] = v.ValidatorTrust
		}
	}
	if !(vt["alice"] > vt["charlie"] && vt["bob"] > vt["charlie"]) {
		t.Errorf("validator trust on subnet 1: %v; want alice and bob above charlie", vt)
	}
}
