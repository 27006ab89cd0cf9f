package records

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/runtime"
)

// latencyWasm is the example latency scorer, built once for the package's tests; testScorer is it
// loaded in testRT; cacheDir keeps compiled code so every replay in the tests compiles it only once.
var (
	latencyWasm []byte
	testRT      *runtime.Runtime
	testScorer  *runtime.Scorer
	cacheDir    string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "records-test")
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
	ctx := context.Background()
	if testRT, err = runtime.New(ctx, runtime.Config{CacheDir: cacheDir}); err != nil {
		panic(err)
	}
	if testScorer, err = testRT.Load(ctx, "latency", latencyWasm); err != nil {
		panic(err)
	}
	code := m.Run()
	testRT.Close(ctx)
	os.RemoveAll(dir)
	os.Exit(code)
}

// scoredRound runs the latency scorer on a small round and returns a record of it.
func scoredRound(t *testing.T, db *DB, block uint64, state []byte) *Round {
	t.Helper()
	ctx := context.Background()
	rt, s := testRT, testScorer
	round := runtime.Round{Netuid: 3, Block: block, BlockHash: "0x01", BlockTimeMs: 1_700_000_000_000,
		Validator: runtime.Validator{UID: 0, Hotkey: "5V"}, Challenge: json.RawMessage(`{"q":1}`), State: state,
		Miners: []runtime.Miner{
			{UID: 1, Hotkey: "5A", Status: 200, LatencyMs: 20, Response: json.RawMessage(`{"answer":1}`)},
			{UID: 2, Hotkey: "5B", Status: 408, LatencyMs: 1000},
			{UID: 3, Hotkey: "5C", Status: 200, LatencyMs: 400, Response: json.RawMessage(`{"answer":2}`)},
		}}
	round.Seed[0] = byte(block)
	b, meta, err := round.Encode()
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Score(ctx, b, meta)
	if err != nil {
		t.Fatal(err)
	}
	lim, _ := json.Marshal(rt.Limits())
	sha, err := db.PutModule(ctx, "latency", latencyWasm)
	if err != nil {
		t.Fatal(err)
	}
	return &Round{Netuid: 3, Block: block, BlockHash: "0x01", BlockTimeMs: 1_700_000_000_000, Seed: "0x00",
		ValidatorHotkey: "5V", Scorer: "latency", ModuleSHA256: sha, Engine: string(rt.Engine()),
		EngineVersion: rt.EngineVersion(), MeterVersion: rt.MeterVersion(), GasUsed: res.GasUsed,
		Limits: lim, Synapse: "Ping", RoundBytes: b, ScoresBytes: res.Output,
		Miners: 3, Answered: 2, Weights: &Weights{UIDs: []uint16{1, 3}, Weights: []uint16{65535, 30000}}}
}

func openTemp(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestDB_Append(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	r1 := scoredRound(t, db, 10, nil)
	if err := db.Append(ctx, r1); err != nil {
		t.Fatal(err)
	}
	st, err := r1.State()
	if err != nil || len(st) == 0 {
		t.Fatalf("latency scorer returned no state: %v", err)
	}
	r2 := scoredRound(t, db, 20, st)
	if err := db.Append(ctx, r2); err != nil {
		t.Fatal(err)
	}
	if r1.ID != 1 || r2.ID != 2 {
		t.Fatalf("ids %d, %d", r1.ID, r2.ID)
	}
	got, err := db.Get(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.RoundBytes, r2.RoundBytes) || !bytes.Equal(got.ScoresBytes, r2.ScoresBytes) ||
		got.Block != 20 || got.Engine != r2.Engine || !reflect.DeepEqual(got.Weights, r2.Weights) ||
		got.GasUsed == 0 || got.GasUsed != r2.GasUsed || got.MeterVersion != r2.MeterVersion {
		t.Fatalf("round read back differs: %+v", got)
	}
	if err := got.Check(); err != nil {
		t.Fatal(err)
	}
	last, err := db.LastState(ctx, 3, "5V")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := r2.State()
	if !bytes.Equal(last, want) {
		t.Fatalf("LastState = %q, want %q", last, want)
	}
	if _, err := db.Get(ctx, 99); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get(99) err = %v, want ErrNotFound", err)
	}
	if n, _ := db.Count(ctx); n != 2 {
		t.Fatalf("Count = %d", n)
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestReplay(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	good := scoredRound(t, db, 10, nil)
	if err := db.Append(ctx, good); err != nil {
		t.Fatal(err)
	}
	// A record whose scores were altered after the fact (and re-sealed, so only replay can tell).
	bad := scoredRound(t, db, 11, nil)
	bad.ScoresBytes = bytes.Replace(bad.ScoresBytes, []byte(`"uid":3,"score":0.`), []byte(`"uid":3,"score":0.9`), 1)
	if err := db.Append(ctx, bad); err != nil {
		t.Fatal(err)
	}
	// A record whose gas figure does not follow from its module and Round.
	gas := scoredRound(t, db, 12, nil)
	gas.GasUsed++
	if err := db.Append(ctx, gas); err != nil {
		t.Fatal(err)
	}
	var results []ReplayResult
	sum, err := Replay(ctx, db, ReplayOptions{CacheDir: cacheDir}, func(r ReplayResult) error { results = append(results, r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("gas: recorded %d, replay %d", gas.GasUsed, gas.GasUsed-1); len(results) != 3 ||
		len(results[2].Differences) != 1 || results[2].Differences[0] != want {
		t.Fatalf("round 3: %+v, want %q", results, want)
	}
	if sum.Rounds != 3 || sum.Identical != 1 || sum.Different != 2 || sum.AllMatch {
		t.Fatalf("summary %+v", sum)
	}
	if !results[0].Match() {
		t.Fatalf("round 1: %+v", results[0])
	}
	if results[1].Verdict != Different || len(results[1].Differences) == 0 || !strings.HasPrefix(results[1].Differences[0], "uid 3: recorded score 0.9") {
		t.Fatalf("round 2: %+v", results[1])
	}
}

func TestReplay_missingModule(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	r := scoredRound(t, db, 10, nil)
	set := &Set{Modules: map[string]Module{}, Rounds: []*Round{r}}
	r.Seal()
	sum, err := Replay(ctx, set, ReplayOptions{CacheDir: cacheDir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed != 1 || sum.AllMatch {
		t.Fatalf("summary %+v", sum)
	}
}

func TestDB_Export(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	for b := uint64(1); b <= 3; b++ {
		if err := db.Append(ctx, scoredRound(t, db, b, nil)); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "export.jsonl")
	if err := db.ExportFile(ctx, path); err != nil {
		t.Fatal(err)
	}
	src, closer, err := OpenSource(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	set := src.(*Set)
	if len(set.Rounds) != 3 || len(set.Modules) != 1 {
		t.Fatalf("export holds %d rounds, %d modules", len(set.Rounds), len(set.Modules))
	}
	sum, err := Replay(ctx, set, ReplayOptions{CacheDir: cacheDir}, nil)
	if err != nil || !sum.AllMatch || sum.Identical != 3 {
		t.Fatalf("replay of export: %+v, %v", sum, err)
	}
	// Import into a fresh database and compare every round.
	db2 := openTemp(t)
	if err := db2.Import(ctx, set); err != nil {
		t.Fatal(err)
	}
	for id := int64(1); id <= 3; id++ {
		a, _ := db.Get(ctx, id)
		b, err := db2.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			t.Fatalf("round %d differs after import:\n%s\n%s", id, ja, jb)
		}
	}
	if err := db2.Import(ctx, set); err == nil {
		t.Fatal("importing the same ids twice succeeded")
	}
}

func TestRead(t *testing.T) {
	tests := []struct {
		name, in string
		want     error
	}{
		{"empty", "", ErrBadFormat},
		{"no header", `{"round":{}}` + "\n", ErrBadFormat},
		{"future version", `{"format":"subnetd-records","version":9}` + "\n", ErrBadFormat},
		{"bad module hash", `{"format":"subnetd-records","version":1}` + "\n" + `{"module":{"sha256":"00","name":"x","wasm":"AA=="}}` + "\n", ErrIntegrity},
		{"neither", `{"format":"subnetd-records","version":1}` + "\n{}\n", ErrBadFormat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tc.in))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestRound_Check(t *testing.T) {
	r := &Round{RoundBytes: []byte(`{"abi":1}`), ScoresBytes: []byte(`{"scores":[]}`)}
	r.Seal()
	if err := r.Check(); err != nil {
		t.Fatal(err)
	}
	r.RoundBytes = []byte(`{"abi":2}`)
	if err := r.Check(); !errors.Is(err, ErrIntegrity) {
		t.Fatalf("err = %v", err)
	}
}
