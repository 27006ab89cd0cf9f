package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/chain/subtensor"
	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/wallet"
)

func runPluginCmd(args ...string) (string, string, error) {
	root := newRootCmd()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(append([]string{"plugin"}, args...))
	err := root.Execute()
	return out.String(), errb.String(), err
}

// testPackage writes a small package (the latency fixtures' module need not be real for a pin:
// only manifest.json's bytes are hashed) and returns its directory and manifest bytes.
func testPackage(t *testing.T) (string, []byte) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pkg")
	wasm := []byte("\x00asm\x01\x00\x00\x00")
	m := plugins.Manifest{Name: "latency", Version: "1.0.0", Netuid: 2, ABI: 1, Module: "latency.wasm",
		SHA256: hex.EncodeToString(func() []byte { s := sha256.Sum256(wasm); return s[:] }())}
	mb, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := plugins.WritePackage(dir, mb, wasm, nil, "latency.wasm"); err != nil {
		t.Fatal(err)
	}
	return dir, mb
}

func TestPluginPublish_BadInput(t *testing.T) {
	dir, _ := testPackage(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"publish", dir, "--netuid", "2", "--url", "ftp://x/y"}, "scheme"},
		{[]string{"publish", dir, "--netuid", "2", "--url", "https://" + strings.Repeat("a", 130)}, "128"},
		{[]string{"publish", "/nonexistent", "--netuid", "2", "--url", "https://x/y/"}, "/nonexistent"},
		{[]string{"publish", dir, "--netuid", "2", "--url", "https://x/y/", "--wallet.path", "/nonexistent", "--wallet.name", "w"}, "/nonexistent"},
	} {
		if _, _, err := runPluginCmd(tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err %v, want it to mention %s", tt.args, err, tt.want)
		}
	}
}

// TestPluginPublish pins a package on a chain prepared by ../shared/chain-harness (SUBTENSOR_WS,
// SUBTENSOR_NETUID): the owner's commitment then holds the manifest's sha256 and the URL; a
// hotkey not registered on the subnet gets the chain's error by name.
func TestPluginPublish(t *testing.T) {
	ws := os.Getenv("SUBTENSOR_WS")
	if ws == "" {
		t.Skip("integration test: set SUBTENSOR_WS (and SUBTENSOR_NETUID) to a chain started with ../shared/chain-harness/start.sh")
	}
	netuid := os.Getenv("SUBTENSOR_NETUID")
	if netuid == "" {
		netuid = "2"
	}
	n, _ := strconv.Atoi(netuid)
	wdir := t.TempDir()
	for _, who := range []string{"Alice", "Dave"} {
		kp, err := wallet.FromURI("//" + who)
		if err != nil {
			t.Fatal(err)
		}
		if err := wallet.CreateWallet(wdir, who, "default", kp, nil); err != nil {
			t.Fatal(err)
		}
	}
	dir, mb := testPackage(t)
	url := "https://scorers.example.org/latency/1.0.0/"
	out, _, err := runPluginCmd("publish", dir, "--url", url, "--chain", ws, "--netuid", netuid,
		"--wallet.path", wdir, "--wallet.name", "Alice")
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Netuid int    `json:"netuid"`
		Hotkey string `json:"hotkey"`
		SHA256 string `json:"sha256"`
		URL    string `json:"url"`
		Block  uint64 `json:"block"`
	}
	sum := sha256.Sum256(mb)
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Netuid != n || res.URL != url || res.Block == 0 ||
		res.SHA256 != hex.EncodeToString(sum[:]) || res.Hotkey != "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY" {
		t.Fatalf("output %q: %v", out, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := subtensor.Dial(ctx, ws, subtensor.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	alice, _ := chain.ParseAccountID(res.Hotkey)
	cm, err := c.Commitment(ctx, uint16(n), alice)
	if err != nil {
		t.Fatal(err)
	}
	var fields [][]byte
	for _, f := range cm.Fields {
		fields = append(fields, f.Data)
	}
	pin, err := plugins.ParsePin(fields)
	if err != nil || pin.SHA256 != sum || pin.URL != url || cm.Block != res.Block {
		t.Fatalf("pin on chain %+v (block %d): %v", pin, cm.Block, err)
	}
	_, _, err = runPluginCmd("publish", dir, "--url", url, "--chain", ws, "--netuid", netuid,
		"--wallet.path", wdir, "--wallet.name", "Dave")
	if err == nil || !strings.Contains(err.Error(), "AccountNotAllowedCommit") {
		t.Fatalf("Dave (not registered): %v", err)
	}
}
