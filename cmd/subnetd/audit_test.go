package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/subnetd/subnetd/audit"
	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/chain/devnet"
	"github.com/subnetd/subnetd/chain/subtensor"
	"github.com/subnetd/subnetd/internal/miner"
	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/records"
	"github.com/subnetd/subnetd/validator"
	"github.com/subnetd/subnetd/wallet"
)

// auditRun runs `subnetd audit ARGS` with the chain dial gives, and returns the findings, the
// summary (the last stdout line) and the command's error.
func auditRun(t *testing.T, dial auditDialer, args ...string) ([]audit.Finding, audit.Summary, error) {
	t.Helper()
	cmd := newAuditCmdWith(dial)
	var stdout, stderr bytes.Buffer
	cmd.SetOut(&stdout)
	cmd.SetErr(&stderr)
	cmd.SetArgs(args)
	err := cmd.Execute()
	t.Logf("audit %v: err %v\n%s", args, err, stderr.String())
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var sum audit.Summary
	var fs []audit.Finding
	if stdout.Len() == 0 {
		return nil, sum, err
	}
	for _, l := range lines[:len(lines)-1] {
		var f audit.Finding
		if e := json.Unmarshal([]byte(l), &f); e != nil || f.Kind == "" {
			t.Fatalf("finding line %q: %v", l, e)
		}
		fs = append(fs, f)
	}
	dec := json.NewDecoder(strings.NewReader(lines[len(lines)-1]))
	dec.DisallowUnknownFields()
	if e := dec.Decode(&sum); e != nil {
		t.Fatalf("summary line %q: %v", lines[len(lines)-1], e)
	}
	return fs, sum, err
}

// auditTamper changes the first weight of record id in the database at path.
func auditTamper(t *testing.T, path string, id int64) {
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
	w.Weights[len(w.Weights)-1] ^= 0x0101
	b, _ := json.Marshal(w)
	if _, err := db.Exec(`UPDATE rounds SET weights = ? WHERE id = ?`, string(b), id); err != nil {
		t.Fatal(err)
	}
}

// auditScorer builds the latency scorer and returns a validator Subnet on ch running it, recording
// into a new database (its path returned).
func auditScorer(t *testing.T, ch chain.Chain, netuid uint16, key *wallet.Keypair, cache string) (*validator.Subnet, string) {
	t.Helper()
	ctx := context.Background()
	wasmPath, err := plugins.Build(ctx, "../../examples/scorers/latency", plugins.TargetWasm, filepath.Join(t.TempDir(), "latency.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	wasm, _ := os.ReadFile(wasmPath)
	dbPath := filepath.Join(t.TempDir(), "records.db")
	db, err := records.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := validator.NewSubnet(ctx, validator.SubnetConfig{Netuid: netuid, Synapse: "Ping", Body: []byte(`{}`), QueryAll: true, Timeout: 2 * time.Second},
		validator.SubnetDeps{Chain: ch, Key: key, Records: db, CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	sc, err := s.LoadScorer(ctx, "latency", "1.0.0", wasm)
	if err != nil {
		t.Fatal(err)
	}
	s.SetScorer(sc)
	return s, dbPath
}

// auditRound runs one round and fails on any scorer or chain error.
func auditRound(t *testing.T, s *validator.Subnet) *records.Round {
	t.Helper()
	res, err := s.RunRound(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.ScorerErr != nil || res.TxErr != nil {
		t.Fatalf("round at block %d: scorer %v, tx %v", res.Record.Block, res.ScorerErr, res.TxErr)
	}
	return res.Record
}

// TestAuditCmd_devnet: on the devnet, honest records pass (exit 0); a weight setting made with
// the validator's key outside subnetd is unrecorded and a record whose weights were changed in
// the database is mismatched (exit non-zero both times).
func TestAuditCmd_devnet(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const netuid = 3
	dc := devnet.New(1)
	hp := devnet.DefaultHyperparameters()
	hp.Tempo, hp.MinAllowedWeights, hp.WeightsSetRateLimit, hp.MaxAllowedValidators = 10, 1, 1, 4
	hp.ActivityCutoffOverride, hp.ActivityCutoff = true, 10_000
	if err := dc.CreateSubnet(netuid, devnet.SubnetConfig{Hyperparameters: hp, AutoEpoch: true, EmissionPerBlock: 1e9, Distribute: true}); err != nil {
		t.Fatal(err)
	}
	node := devnet.NewNode(dc)
	key, _ := wallet.FromURI("//Alice")
	if _, err := dc.Register(netuid, key.SS58()); err != nil {
		t.Fatal(err)
	}
	if err := dc.SetStake(netuid, key.SS58(), devnet.Stake{Alpha: 1000e9}); err != nil {
		t.Fatal(err)
	}
	for i, lat := range []time.Duration{time.Millisecond, 50 * time.Millisecond} {
		kp, _ := wallet.FromURI(fmt.Sprintf("//audit-cmd-miner-%d", i))
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
	if _, err := dc.AdvanceTo(12); err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(t.TempDir(), "cache")
	s, dbPath := auditScorer(t, node, netuid, key, cache)
	var recs []*records.Round
	for range 3 {
		if _, err := node.Advance(2); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, auditRound(t, s))
	}
	dial := func(context.Context, string, io.Writer) (audit.Chain, func(), error) { return node, func() {}, nil }
	base := []string{"--records", dbPath, "--chain", "devnet", "--cache-dir", cache}

	_, sum, err := auditRun(t, dial, base...)
	if want := (audit.Summary{Rounds: 3, ReplayedIdentical: 3, ChainVerified: 3}); err != nil || sum != want {
		t.Fatalf("honest records: err %v, summary %+v, want %+v", err, sum, want)
	}

	if _, err := node.Advance(2); err != nil {
		t.Fatal(err)
	}
	outside, err := node.SetWeights(ctx, key, chain.WeightsCall{Netuid: netuid, UIDs: []uint16{1}, Values: []uint16{65535}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := node.Advance(2); err != nil {
		t.Fatal(err)
	}
	recs = append(recs, auditRound(t, s))
	fs, sum, err := auditRun(t, dial, base...)
	if want := (audit.Summary{Rounds: 4, ReplayedIdentical: 4, ChainVerified: 4, Unrecorded: 1}); err == nil || sum != want {
		t.Fatalf("outside setting: err %v, summary %+v, want %+v and an error", err, sum, want)
	}
	if len(fs) < 1 || fs[len(fs)-1].Kind != audit.Unrecorded || fs[len(fs)-1].Block != outside.Block {
		t.Fatalf("findings %+v, want the setting at block %d unrecorded", fs, outside.Block)
	}

	auditTamper(t, dbPath, recs[1].ID)
	to := strconv.FormatUint(recs[2].Block, 10)
	_, sum, err = auditRun(t, dial, append(base, "--to", to)...)
	if want := (audit.Summary{Rounds: 3, ReplayedIdentical: 2, ChainVerified: 2, Mismatched: 1}); err == nil || sum != want {
		t.Fatalf("tampered record: err %v, summary %+v, want %+v and an error", err, sum, want)
	}
}

// TestAuditCmd_BadInput: missing or contradictory flags and unreadable records are refused with
// a reason naming them.
func TestAuditCmd_BadInput(t *testing.T) {
	dial := func(context.Context, string, io.Writer) (audit.Chain, func(), error) {
		return nil, nil, fmt.Errorf("not dialled in this test")
	}
	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, []byte("not records\n"), 0o644)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--chain", "ws://x"}, "--records"},
		{[]string{"--records", junk}, "--chain"},
		{[]string{"--records", junk, "--chain", "ws://x", "--from", "9", "--to", "3"}, "--from 9 is after --to 3"},
		{[]string{"--records", junk, "--chain", "ws://x", "--publisher", "5nope"}, "--publisher"},
		{[]string{"--records", junk, "--chain", "ws://x"}, junk},
		{[]string{"--records", filepath.Join(t.TempDir(), "missing.db"), "--chain", "ws://x"}, "missing.db"},
	} {
		_, _, err := auditRun(t, dial, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want it to mention %s", tt.args, err, tt.want)
		}
	}
}

// TestAuditCmd_subtensor does the same on a real subtensor runtime (SUBTENSOR_WS, prepared by
// ../shared/chain-harness/start.sh: //Alice owns the subnet and validates as uid 0): honest
// rounds pass; a round after the owner pins another module is unpinned; a set_weights made
// outside subnetd is unrecorded; a tampered record is mismatched.
func TestAuditCmd_subtensor(t *testing.T) {
	ws := os.Getenv("SUBTENSOR_WS")
	if ws == "" {
		t.Skip("integration test: set SUBTENSOR_WS (and SUBTENSOR_NETUID) to a chain started with ../shared/chain-harness/start.sh")
	}
	n := uint64(2)
	if v := os.Getenv("SUBTENSOR_NETUID"); v != "" {
		var err error
		if n, err = strconv.ParseUint(v, 10, 16); err != nil {
			t.Fatalf("SUBTENSOR_NETUID %q: %v", v, err)
		}
	}
	netuid := uint16(n)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := subtensor.Dial(ctx, ws, subtensor.Options{PollInterval: 50 * time.Millisecond, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	key, _ := wallet.FromURI("//Alice")
	cache := filepath.Join(t.TempDir(), "cache")
	s, dbPath := auditScorer(t, c, netuid, key, cache)
	base := []string{"--records", dbPath, "--chain", ws, "--cache-dir", cache}

	// A pin of a package whose manifest names module (served from a directory, file://).
	pinOf := func(module string) plugins.Pin {
		dir := t.TempDir()
		b, _ := json.Marshal(plugins.Manifest{Name: "latency", Version: module[:8], Netuid: netuid, ABI: 1, SHA256: module})
		if err := os.WriteFile(filepath.Join(dir, plugins.ManifestFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
		return plugins.Pin{SHA256: sha256.Sum256(b), URL: "file://" + dir}
	}
	setPin := func(p plugins.Pin) {
		fields, err := p.Fields()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.SetCommitment(ctx, key, netuid, fields); err != nil {
			t.Fatalf("set commitment: %v", err)
		}
	}
	// The owner pins the module the validator runs, so the honest rounds are checked against it.
	first := auditRound(t, s)
	setPin(pinOf(first.ModuleSHA256))
	recs := []*records.Round{first, auditRound(t, s), auditRound(t, s)}

	fs, sum, err := auditRun(t, dialSubtensor, append(base, "--from", strconv.FormatUint(recs[1].Block, 10))...)
	if want := (audit.Summary{Rounds: 2, ReplayedIdentical: 2, ChainVerified: 2}); err != nil || sum != want {
		t.Fatalf("honest records: err %v, summary %+v, want %+v (%+v)", err, sum, want, fs)
	}

	// The owner pins another module; the next round still runs the old one.
	other := strings.Repeat("ab", 32)
	setPin(pinOf(other))
	recs = append(recs, auditRound(t, s))
	fs, sum, err = auditRun(t, dialSubtensor, append(base, "--from", strconv.FormatUint(recs[1].Block, 10))...)
	if want := (audit.Summary{Rounds: 3, ReplayedIdentical: 3, ChainVerified: 3, Unpinned: 1}); err != nil || sum != want {
		t.Fatalf("after a new pin: err %v, summary %+v, want %+v", err, sum, want)
	}
	if fs[len(fs)-1].Kind != audit.Unpinned || fs[len(fs)-1].Round != recs[3].ID {
		t.Fatalf("findings %+v, want round %d unpinned", fs, recs[3].ID)
	}

	// A setting outside subnetd, then another round.
	outside, err := c.SetWeights(ctx, key, chain.WeightsCall{Netuid: netuid, UIDs: []uint16{0, 1}, Values: []uint16{65535, 9}})
	if err != nil {
		t.Fatal(err)
	}
	recs = append(recs, auditRound(t, s))
	fs, sum, err = auditRun(t, dialSubtensor, append(base, "--from", strconv.FormatUint(recs[1].Block, 10))...)
	if want := (audit.Summary{Rounds: 4, ReplayedIdentical: 4, ChainVerified: 4, Unrecorded: 1, Unpinned: 2}); err == nil || sum != want {
		t.Fatalf("outside setting: err %v, summary %+v, want %+v and an error", err, sum, want)
	}
	found := false
	for _, f := range fs {
		found = found || (f.Kind == audit.Unrecorded && f.Block == outside.Block && f.Hotkey == key.SS58())
	}
	if !found {
		t.Fatalf("findings %+v, want the setting at block %d unrecorded", fs, outside.Block)
	}

	auditTamper(t, dbPath, recs[2].ID)
	fs, sum, err = auditRun(t, dialSubtensor, "--records", dbPath, "--chain", ws, "--cache-dir", cache,
		"--from", strconv.FormatUint(recs[1].Block, 10), "--to", strconv.FormatUint(recs[2].Block, 10))
	if want := (audit.Summary{Rounds: 2, ReplayedIdentical: 1, ChainVerified: 1, Mismatched: 1}); err == nil || sum != want {
		t.Fatalf("tampered record: err %v, summary %+v, want %+v and an error", err, sum, want)
	}
	chainSaw := false
	for _, f := range fs {
		chainSaw = chainSaw || (f.Kind == audit.Mismatched && f.Check == audit.CheckChain && f.Round == recs[2].ID)
	}
	if !chainSaw {
		t.Fatalf("the chain check did not report the tampered round %d: %+v", recs[2].ID, fs)
	}
}
