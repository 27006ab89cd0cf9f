package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/subnetd/subnetd/wallet"
)

func TestChainParseU16s(t *testing.T) {
	got, err := chainParseU16s("--uids", " 0, 1,65535 ")
	if err != nil || len(got) != 3 || got[0] != 0 || got[1] != 1 || got[2] != 65535 {
		t.Fatalf("= %v, %v", got, err)
	}
	for _, bad := range []string{"", "1,,2", "65536", "-1", "a"} {
		if _, err := chainParseU16s("--uids", bad); err == nil || !strings.Contains(err.Error(), "--uids") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func runChainCmd(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	root := newRootCmd()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(append([]string{"chain"}, args...))
	err := root.Execute()
	return out.String(), errb.String(), err
}

func TestChainSetWeights_BadInput(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--netuid", "1", "--uids", "0,1", "--weights", "1"}, "WeightVecNotEqualSize"},
		{[]string{"--netuid", "1", "--uids", "0,0", "--weights", "1,2"}, "DuplicateUids"},
		{[]string{"--netuid", "1", "--uids", "0", "--weights", "70000"}, "--weights"},
		{[]string{"--netuid", "1", "--uids", "0", "--weights", "1", "--commit", "maybe"}, "--commit"},
		{[]string{"--netuid", "1", "--uids", "0", "--weights", "1", "--wallet.path", "/nonexistent", "--wallet.name", "x"}, "/nonexistent"},
	} {
		_, _, err := runChainCmd(t, append([]string{"set-weights"}, tt.args...)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want it to mention %s", tt.args, err, tt.want)
		}
	}
}

// TestChainCLI runs the commands against a chain prepared by ../shared/chain-harness (SUBTENSOR_WS,
// SUBTENSOR_NETUID); chain/subtensor's integration tests cover the client itself.
func TestChainCLI(t *testing.T) {
	ws := os.Getenv("SUBTENSOR_WS")
	if ws == "" {
		t.Skip("integration test: set SUBTENSOR_WS (and SUBTENSOR_NETUID) to a chain started with ../shared/chain-harness/start.sh")
	}
	netuid := os.Getenv("SUBTENSOR_NETUID")
	if netuid == "" {
		netuid = "2"
	}
	out, _, err := runChainCmd(t, "metagraph", "--chain", ws, "--netuid", netuid)
	if err != nil {
		t.Fatal(err)
	}
	var mg struct {
		Netuid  int `json:"netuid"`
		Neurons []struct {
			Hotkey          string `json:"hotkey"`
			ValidatorPermit bool   `json:"validator_permit"`
		} `json:"neurons"`
	}
	if err := json.Unmarshal([]byte(out), &mg); err != nil || len(mg.Neurons) < 3 ||
		mg.Neurons[0].Hotkey != "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY" {
		t.Fatalf("metagraph output %s: %v", out, err)
	}

	dir := t.TempDir()
	for _, who := range []string{"Alice", "Dave"} {
		kp, err := wallet.FromURI("//" + who)
		if err != nil {
			t.Fatal(err)
		}
		if err := wallet.CreateWallet(dir, who, "default", kp, nil); err != nil {
			t.Fatal(err)
		}
	}
	set := func(who, weights string) (map[string]any, error) {
		out, _, err := runChainCmd(t, "set-weights", "--chain", ws, "--netuid", netuid, "--wallet.path", dir,
			"--wallet.name", who, "--uids", "0,1,2", "--weights", weights)
		var res map[string]any
		if jerr := json.Unmarshal([]byte(out), &res); jerr != nil {
			t.Fatalf("set-weights output %q: %v (err %v)", out, jerr, err)
		}
		return res, err
	}
	res, err := set("Alice", "65535,32768,100")
	if err != nil || res["outcome"] != "SubtensorModule.WeightsSet" || res["block"] == nil ||
		!strings.HasPrefix(res["extrinsic_hash"].(string), "0x") {
		t.Fatalf("Alice: %v, %v", res, err)
	}
	// Dave is funded but not registered on the subnet.
	res, err = set("Dave", "1,65535,1")
	if err == nil || !strings.Contains(err.Error(), "HotKeyNotRegisteredInSubNet") {
		t.Fatalf("Dave (not registered): %v, %v", res, err)
	}
}
