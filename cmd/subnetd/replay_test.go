package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/records"
	"github.com/subnetd/subnetd/runtime"
)

// replayTestDB records rounds scored by the latency scorer; with tamper, the last one's scores
// are altered after the fact.
func replayTestDB(t *testing.T, dir string, wasm []byte, cache string, tamper bool) string {
	t.Helper()
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Config{CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	s, err := rt.Load(ctx, "latency", wasm)
	if err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "records.db")
	db, err := records.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sha, _ := db.PutModule(ctx, "latency", wasm)
	lim, _ := json.Marshal(rt.Limits())
	for i := 0; i < 2; i++ {
		r := runtime.Round{Netuid: 1, Block: uint64(10 + i), BlockHash: "0x01", Challenge: json.RawMessage(`{}`),
			Miners: []runtime.Miner{{UID: 1, Hotkey: "5A", Status: 200, LatencyMs: 12, Response: json.RawMessage(`{"x":1}`)}}}
		b, meta, err := r.Encode()
		if err != nil {
			t.Fatal(err)
		}
		out, err := s.Score(ctx, b, meta)
		if err != nil {
			t.Fatal(err)
		}
		scores := out.Output
		if tamper && i == 1 {
			scores = bytes.Replace(scores, []byte(`"score":0.`), []byte(`"score":0.5`), 1)
		}
		rec := &records.Round{Netuid: 1, Block: r.Block, Scorer: "latency", ModuleSHA256: sha, Engine: "wazero",
			Limits: lim, RoundBytes: b, ScoresBytes: scores}
		if err := db.Append(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	return dbPath
}

func TestReplayCmd(t *testing.T) {
	dir := t.TempDir()
	wasmPath, err := plugins.Build(context.Background(), "../../examples/scorers/latency", plugins.TargetWasm, filepath.Join(dir, "latency.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	wasm, _ := os.ReadFile(wasmPath)
	cache := filepath.Join(dir, "cache")
	for _, tamper := range []bool{false, true} {
		t.Run(map[bool]string{false: "identical", true: "tampered"}[tamper], func(t *testing.T) {
			dbPath := replayTestDB(t, t.TempDir(), wasm, cache, tamper)
			var stdout, stderr bytes.Buffer
			cmd := newReplayCmd()
			export := filepath.Join(t.TempDir(), "export.jsonl")
			cmd.SetArgs([]string{"--records", dbPath, "--cache-dir", cache, "--export", export})
			cmd.SetOut(&stdout)
			cmd.SetErr(&stderr)
			err := cmd.Execute()
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			if len(lines) != 3 {
				t.Fatalf("want 2 round lines and a summary, got %q", stdout.String())
			}
			var sum struct {
				Summary records.ReplaySummary `json:"summary"`
			}
			if err := json.Unmarshal([]byte(lines[2]), &sum); err != nil {
				t.Fatal(err)
			}
			if set, err := records.ReadFile(export); err != nil || len(set.Rounds) != 2 {
				t.Fatalf("export: %v", err)
			}
			if !tamper {
				if err != nil || !sum.Summary.AllMatch || sum.Summary.Identical != 2 {
					t.Fatalf("err %v, summary %+v", err, sum.Summary)
				}
				return
			}
			if !errors.Is(err, errReplayMismatch) || sum.Summary.Different != 1 {
				t.Fatalf("err %v, summary %+v", err, sum.Summary)
			}
			if !strings.Contains(lines[1], `"verdict":"different"`) || !strings.Contains(lines[1], "uid 1: recorded score 0.5") {
				t.Fatalf("round line %s", lines[1])
			}
		})
	}
}

func TestReplayCmd_errors(t *testing.T) {
	for _, args := range [][]string{{}, {"--records", "/nonexistent/records.db"}, {"--records", "x", "--engine", "v8"}} {
		cmd := newReplayCmd()
		cmd.SetArgs(args)
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		if err := cmd.Execute(); err == nil {
			t.Errorf("replay %v succeeded", args)
		}
	}
}

// TestReplayCmd_oldRelease replays the database and the export written by an earlier release
// (records/testdata/README.md), weights check included: every round is identical, and a weight
// altered in the old database is caught by the live emit code.
func TestReplayCmd_oldRelease(t *testing.T) {
	old, err := os.ReadFile("../../records/testdata/v0-main-eb573ce.db")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "old.db")
	if err := os.WriteFile(dbPath, old, 0o644); err != nil {
		t.Fatal(err)
	}
	replay := func(path string) (records.ReplaySummary, string, error) {
		var stdout bytes.Buffer
		cmd := newReplayCmd()
		cmd.SetArgs([]string{"--records", path, "--cache-dir", "", "--quiet"})
		cmd.SetOut(&stdout)
		cmd.SetErr(&bytes.Buffer{})
		err := cmd.Execute()
		lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
		var sum struct {
			Summary records.ReplaySummary `json:"summary"`
		}
		if jerr := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); jerr != nil {
			t.Fatalf("summary line %q: %v", lines[len(lines)-1], jerr)
		}
		return sum.Summary, stdout.String(), err
	}
	for _, path := range []string{dbPath, "../../records/testdata/v0-main-eb573ce.jsonl"} {
		sum, _, err := replay(path)
		if err != nil || !sum.AllMatch || sum.Identical != 12 {
			t.Fatalf("%s: summary %+v, %v", path, sum, err)
		}
	}
	sdb, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	res, err := sdb.Exec(`UPDATE rounds SET weights = replace(weights, '"weights":[65535', '"weights":[65534') WHERE id = 1`)
	sdb.Close()
	if n, _ := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("tamper: %v", err)
	}
	sum, out, err := replay(dbPath)
	if !errors.Is(err, errReplayMismatch) || sum.Different != 1 || !strings.Contains(out, "weights: recorded uids") {
		t.Fatalf("tampered weights: summary %+v, %v\n%s", sum, err, out)
	}
}
