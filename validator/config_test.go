package validator

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/subnetd/subnetd/wallet"
)

func TestConfig_applyDefaults(t *testing.T) {
	const subnets = "subnets: [{netuid: 1, scorer: x.wasm}]\n"
	tests := []struct {
		name  string
		yaml  string
		check func(t *testing.T, c *Config)
	}{
		{"scorer: chain", "chain: {endpoint: devnet}\nwallet: {uri: //Alice}\nsubnets: [{netuid: 1, scorer: chain}, {netuid: 2, scorer: chain, pin_every: 9}]\n", func(t *testing.T, c *Config) {
			if c.Packages != DefaultPackages || c.Subnets[0].PinEvery != DefaultPinEvery || c.Subnets[1].PinEvery != 9 {
				t.Errorf("packages %q, pin_every %d %d", c.Packages, c.Subnets[0].PinEvery, c.Subnets[1].PinEvery)
			}
		}},
		{"devnet, nothing set", "chain: {endpoint: devnet}\nwallet: {uri: //Alice}\n" + subnets, func(t *testing.T, c *Config) {
			if c.Subnets[0].PinEvery != 0 {
				t.Errorf("pin_every %d for a scorer that is not on chain", c.Subnets[0].PinEvery)
			}
			if c.Records != DefaultRecords || c.Poll != DefaultPoll || c.CacheDir != DefaultCacheDir() {
				t.Errorf("records %q poll %v cache %q", c.Records, c.Poll, c.CacheDir)
			}
			if c.Log != (LogConfig{Level: DefaultLogLevel, Format: DefaultLogFormat}) {
				t.Errorf("log %+v", c.Log)
			}
			dv := c.Chain.Devnet
			if dv.BlockTime != DefaultDevnetBlockTime || dv.Tempo != DefaultDevnetTempo || dv.StakeTAO != DefaultDevnetStakeTAO ||
				!reflect.DeepEqual(dv.Miners, DefaultDevnetMiners()) {
				t.Errorf("devnet %+v", dv)
			}
			if c.Wallet.Path != "" {
				t.Errorf("wallet path %q set for a URI wallet", c.Wallet.Path)
			}
		}},
		{"everything set is kept", "chain: {endpoint: devnet, devnet: {block_time: 3s, tempo: 7, stake: 5, miners: [dead]}}\n" +
			"wallet: {uri: //Alice}\nrecords: r.db\ncache_dir: /c\npoll: 250ms\nlog: {level: debug, format: json}\n" + subnets,
			func(t *testing.T, c *Config) {
				if c.Records != "r.db" || c.CacheDir != "/c" || c.Poll != 250*time.Millisecond || c.Log.Level != "debug" || c.Log.Format != "json" {
					t.Errorf("%+v", c)
				}
				dv := c.Chain.Devnet
				if dv.BlockTime != 3*time.Second || dv.Tempo != 7 || dv.StakeTAO != 5 || !reflect.DeepEqual(dv.Miners, []string{"dead"}) {
					t.Errorf("devnet %+v", dv)
				}
			}},
		{"real chain: wallet path, no devnet", "chain: {endpoint: ws://127.0.0.1:9944}\nwallet: {name: v, hotkey: h}\n" + subnets,
			func(t *testing.T, c *Config) {
				if c.Wallet.Path != wallet.DefaultWalletPath {
					t.Errorf("wallet path %q, want %q", c.Wallet.Path, wallet.DefaultWalletPath)
				}
				if !reflect.DeepEqual(c.Chain.Devnet, DevnetConfig{}) {
					t.Errorf("devnet defaults on a real chain: %+v", c.Chain.Devnet)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfig([]byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
	// Each default is written in a field's literal once: a second call changes nothing.
	c, err := ParseConfig([]byte("chain: {endpoint: devnet}\nwallet: {uri: //Alice}\n" + subnets))
	if err != nil {
		t.Fatal(err)
	}
	again := *c
	again.applyDefaults()
	if !reflect.DeepEqual(again, *c) {
		t.Fatalf("applyDefaults is not idempotent: %+v then %+v", *c, again)
	}
}

// TestConfig_defaultsDocumented: docs/OPERATIONS.md's configuration table shows the defaults this
// package applies (poll was documented as 2s while the code used 1s).
func TestConfig_defaultsDocumented(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "OPERATIONS.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) == 5 {
			rows[strings.TrimSpace(cells[1])] = strings.TrimSpace(cells[3])
		}
	}
	want := map[string]string{
		"`poll`":                    DefaultPoll.String(),
		"`records`":                 "`" + DefaultRecords + "`",
		"`log.level`, `log.format`": DefaultLogLevel + ", " + DefaultLogFormat,
		"`chain.devnet.block_time`, `.tempo`, `.stake`, `.miners`": DefaultDevnetBlockTime.String() + ", " +
			strconv.Itoa(int(DefaultDevnetTempo)) + ", " + strconv.FormatUint(DefaultDevnetStakeTAO, 10) + ", " +
			minersDoc(DefaultDevnetMiners()),
		"`wallet.path`, `.name`, `.hotkey`": "path `" + wallet.DefaultWalletPath + "`",
	}
	for field, w := range want {
		if got, ok := rows[field]; !ok || got != w {
			t.Errorf("docs/OPERATIONS.md row %s: default %q, want %q", field, got, w)
		}
	}
}

// minersDoc writes profiles the way the docs do: "4 good 2 bad 1 slow 1 dead".
func minersDoc(profiles []string) string {
	var order []string
	n := map[string]int{}
	for _, p := range profiles {
		if n[p] == 0 {
			order = append(order, p)
		}
		n[p]++
	}
	var parts []string
	for _, p := range order {
		parts = append(parts, strconv.Itoa(n[p])+" "+p)
	}
	return strings.Join(parts, " ")
}

// TestLoadConfig_examples: every example config parses and validates.
func TestLoadConfig_examples(t *testing.T) {
	paths, err := filepath.Glob("../examples/configs/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no example configs (%v)", err)
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			if _, err := LoadConfig(p); err != nil {
				t.Fatal(err)
			}
		})
	}
}
