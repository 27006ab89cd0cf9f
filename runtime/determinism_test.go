package runtime_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/subnetd/subnetd/runtime"
)

// determinismCases are the scorer calls whose output bytes must never vary.
func determinismCases(t testing.TB) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Config{CacheDir: cacheDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	out := map[string][]byte{}
	for _, c := range []struct{ scorer, mode string }{{"hostile", "clock"}, {"quality", ""}, {"latency", ""}} {
		s := load(t, rt, c.scorer, wasmFile(t, c.scorer))
		round, meta := testRound(t, c.mode)
		if c.scorer == "quality" {
			round, meta, err = qualityRound(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
		}
		res, err := s.Score(ctx, round, meta)
		if err != nil {
			t.Fatalf("%s: %v", c.scorer, err)
		}
		// The output bytes and the gas used: both must replay identically.
		out[c.scorer+"/"+c.mode] = fmt.Appendf(bytes.Clone(res.Output), "|gas=%d", res.GasUsed)
	}
	// A WASI command scorer: argv, environment, stdin, a directory listing and file reads.
	s := load(t, rt, "command", commandScorer(t, "score", map[string][]byte{"weights.json": []byte("[0.5,2,7]")}, runtime.CommandSpec{}))
	round, meta := testRound(t, "")
	res, err := s.Score(ctx, round, meta)
	if err != nil {
		t.Fatalf("command: %v", err)
	}
	out["command/score"] = fmt.Appendf(bytes.Clone(res.Output), "|gas=%d", res.GasUsed)
	return out
}

// qualityRound asks the quality scorer for its challenge and answers it with a spread of answers.
func qualityRound(ctx context.Context, s *runtime.Scorer) ([]byte, runtime.RoundMeta, error) {
	r := runtime.Round{Netuid: 3, Block: 99, BlockTimeMs: 1_700_000_000_000}
	for i := range r.Seed {
		r.Seed[i] = byte(255 - i)
	}
	for uid := uint16(0); uid < 64; uid++ {
		r.Miners = append(r.Miners, runtime.Miner{UID: uid, Hotkey: "5X" + string(rune('A'+uid%26)), Stake: float64(uid)})
	}
	req, meta, err := r.EncodeChallengeRequest()
	if err != nil {
		return nil, meta, err
	}
	res, err := s.Challenge(ctx, req, meta)
	if err != nil {
		return nil, meta, err
	}
	c, err := runtime.ParseChallenge(res.Output)
	if err != nil {
		return nil, meta, err
	}
	r.Challenge = c.Body
	for i := range r.Miners {
		r.Miners[i].Status = 200
		r.Miners[i].LatencyMs = float64(i) * 3.7
		r.Miners[i].Response = json.RawMessage(`{"answer":` + strings.Repeat("1", 1+i%6) + `.25}`)
	}
	return r.Encode()
}

func TestScorer_Score_deterministic(t *testing.T) {
	first := determinismCases(t)
	// Fresh runtimes, fresh instances, many runs: the same bytes every time.
	for run := 0; run < 5; run++ {
		again := determinismCases(t)
		for k, v := range first {
			if !bytes.Equal(v, again[k]) {
				t.Fatalf("run %d: %s differs:\n%s\n%s", run, k, v, again[k])
			}
		}
	}
	ctx := context.Background()
	rt := newRuntime(t, runtime.Limits{})
	s := load(t, rt, "hostile", wasmFile(t, "hostile"))
	round, meta := testRound(t, "clock")
	for i := 0; i < 50; i++ {
		res, err := s.Score(ctx, round, meta)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Appendf(bytes.Clone(res.Output), "|gas=%d", res.GasUsed); !bytes.Equal(got, first["hostile/clock"]) {
			t.Fatalf("call %d differs: %s", i, res.Output)
		}
	}
	// And in another process.
	cmd := exec.Command(os.Args[0], "-test.run=^TestDeterminismChild$", "-test.v")
	cmd.Env = append(os.Environ(), "SUBNETD_TEST_CHILD=1", "SUBNETD_TEST_WASM_DIR="+wasmDir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	for k, v := range first {
		if !bytes.Contains(out, []byte(k+"="+hex.EncodeToString(v))) {
			t.Fatalf("child process produced different bytes for %s:\n%s", k, out)
		}
	}
}

func TestDeterminismChild(t *testing.T) {
	if os.Getenv("SUBNETD_TEST_CHILD") == "" {
		t.Skip("run by TestScorer_Score_deterministic in a child process")
	}
	for k, v := range determinismCases(t) {
		t.Logf("%s=%s", k, hex.EncodeToString(v))
	}
	os.Stdout.Sync()
}

// The clock reads the round's block time and random numbers follow the round seed.
func TestScorer_Score_clockAndSeed(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, runtime.Limits{})
	s := load(t, rt, "hostile", wasmFile(t, "hostile"))
	round, meta := testRound(t, "clock")
	res, err := s.Score(ctx, round, meta)
	if err != nil {
		t.Fatal(err)
	}
	// testRound's block time is 1_764_000_000_123 ms: the scorer scores now.UnixMilli()%1000.
	if res.Scores.Scores[0].Score != 123 {
		t.Fatalf("clock did not read the block time: %s", res.Output)
	}
	fields := strings.Split(string(res.Scores.State), "|")
	if len(fields) != 5 || fields[0] != "1764000000123000000" {
		t.Fatalf("state %q: want the block time in nanoseconds first", res.Scores.State)
	}
	// A 10 ms sleep costs no wall time but the monotonic clock moves by it (plus 1 µs per read).
	if el, err := strconv.ParseInt(fields[1], 10, 64); err != nil || el < 10_000_000 || el > 10_100_000 {
		t.Fatalf("state %q: a 10ms sleep was seen as %s ns", res.Scores.State, fields[1])
	}
	meta.Seed[0] ^= 1
	res2, err := s.Score(ctx, round, meta)
	if err != nil {
		t.Fatal(err)
	}
	f2 := strings.Split(string(res2.Scores.State), "|")
	if f2[2] == fields[2] || f2[3] == fields[3] {
		t.Fatalf("another seed gave the same random numbers: %q vs %q", res.Scores.State, res2.Scores.State)
	}
}
