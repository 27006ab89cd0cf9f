package validator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/records"
)

func TestParseConfig(t *testing.T) {
	base := "chain: {endpoint: devnet}\nwallet: {uri: //Alice}\nsubnets:\n  - {netuid: 1, scorer: x.wasm}\n"
	tests := []struct {
		name, yaml, want string
	}{
		{"ok", base, ""},
		{"no endpoint", "wallet: {uri: //Alice}\nsubnets: [{netuid: 1, scorer: x}]\n", "chain.endpoint is required"},
		{"http endpoint", strings.Replace(base, "devnet", "http://x", 1), "neither a ws://"},
		{"uri on real chain", strings.Replace(base, "devnet", "ws://127.0.0.1:9944", 1), "development chains only"},
		{"no wallet", "chain: {endpoint: devnet}\nsubnets: [{netuid: 1, scorer: x}]\n", "wallet needs"},
		{"no subnets", "chain: {endpoint: devnet}\nwallet: {uri: //Alice}\n", "no subnets"},
		{"duplicate", base + "  - {netuid: 1, scorer: y.wasm}\n", "listed twice"},
		{"no scorer", "chain: {endpoint: devnet}\nwallet: {uri: //Alice}\nsubnets: [{netuid: 1}]\n", "scorer is required"},
		{"bad key", base[:len(base)-2] + ", publisher_keys: [rsa:1]}\n", "publisher key"},
		{"unknown field", base + "colour: blue\n", "colour"},
		{"chain scorer", strings.Replace(base, "scorer: x.wasm", "scorer: chain", 1), ""},
		{"chain scorer, publisher", strings.Replace(base, "scorer: x.wasm", "scorer: chain, publisher: 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY, pin_every: 2", 1), ""},
		{"publisher without chain", strings.Replace(base, "x.wasm", "x.wasm, publisher: 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", 1), "publisher is for scorer: chain"},
		{"bad publisher", strings.Replace(base, "scorer: x.wasm", "scorer: chain, publisher: 5NotAnAddress", 1), "publisher \"5NotAnAddress\""},
		{"pin_every without chain", strings.Replace(base, "x.wasm", "x.wasm, pin_every: 3", 1), "pin_every is for scorer: chain"},
		{"chain and watch", strings.Replace(base, "scorer: x.wasm", "scorer: chain, watch: pkgs", 1), "drop watch"},
		{"bad miner", "chain: {endpoint: devnet, devnet: {miners: [great]}}\nwallet: {uri: //Alice}\nsubnets: [{netuid: 1, scorer: x}]\n", "unknown profile"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(tc.yaml))
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			_ = cfg
		})
	}
	cfg, err := ParseConfig([]byte("chain: {endpoint: devnet}\nwallet: {uri: //Alice}\ndefaults: {timeout: 3s, interval: 4, limits: {timeout: 2s}}\n" +
		"subnets:\n  - {netuid: 5, scorer: x.wasm, synapse: Ping, body: {a: 1}, interval: 9}\n"))
	if err != nil {
		t.Fatal(err)
	}
	sc := cfg.subnetConfig(cfg.Subnets[0])
	if sc.Timeout != 3*time.Second || sc.Interval != 9 || sc.Limits.Timeout != 2*time.Second || string(sc.Body) != `{"a":1}` {
		t.Fatalf("subnet config %+v", sc)
	}
}

// TestDaemon runs the daemon on the test network: rounds are recorded, /healthz and /metrics
// answer, the admin endpoint refuses a wrong token and hot-loads a package with the right one,
// and shutdown is graceful (every round the subnets counted is in the records).
func TestDaemon(t *testing.T) {
	dir := t.TempDir()
	n := newTestNet(t, filepath.Join(dir, "unused.db"), 2, 0)
	wasmPath := filepath.Join(dir, "latency.wasm")
	if err := os.WriteFile(wasmPath, latencyWasm, 0o644); err != nil {
		t.Fatal(err)
	}
	token := "0123456789abcdef-token"
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig([]byte(fmt.Sprintf(`
chain: {endpoint: devnet}
wallet: {uri: //Alice}
records: records.db
listen: 127.0.0.1:0
admin_token_file: token
poll: 10ms
defaults: {interval: 1, timeout: 2s}
subnets:
  - {netuid: %d, scorer: latency.wasm, synapse: Ping, body: {}}
`, testNetuid)))
	if err != nil {
		t.Fatal(err)
	}
	cfg.dir = dir
	cfg.CacheDir = cacheDir
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d, err := NewDaemon(ctx, cfg, n.ch, n.key, nil)
	if err != nil {
		t.Fatal(err)
	}
	go n.ch.Produce(ctx, 20*time.Millisecond, nil)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()

	s := d.Validator().Subnet(testNetuid)
	waitFor(t, "two rounds", func() bool { return s.Status().Rounds >= 2 })
	base := "http://" + d.Addr()

	var health struct {
		Status  string         `json:"status"`
		Subnets []SubnetStatus `json:"subnets"`
	}
	getJSON(t, base+"/healthz", &health)
	if health.Status != "ok" || len(health.Subnets) != 1 || health.Subnets[0].Rounds < 2 {
		t.Fatalf("health %+v", health)
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	mb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`subnetd_rounds_total{netuid="7",outcome="ok"}`, "subnetd_miners_queried_total", "subnetd_weights_submitted_total", "subnetd_scorer_seconds_bucket"} {
		if !bytes.Contains(mb, []byte(want)) {
			t.Errorf("metrics lack %s", want)
		}
	}

	v2 := withCustomSection(latencyWasm, "daemon-test-v2")
	m, _ := json.Marshal(plugins.Manifest{Name: "latency", Version: "2.0.0", Netuid: testNetuid, ABI: 1, SHA256: records.SHA256Hex(v2)})
	body, _ := json.Marshal(AdminPackage{Manifest: string(m), Wasm: v2})
	post := func(tok string) int {
		req, _ := http.NewRequest(http.MethodPost, base+"/admin/scorers", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("wrong-token-wrong-token"); code != http.StatusUnauthorized {
		t.Fatalf("wrong token: status %d", code)
	}
	if code := post(token); code != http.StatusOK {
		t.Fatalf("admin upload: status %d", code)
	}
	waitFor(t, "version 2 running", func() bool { return s.Status().Version == "2.0.0" && s.Status().Rounds >= 4 })

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("daemon did not stop")
	}
	rounds := s.Status().Rounds
	c, err := d.Records().Count(context.Background())
	if err != nil || c != rounds {
		t.Fatalf("records hold %d rounds, the subnet ran %d (%v)", c, rounds, err)
	}
	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
