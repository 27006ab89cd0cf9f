package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/subnetd/subnetd/internal/miner"
	"github.com/subnetd/subnetd/wallet"
)

func queryTestWallet(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	alice, err := wallet.FromURI("//Alice")
	if err != nil {
		t.Fatal(err)
	}
	if err := wallet.CreateWallet(dir, "val", "hk", alice, nil); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestQueryCmd(t *testing.T) {
	dir := queryTestWallet(t)
	bob, _ := wallet.FromURI("//Bob")
	ctx := context.Background()
	cfg, _ := miner.Profile("good", bob)
	m, err := miner.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	dead, _ := miner.Profile("dead", bob)
	dm, _ := miner.Start(ctx, dead)
	ip, port := m.Addr()
	_, deadPort := dm.Addr()
	bodyFile := filepath.Join(t.TempDir(), "body.json")
	os.WriteFile(bodyFile, []byte(`{"task":"sum","id":"f","numbers":[4,5]}`), 0o644)

	tests := []struct {
		name     string
		args     []string
		stdin    string
		status   int
		response string
	}{
		{"sum", []string{"--axon", fmt.Sprintf("%s:%d", ip, port), "--synapse", "SumTask", "--body", `{"task":"sum","id":"x","numbers":[1,2,3]}`}, "", 200, `{"task":"sum","id":"x","numbers":[1,2,3],"answer":6}`},
		{"body from file", []string{"--axon", fmt.Sprintf("%s:%d", ip, port), "--synapse", "SumTask", "--body", "@" + bodyFile}, "", 200, `{"task":"sum","id":"f","numbers":[4,5],"answer":9}`},
		{"body from stdin, host name", []string{"--axon", fmt.Sprintf("localhost:%d", port), "--synapse", "Ping", "--body", "-"}, `{"n":[1.5,true,null]}`, 200, `{"n":[1.5,true,null],"answer":null}`},
		// Ping declares no required hash fields, so a body hash over "n" cannot match: 400.
		{"hash fields the synapse does not declare", []string{"--axon", fmt.Sprintf("%s:%d", ip, port), "--synapse", "Ping", "--body", `{"n":1}`, "--hash-fields", "n"}, "", 400, "null"},
		{"unknown synapse", []string{"--axon", fmt.Sprintf("%s:%d", ip, port), "--synapse", "Nope"}, "", 404, "null"},
		{"dead miner", []string{"--axon", fmt.Sprintf("%s:%d", ip, deadPort), "--synapse", "Ping", "--timeout", "2s"}, "", 503, "null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := newQueryCmd()
			var out, errb bytes.Buffer
			cmd.SetOut(&out)
			cmd.SetErr(&errb)
			cmd.SetIn(strings.NewReader(tt.stdin))
			args := append([]string{"--wallet.path", dir, "--wallet.name", "val", "--wallet.hotkey", "hk", "--axon-hotkey", bob.SS58()}, tt.args...)
			cmd.SetArgs(args)
			if err := cmd.Execute(); err != nil {
				t.Fatalf("execute: %v (stderr %s)", err, errb.String())
			}
			var got map[string]json.RawMessage
			if err := json.Unmarshal(out.Bytes(), &got); err != nil {
				t.Fatalf("stdout %q: %v", out.String(), err)
			}
			if len(got) != 3 || got["latency_ms"] == nil {
				t.Fatalf("stdout keys: %s", out.String())
			}
			var status int
			var lat float64
			json.Unmarshal(got["status"], &status)
			json.Unmarshal(got["latency_ms"], &lat)
			if status != tt.status || string(got["response"]) != tt.response || lat <= 0 {
				t.Fatalf("stdout %s; want status %d response %s", out.String(), tt.status, tt.response)
			}
			if tt.status != 200 && !strings.Contains(errb.String(), fmt.Sprint(tt.status)) {
				t.Fatalf("stderr lacks the reason: %q", errb.String())
			}
		})
	}
}

func TestQueryCmd_badInput(t *testing.T) {
	dir := queryTestWallet(t)
	hk := "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"
	base := []string{"--wallet.path", dir, "--wallet.name", "val", "--wallet.hotkey", "hk", "--synapse", "S"}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no port", []string{"--axon", "127.0.0.1", "--axon-hotkey", hk}, "IP:PORT"},
		{"bad port", []string{"--axon", "127.0.0.1:99999", "--axon-hotkey", hk}, "port"},
		{"bad hotkey", []string{"--axon", "127.0.0.1:1", "--axon-hotkey", "5abc"}, "axon-hotkey"},
		{"bad body", []string{"--axon", "127.0.0.1:1", "--axon-hotkey", hk, "--body", "[1]"}, "not a JSON object"},
		{"missing wallet", []string{"--axon", "127.0.0.1:1", "--axon-hotkey", hk, "--wallet.name", "nobody"}, "key file not found"},
		{"bad synapse", []string{"--axon", "127.0.0.1:1", "--axon-hotkey", hk, "--synapse", "a/b"}, "synapse name"},
		{"missing flag", []string{"--axon", "127.0.0.1:1"}, "axon-hotkey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := newQueryCmd()
			var out bytes.Buffer
			cmd.SetOut(&out)
			cmd.SetErr(&out)
			cmd.SetArgs(append(append([]string{}, base...), tt.args...))
			err := cmd.Execute()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
