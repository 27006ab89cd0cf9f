package validator

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/subnetd/subnetd/chain/devnet"
	"github.com/subnetd/subnetd/internal/miner"
	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/records"
	"github.com/subnetd/subnetd/wallet"
)

// latencyWasm is the example latency scorer, built once; cacheDir keeps its compiled code.
var (
	latencyWasm []byte
	cacheDir    string
)

func TestMain(m *testing.M) {
	if os.Getenv("SUBNETD_CRASH_CHILD") != "" {
		crashChild()
		return
	}
	if os.Getenv("SUBNETD_BENCH_MINERS") != "" {
		benchMinersChild()
		return
	}
	dir, err := os.MkdirTemp("", "validator-test")
	if err != nil {
		panic(err)
	}
	out, err := plugins.Build(context.Background(), "../examples/scorers/latency", plugins.TargetWasm, filepath.Join(dir, "latency.wasm"))
	if err != nil {
		panic(err)
	}
	if latencyWasm, err = os.ReadFile(out); err != nil {
		panic(err)
	}
	cacheDir = filepath.Join(dir, "cache")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// withCustomSection returns wasm with a custom section appended: a different module (another
// sha256) that behaves the same, standing in for "version 2" of a scorer.
func withCustomSection(wasm []byte, name string) []byte {
	payload := binary.AppendUvarint(nil, uint64(len(name)))
	payload = append(payload, name...)
	payload = append(payload, "subnetd test data"...)
	out := append([]byte{}, wasm...)
	out = append(out, 0)
	out = binary.AppendUvarint(out, uint64(len(payload)))
	return append(out, payload...)
}

// testNet is a devnet subnet with example miners and one staked, permitted validator.
type testNet struct {
	ch  *devnet.Node
	key *wallet.Keypair
	db  *records.DB
}

const testNetuid = 7

// newTestNet builds the network for a test (see buildTestNet) and cleans it up after.
func newTestNet(t testing.TB, dbPath string, nMiners int, slow time.Duration) *testNet {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	n, err := buildTestNet(ctx, dbPath, nMiners, slow)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.db.Close() })
	return n
}

// buildTestNet builds a devnet subnet with nMiners good miners serving on loopback (plus one
// slow one when slow > 0) until ctx ends, the validator //Alice registered first with stake, and
// one epoch run so it has a validator permit.
func buildTestNet(ctx context.Context, dbPath string, nMiners int, slow time.Duration) (*testNet, error) {
	dc := devnet.New(1)
	hp := devnet.DefaultHyperparameters()
	hp.Tempo = 10
	hp.MinAllowedWeights = 1
	hp.WeightsSetRateLimit = 1
	hp.MaxAllowedValidators = 4
	hp.ActivityCutoffOverride, hp.ActivityCutoff = true, 10_000
	if err := dc.CreateSubnet(testNetuid, devnet.SubnetConfig{Hyperparameters: hp, AutoEpoch: true, EmissionPerBlock: 1e9, Distribute: true}); err != nil {
		return nil, err
	}
	ch := devnet.NewNode(dc)
	key, err := wallet.FromURI("//Alice")
	if err != nil {
		return nil, err
	}
	if _, err := dc.Register(testNetuid, key.SS58()); err != nil {
		return nil, err
	}
	if err := dc.SetStake(testNetuid, key.SS58(), devnet.Stake{Alpha: 1000e9}); err != nil {
		return nil, err
	}
	for i := 0; i <= nMiners; i++ {
		cfg := miner.Config{Quality: 1, Latency: time.Millisecond}
		if i == nMiners {
			if slow <= 0 {
				break
			}
			cfg.Latency = slow
		}
		if cfg.Keypair, err = wallet.FromURI(fmt.Sprintf("//validator-test-miner-%d", i)); err != nil {
			return nil, err
		}
		m, err := miner.Start(ctx, cfg)
		if err != nil {
			return nil, err
		}
		if _, err := dc.Register(testNetuid, m.Hotkey()); err != nil {
			return nil, err
		}
		ip, port := m.Addr()
		if err := ch.ServeAxon(testNetuid, m.Hotkey(), ip, port); err != nil {
			return nil, err
		}
	}
	if _, err := dc.AdvanceTo(12); err != nil { // first epoch: permits
		return nil, err
	}
	db, err := records.Open(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	return &testNet{ch: ch, key: key, db: db}, nil
}

// subnet returns a Subnet on the test network running the latency scorer.
func (n *testNet) subnet(t testing.TB, cfg SubnetConfig) *Subnet {
	s, err := n.newSubnet(cfg, latencyWasm)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (n *testNet) newSubnet(cfg SubnetConfig, wasm []byte) (*Subnet, error) {
	cfg.Netuid = testNetuid
	if cfg.Synapse == "" {
		cfg.Synapse, cfg.Body = "Ping", []byte(`{}`)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	s, err := NewSubnet(context.Background(), cfg, SubnetDeps{Chain: n.ch, Key: n.key, Records: n.db, CacheDir: cacheDir})
	if err != nil {
		return nil, err
	}
	sc, err := s.LoadScorer(context.Background(), "latency", "1.0.0", wasm)
	if err != nil {
		return nil, err
	}
	s.SetScorer(sc)
	return s, nil
}
