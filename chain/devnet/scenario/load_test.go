package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/subnetd/subnetd/chain/devnet"
)

const tiny = `{"name": "t", "netuid": 1,
 "hyperparameters": {"tempo": 100, "activity_cutoff": 5000, "max_allowed_validators": 8, "max_allowed_uids": 8,
   "min_allowed_weights": 0, "weights_set_rate_limit": 0, "tao_weight": 0},
 "genesis": {"block": 1, "owner_uid": null, "neurons": [
   {"uid": 0, "hotkey": "a", "alpha_stake": 3, "tao_stake": 0, "registered": 1},
   {"uid": 1, "hotkey": "b", "alpha_stake": 1, "tao_stake": 0, "registered": 1}]},
 "steps": STEPS,
 "expected": EXPECTED}`

func tinyWith(steps, expected string) string {
	return strings.NewReplacer("STEPS", steps, "EXPECTED", expected).Replace(tiny)
}

func TestLoad_Rejects(t *testing.T) {
	tests := []struct {
		name, file string
	}{
		{"not json", "{"},
		{"missing expected", `{"name": "x", "netuid": 1, "hyperparameters": {}, "genesis": {}, "steps": []}`},
		{"wrong format", strings.Replace(tinyWith("[]", "[]"), `"name"`, `"format": "other/2", "name"`, 1)},
		{"step without block", tinyWith(`[{"epoch": true, "rao_emission": 1}]`, "[]")},
		{"block going back", tinyWith(`[{"block": 0}]`, "[]")},
		{"epoch without emission", tinyWith(`[{"block": 2, "epoch": true}]`, "[]")},
		{"both cutoffs", strings.Replace(tinyWith("[]", "[]"), `"tempo": 100`, `"tempo": 100, "activity_cutoff_factor_milli": 1000`, 1)},
		{"both cutoffs in a step", tinyWith(`[{"block": 2, "hyperparameters": {"activity_cutoff": 1, "activity_cutoff_factor_milli": 1}}]`, "[]")},
		{"hyperparameter out of range", strings.Replace(tinyWith("[]", "[]"), `"tempo": 100`, `"tempo": 70000`, 1)},
		{"hyperparameters not an object", strings.Replace(tinyWith("[]", "[]"), `"hyperparameters": {`, `"hyperparameters": [], "x": {`, 1)},
		{"negative stake", strings.Replace(tinyWith("[]", "[]"), `"alpha_stake": 3`, `"alpha_stake": -3`, 1)},
		{"float stake", strings.Replace(tinyWith("[]", "[]"), `"alpha_stake": 3`, `"alpha_stake": 3.5`, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Load(strings.NewReader(tt.file)); !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestScenario_RejectedCallNamesChainError(t *testing.T) {
	// uid 1 holds no permit before any epoch, so weighting uid 0 is refused.
	sc, err := Load(strings.NewReader(tinyWith(`[{"block": 2, "set_weights": [{"uid": 1, "dests": [0], "weights": [1]}]}]`, "[]")))
	if err != nil {
		t.Fatal(err)
	}
	_, err = sc.Run(context.Background(), io.Discard)
	if !errors.Is(err, devnet.ErrNeuronNoValidatorPermit) || !strings.Contains(err.Error(), "step 0") {
		t.Fatalf("err = %v", err)
	}
}

func TestScenario_CheckDetectsMismatches(t *testing.T) {
	steps := `[{"block": 2, "epoch": true, "rao_emission": 1000},
	           {"block": 3, "register": [{"hotkey": "c", "alpha_stake": 0, "tao_stake": 0}], "epoch": true, "rao_emission": 1000}]`
	tests := []struct {
		name     string
		expected string
		bad      int
	}{
		{"all right", `[{"step": 0, "field": "emission", "uids": [0, 1], "values": [750, 250], "tolerance": 0},
		  {"step": 1, "field": "validator_permit", "uids": [0, 2], "values": [true, false], "tolerance": 0},
		  {"step": 1, "field": "bonds", "entries": [[0, 1]], "values": [0], "tolerance": 0},
		  {"step": 1, "field": "stake_weight", "uids": [0], "values": [0.75], "compare": "u16_proportion", "tolerance": 0.001}]`, 0},
		{"wrong value", `[{"step": 0, "field": "emission", "uids": [0], "values": [751], "tolerance": 0}]`, 1},
		{"wrong bool", `[{"step": 1, "field": "active", "uids": [2], "values": [false], "tolerance": 0}]`, 1},
		{"outside tolerance", `[{"step": 0, "field": "stake_weight", "uids": [0], "values": [0.7], "compare": "u16_proportion", "tolerance": 0.001}]`, 1},
		{"unknown field", `[{"step": 0, "field": "rank", "uids": [0], "values": [0], "tolerance": 0}]`, 1},
		{"uid out of range", `[{"step": 0, "field": "emission", "uids": [2], "values": [0], "tolerance": 0}]`, 1},
		{"non-epoch step", `[{"step": 5, "field": "emission", "uids": [0], "values": [0], "tolerance": 0}]`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := Load(strings.NewReader(tinyWith(steps, tt.expected)))
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			lines, err := sc.Run(context.Background(), &out)
			if err != nil {
				t.Fatal(err)
			}
			if got := sc.Check(lines); len(got) != tt.bad {
				t.Fatalf("%d mismatches %v, want %d", len(got), got, tt.bad)
			}
			if n := strings.Count(out.String(), "\n"); n != 2 {
				t.Fatalf("%d output lines", n)
			}
			var first map[string]any
			if err := json.Unmarshal([]byte(strings.SplitN(out.String(), "\n", 2)[0]), &first); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// FuzzLoad: arbitrary bytes never panic the loader, and whatever loads
// runs (on small inputs) without panicking.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(tinyWith(`[{"block": 2, "epoch": true, "rao_emission": 1000}]`, "[]")))
	f.Add([]byte(tinyWith(`[{"block": 2, "register": [{"hotkey": "z", "alpha_stake": 1, "tao_stake": 0, "replace_uid": 9}]}]`, "[]")))
	f.Add([]byte(`{"name":"x","netuid":1,"hyperparameters":{},"genesis":{"block":0,"neurons":[]},"steps":[{"block":0,"epoch":true,"rao_emission":0}],"expected":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := Load(bytes.NewReader(data))
		if err != nil || len(sc.Genesis.Neurons) > 64 || len(sc.Steps) > 64 {
			return
		}
		lines, err := sc.Run(context.Background(), io.Discard)
		if err == nil {
			_ = sc.Check(lines)
		}
	})
}
