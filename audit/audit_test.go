package audit_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/subnetd/subnetd/audit"
	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/chain/devnet"
	"github.com/subnetd/subnetd/internal/miner"
	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/records"
	"github.com/subnetd/subnetd/validator"
	"github.com/subnetd/subnetd/wallet"
)

var (
	latencyWasm []byte
	cacheDir    string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "audit-test")
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

const netuid = 7

// network is a devnet subnet with example miners, //Alice as its staked, permitted validator,
// and a validator Subnet recording into dbPath.
type network struct {
	node   *devnet.Node
	key    *wallet.Keypair
	db     *records.DB
	dbPath string
	subnet *validator.Subnet
}

// newNetwork builds the network; commitReveal turns hash commit-reveal on.
func newNetwork(t *testing.T, commitReveal bool) *network {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	dc := devnet.New(1)
	hp := devnet.DefaultHyperparameters()
	hp.Tempo = 10
	hp.MinAllowedWeights = 1
	hp.WeightsSetRateLimit = 1
	hp.MaxAllowedValidators = 4
	hp.ActivityCutoffOverride, hp.ActivityCutoff = true, 10_000
	hp.CommitRevealEnabled = commitReveal
	if err := dc.CreateSubnet(netuid, devnet.SubnetConfig{Hyperparameters: hp, AutoEpoch: true, EmissionPerBlock: 1e9, Distribute: true}); err != nil {
		t.Fatal(err)
	}
	node := devnet.NewNode(dc)
	key, err := wallet.FromURI("//Alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dc.Register(netuid, key.SS58()); err != nil {
		t.Fatal(err)
	}
	if err := dc.SetStake(netuid, key.SS58(), devnet.Stake{Alpha: 1000e9}); err != nil {
		t.Fatal(err)
	}
	for i, lat := range []time.Duration{time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond} {
		kp, err := wallet.FromURI(fmt.Sprintf("//audit-test-miner-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		m, err := miner.Start(ctx, miner.Config{Keypair: kp, Quality: 1, Latency: lat})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dc.Register(netuid, m.Hotkey()); err != nil {
			t.Fatal(err)
		}
		ip, port := m.Addr()
		if err := node.ServeAxon(netuid, m.Hotkey(), ip, port); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := dc.AdvanceTo(12); err != nil { // first epoch: permits
		t.Fatal(err)
	}
	n := &network{node: node, key: key, dbPath: filepath.Join(t.TempDir(), "records.db")}
	if n.db, err = records.Open(ctx, n.dbPath); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.db.Close() })
	n.subnet, err = validator.NewSubnet(ctx, validator.SubnetConfig{Netuid: netuid, Synapse: "Ping", Body: []byte(`{}`), Timeout: 2 * time.Second},
		validator.SubnetDeps{Chain: node, Key: key, Records: n.db, CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.subnet.Close(context.Background()) })
	sc, err := n.subnet.LoadScorer(ctx, "latency", "1.0.0", latencyWasm)
	if err != nil {
		t.Fatal(err)
	}
	n.subnet.SetScorer(sc)
	return n
}

// rounds runs k rounds, advancing the chain by step blocks before each, and fails on any
// scorer or chain error.
func (n *network) rounds(t *testing.T, k int, step uint64) []*records.Round {
	t.Helper()
	var out []*records.Round
	for range k {
		if _, err := n.node.Advance(step); err != nil {
			t.Fatal(err)
		}
		res, err := n.subnet.RunRound(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if res.ScorerErr != nil || res.TxErr != nil {
			t.Fatalf("round at block %d: scorer %v, tx %v", res.Record.Block, res.ScorerErr, res.TxErr)
		}
		out = append(out, res.Record)
	}
	return out
}

// run audits the network's records.
func (n *network) run(t *testing.T, opts audit.Options) (audit.Summary, []audit.Finding) {
	t.Helper()
	opts.Replay = records.ReplayOptions{CacheDir: cacheDir, Check: validator.CheckWeights}
	var fs []audit.Finding
	sum, err := audit.Run(context.Background(), n.db, n.node, opts, func(f audit.Finding) error {
		fs = append(fs, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		t.Log(f)
	}
	return sum, fs
}

// tamper rewrites the weights document of record id in the database, as a validator lying
// after the fact would: the first weight is changed.
func tamper(t *testing.T, path string, id int64) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var doc string
	if err := db.QueryRow(`SELECT weights FROM rounds WHERE id = ?`, id).Scan(&doc); err != nil {
		t.Fatal(err)
	}
	var w records.Weights
	if err := json.Unmarshal([]byte(doc), &w); err != nil {
		t.Fatal(err)
	}
	w.Weights[0] ^= 0x0101
	b, _ := json.Marshal(w)
	if _, err := db.Exec(`UPDATE rounds SET weights = ? WHERE id = ?`, string(b), id); err != nil {
		t.Fatal(err)
	}
}

func count(fs []audit.Finding, kind string) int {
	n := 0
	for _, f := range fs {
		if f.Kind == kind {
			n++
		}
	}
	return n
}

// TestRun_setWeights: honest set_weights rounds verify on chain and pass; a record whose weights
// were changed afterwards is mismatched (replay and chain both say so, the round counts once);
// a weight setting made with the validator's key outside subnetd is unrecorded.
func TestRun_setWeights(t *testing.T) {
	n := newNetwork(t, false)
	recs := n.rounds(t, 3, 2)

	sum, fs := n.run(t, audit.Options{})
	want := audit.Summary{Rounds: 3, ReplayedIdentical: 3, ChainVerified: 3}
	if sum != want || !sum.OK() || count(fs, audit.Mismatched)+count(fs, audit.Unrecorded) != 0 {
		t.Fatalf("honest records: summary %+v, want %+v", sum, want)
	}

	// A setting outside subnetd, between two recorded rounds.
	if _, err := n.node.Advance(2); err != nil {
		t.Fatal(err)
	}
	outside, err := n.node.SetWeights(context.Background(), n.key, chain.WeightsCall{Netuid: netuid, UIDs: []uint16{1, 2}, Values: []uint16{65535, 7}})
	if err != nil {
		t.Fatal(err)
	}
	n.rounds(t, 1, 2)
	sum, fs = n.run(t, audit.Options{})
	if want := (audit.Summary{Rounds: 4, ReplayedIdentical: 4, ChainVerified: 4, Unrecorded: 1}); sum != want || sum.OK() {
		t.Fatalf("outside setting: summary %+v, want %+v", sum, want)
	}
	if i := slices.IndexFunc(fs, func(f audit.Finding) bool { return f.Kind == audit.Unrecorded }); fs[i].Block != outside.Block || fs[i].Hotkey != n.key.SS58() {
		t.Fatalf("unrecorded finding %+v, want block %d hotkey %s", fs[i], outside.Block, n.key.SS58())
	}
	// Outside the range, the setting is not the audit's business.
	sum, _ = n.run(t, audit.Options{From: recs[0].Block, To: recs[2].Block})
	if want := (audit.Summary{Rounds: 3, ReplayedIdentical: 3, ChainVerified: 3}); sum != want {
		t.Fatalf("range before the outside setting: summary %+v, want %+v", sum, want)
	}

	tamper(t, n.dbPath, recs[1].ID)
	sum, fs = n.run(t, audit.Options{From: recs[0].Block, To: recs[2].Block})
	if want := (audit.Summary{Rounds: 3, ReplayedIdentical: 2, ChainVerified: 2, Mismatched: 1}); sum != want || sum.OK() {
		t.Fatalf("tampered record: summary %+v, want %+v", sum, want)
	}
	var checks []string
	for _, f := range fs {
		if f.Kind == audit.Mismatched {
			if f.Round != recs[1].ID {
				t.Errorf("mismatch on round %d, tampered %d", f.Round, recs[1].ID)
			}
			checks = append(checks, f.Check)
		}
	}
	slices.Sort(checks)
	if !slices.Equal(checks, []string{audit.CheckChain, audit.CheckReplay}) {
		t.Fatalf("tampered round found by %v, want both the chain and the replay", checks)
	}
}

// TestRun_hashCommits: on a commit-reveal subnet the validator commits hashes and reveals them in
// later rounds; each accepted commit is checked against its reveal, and a commit whose reveal has
// not come yet is a note, not a failure.
func TestRun_hashCommits(t *testing.T) {
	n := newNetwork(t, true)
	// Tempo 10, reveal period 1: a commit is revealed in the next epoch, at a later round.
	n.rounds(t, 4, 6)
	sum, fs := n.run(t, audit.Options{})
	if !sum.OK() || sum.Rounds != 4 || sum.ReplayedIdentical != 4 || sum.ChainVerified == 0 {
		t.Fatalf("honest commits: summary %+v", sum)
	}
	if sum.ChainVerified+count(fs, audit.Note)-1 != 4 { // one note: pins not checked (the subnet has no owner)
		t.Fatalf("%d verified and %d notes for 4 commits: %+v", sum.ChainVerified, count(fs, audit.Note)-1, fs)
	}
	first, err := n.db.Get(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if first.Tx == nil || first.Tx.Kind != "commit_weights" {
		t.Fatalf("first round submitted %+v, want a hash commit", first.Tx)
	}
	// Round 2's commit was revealed alone in its block, so the chain shows what was revealed.
	tamper(t, n.dbPath, 2)
	sum, fs = n.run(t, audit.Options{})
	if sum.OK() || sum.Mismatched != 1 || sum.Unrecorded != 0 {
		t.Fatalf("tampered commit: summary %+v, want one mismatched round and nothing unrecorded", sum)
	}
	if !slices.ContainsFunc(fs, func(f audit.Finding) bool {
		return f.Kind == audit.Mismatched && f.Check == audit.CheckChain && f.Round == 2
	}) {
		t.Fatalf("the chain check did not find the tampered commit: %+v", fs)
	}
}

// writePackage writes a manifest for wasm into a new directory and returns its pin.
func writePackage(t *testing.T, wasm []byte) plugins.Pin {
	t.Helper()
	dir := t.TempDir()
	m := plugins.Manifest{Name: "latency", Version: fmt.Sprintf("%x", sha256.Sum256(wasm))[:8], Netuid: netuid, ABI: 1,
		SHA256: fmt.Sprintf("%x", sha256.Sum256(wasm))}
	b, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(dir, plugins.ManifestFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return plugins.Pin{SHA256: sha256.Sum256(b), URL: "file://" + dir}
}

// TestRun_pins: on the devnet, whose Commitments keep their history, rounds scored by the module
// the owner pinned pass; after the owner pins another module, the rounds still scored by the old
// one are unpinned (reported, not failed); a pin whose manifest does not hash to it is a note.
func TestRun_pins(t *testing.T) {
	ctx := context.Background()
	n := newNetwork(t, false)
	owner, err := wallet.FromURI("//audit-test-owner")
	if err != nil {
		t.Fatal(err)
	}
	dc := n.node.Devnet()
	if _, err := dc.Register(netuid, owner.SS58()); err != nil {
		t.Fatal(err)
	}
	if err := dc.SetOwnerHotkey(netuid, owner.SS58()); err != nil {
		t.Fatal(err)
	}
	pin := func(p plugins.Pin) {
		t.Helper()
		fields, err := p.Fields()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.node.SetCommitment(ctx, owner, netuid, fields); err != nil {
			t.Fatal(err)
		}
	}
	good := writePackage(t, latencyWasm)
	other := writePackage(t, append(slices.Clone(latencyWasm), 0))
	pin(good)
	recs := n.rounds(t, 1, 2)
	if _, err := n.node.Advance(1); err != nil {
		t.Fatal(err)
	}
	pin(other) // the daemon still runs the old version: its next round is unpinned
	recs = append(recs, n.rounds(t, 1, 2)...)
	run := func(opts audit.Options) (audit.Summary, []audit.Finding) {
		t.Helper()
		opts.Replay = records.ReplayOptions{CacheDir: cacheDir}
		var fs []audit.Finding
		sum, err := audit.Run(ctx, n.db, n.node, opts, func(f audit.Finding) error { fs = append(fs, f); return nil })
		if err != nil {
			t.Fatal(err)
		}
		return sum, fs
	}
	sum, fs := run(audit.Options{})
	if want := (audit.Summary{Rounds: 2, ReplayedIdentical: 2, ChainVerified: 2, Unpinned: 1}); sum != want || !sum.OK() {
		t.Fatalf("summary %+v, want %+v (%+v)", sum, want, fs)
	}
	if i := slices.IndexFunc(fs, func(f audit.Finding) bool { return f.Kind == audit.Unpinned }); i < 0 || fs[i].Round != recs[1].ID {
		t.Fatalf("findings %+v, want round %d unpinned", fs, recs[1].ID)
	}

	bad := good
	bad.SHA256[0] ^= 1
	pin(bad)
	recs = append(recs, n.rounds(t, 1, 2)...)
	sum, fs = run(audit.Options{From: recs[2].Block, To: recs[2].Block})
	if sum.Unpinned != 0 || count(fs, audit.Note) != 1 || !strings.Contains(fs[0].Detail, "cannot be checked") {
		t.Fatalf("pin with a wrong hash: summary %+v, findings %+v", sum, fs)
	}
}

// TestRun_badRange: a range with no recorded round is an error naming it.
func TestRun_badRange(t *testing.T) {
	n := newNetwork(t, false)
	recs := n.rounds(t, 1, 2)
	_, err := audit.Run(context.Background(), n.db, n.node, audit.Options{From: recs[0].Block + 1, To: recs[0].Block + 5}, nil)
	if err == nil || !strings.Contains(err.Error(), "no recorded round") {
		t.Fatalf("err %v", err)
	}
}
