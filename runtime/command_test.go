package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/subnetd/subnetd/hostfns"
	"github.com/subnetd/subnetd/runtime"
)

// commandScorer packs the Go test command with mode and extra files.
func commandScorer(t testing.TB, mode string, extra map[string][]byte, spec runtime.CommandSpec) []byte {
	t.Helper()
	files := map[string][]byte{"mode": []byte(mode)}
	for k, v := range extra {
		files[k] = v
	}
	if spec.Args == nil {
		spec.Args = []string{"command"}
	}
	wasm, err := runtime.PackCommand(wasmFile(t, "command"), spec, files)
	if err != nil {
		t.Fatal(err)
	}
	return wasm
}

func TestScorer_Score_command(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, runtime.Limits{})
	wasm := commandScorer(t, "score", map[string][]byte{"weights.json": []byte("[0.5, 2]"), "lib/unused.txt": []byte("x")}, runtime.CommandSpec{})
	s := load(t, rt, "cmd", wasm)
	if info := s.Info(); !info.Command || info.HasChallenge || info.Size != len(wasm) {
		t.Fatalf("info = %+v", info)
	}
	round, meta := testRound(t, "")
	res, err := s.Score(ctx, round, meta)
	if err != nil {
		t.Fatal(err)
	}
	want := []runtime.Score{{UID: 3, Score: 0.5}, {UID: 9, Score: 2}}
	if fmt.Sprint(res.Scores.Scores) != fmt.Sprint(want) {
		t.Fatalf("scores = %v, want %v", res.Scores.Scores, want)
	}
	if len(res.Logs) != 1 || res.Logs[0].Text != "scored 2 miners" {
		t.Fatalf("logs = %+v", res.Logs)
	}
	if res.GasUsed == 0 {
		t.Fatal("no gas charged")
	}
	// Same input, same output and gas; a fresh instance each time.
	res2, err := s.Score(ctx, round, meta)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.Output, res2.Output) || res.GasUsed != res2.GasUsed {
		t.Fatalf("second run differs: %q/%d vs %q/%d", res.Output, res.GasUsed, res2.Output, res2.GasUsed)
	}
	if _, err := s.Challenge(ctx, []byte(`{}`), meta); !errors.Is(err, runtime.ErrNoChallenge) {
		t.Fatalf("challenge on a scorer without it: %v", err)
	}
}

func TestScorer_Challenge_command(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, runtime.Limits{})
	s := load(t, rt, "cmd", commandScorer(t, "challenge", nil, runtime.CommandSpec{Challenge: true}))
	if !s.Info().HasChallenge {
		t.Fatal("HasChallenge = false")
	}
	round, meta := testRound(t, "")
	res, err := s.Challenge(ctx, round, meta)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := runtime.ParseChallenge(res.Output); err != nil || c.Synapse != "Ping" {
		t.Fatalf("challenge = %q, %v", res.Output, err)
	}
}

func TestScorer_Score_commandArgsEnv(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, runtime.Limits{})
	spec := runtime.CommandSpec{Args: []string{"prog", "-x", "a b"}, Env: []string{"K=v=w", "SCORER_DIR=/data"}, FilesDir: "/data"}
	s := load(t, rt, "cmd", commandScorer(t, "echo-env", nil, spec))
	round, meta := testRound(t, "")
	// echo-env's output is not Scores: the run succeeds and validation refuses it.
	res, err := s.Score(ctx, round, meta)
	if !errors.Is(err, runtime.ErrBadOutput) {
		t.Fatalf("err = %v", err)
	}
	var got struct{ Args, Env []string }
	if err := json.Unmarshal(res.Output, &got); err != nil {
		t.Fatalf("output %q: %v", res.Output, err)
	}
	wantArgs := []string{"prog", "-x", "a b", "score"}
	wantEnv := []string{"SUBNETD_ABI=1", "SUBNETD_CALL=score", "K=v=w", "SCORER_DIR=/data"}
	if fmt.Sprint(got.Args) != fmt.Sprint(wantArgs) || fmt.Sprint(got.Env) != fmt.Sprint(wantEnv) {
		t.Fatalf("args %q env %q, want %q %q", got.Args, got.Env, wantArgs, wantEnv)
	}
}

func TestScorer_Score_commandHostile(t *testing.T) {
	ctx := context.Background()
	lim := runtime.Limits{Gas: 300_000_000, Timeout: 30 * time.Second, MaxOutputBytes: 1 << 20}
	rt := newRuntime(t, lim)
	tests := []struct {
		mode string
		want error
		msg  string
	}{
		{"loop", runtime.ErrOutOfGas, "used 300"},
		{"exit3", hostfns.ErrExit, "status 3 (scorer said: ValueError: bad)"},
		{"flood", runtime.ErrBadOutput, "stdout exceeds the output cap"},
		{"stderr-flood", hostfns.ErrExit, "scorer said: last words"},
		{"escape", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			s := load(t, rt, "cmd-"+tc.mode, commandScorer(t, tc.mode, nil, runtime.CommandSpec{}))
			round, meta := testRound(t, "")
			res, err := s.Score(ctx, round, meta)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want %v containing %q on one line", err, tc.want, tc.msg)
			}
			if res != nil && len(res.Logs) > lim.Log.MaxLines && lim.Log.MaxLines > 0 {
				t.Fatalf("%d log lines kept", len(res.Logs))
			}
			if res != nil && len(res.Output) > 1<<20 {
				t.Fatalf("output of %d bytes kept", len(res.Output))
			}
		})
	}
}
