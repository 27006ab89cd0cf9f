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
			if max := rt.Limits().Log.MaxLines; len(res.Logs) > max || (tc.mode == "stderr-flood" && (len(res.Logs) != max || res.LogsDropped != 3001-max)) {
				t.Fatalf("%d log lines kept, %d dropped (cap %d)", len(res.Logs), res.LogsDropped, max)
			}
			for _, l := range res.Logs {
				if len(l.Text) > rt.Limits().Log.MaxLineBytes+len("…") {
					t.Fatalf("log line of %d bytes kept", len(l.Text))
				}
			}
			if len(res.Output) > 1<<20 {
				t.Fatalf("output of %d bytes kept", len(res.Output))
			}
		})
	}
}

// Ten command scorers that differ only in their files share one compiled module: custom
// sections do not change code, and the cache is keyed by the module without them.
func TestRuntime_Load_commandCompilesOnce(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, runtime.Limits{})
	round, meta := testRound(t, "")
	seen := map[string]bool{}
	for i := range 10 {
		w := fmt.Sprintf("[%d]", i+1)
		s := load(t, rt, fmt.Sprint("cmd", i), commandScorer(t, "score", map[string][]byte{"weights.json": []byte(w)}, runtime.CommandSpec{}))
		if seen[s.Info().SHA256] {
			t.Fatalf("scorer %d has the sha256 of an earlier one", i)
		}
		seen[s.Info().SHA256] = true
		res, err := s.Score(ctx, round, meta)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Scores.Scores[0].Score; got != float64(i+1) {
			t.Fatalf("scorer %d scored %v: it ran another scorer's files", i, got)
		}
	}
	if n := rt.Compiles(); n != 1 {
		t.Fatalf("%d compiles for ten scorers sharing code, want 1", n)
	}
}

func TestPackCommand(t *testing.T) {
	mod := wasmFile(t, "command")
	spec := runtime.CommandSpec{Args: []string{"p"}}
	a, err := runtime.PackCommand(mod, spec, map[string][]byte{"b/c": []byte("1"), "a": []byte("2")})
	if err != nil {
		t.Fatal(err)
	}
	// Same inputs, same bytes; packing again replaces the sections rather than adding.
	b, err := runtime.PackCommand(a, spec, map[string][]byte{"a": []byte("2"), "b/c": []byte("1")})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("PackCommand is not deterministic or does not replace its sections")
	}
	sa, _ := runtime.StripCustomSections(a)
	sm, _ := runtime.StripCustomSections(mod)
	if !bytes.Equal(sa, sm) || len(sa) >= len(a) {
		t.Fatal("stripping a packed module does not give the stripped original")
	}
	bad := []struct {
		name  string
		spec  runtime.CommandSpec
		files map[string][]byte
		msg   string
	}{
		{"no args", runtime.CommandSpec{}, nil, "args is empty"},
		{"host env", runtime.CommandSpec{Args: []string{"p"}, Env: []string{"SUBNETD_CALL=x"}}, nil, "sets SUBNETD_CALL"},
		{"env no =", runtime.CommandSpec{Args: []string{"p"}, Env: []string{"K"}}, nil, "not KEY=VALUE"},
		{"relative dir", runtime.CommandSpec{Args: []string{"p"}, FilesDir: "scorer"}, nil, "files_dir"},
		{"root dir", runtime.CommandSpec{Args: []string{"p"}, FilesDir: "/"}, nil, "files_dir"},
		{"dotdot", spec, map[string][]byte{"../x": nil}, "not a clean relative path"},
		{"absolute", spec, map[string][]byte{"/etc/x": nil}, "not a clean relative path"},
		{"unclean", spec, map[string][]byte{"a//b": nil}, "not a clean relative path"},
		{"file and dir", spec, map[string][]byte{"a": nil, "a/b": nil}, "also a directory"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runtime.PackCommand(mod, tc.spec, tc.files)
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want %q", err, tc.msg)
			}
		})
	}
	if _, err := runtime.StripCustomSections([]byte("nope")); !errors.Is(err, runtime.ErrMalformed) {
		t.Fatalf("strip garbage: %v", err)
	}
}

func TestScreen_command(t *testing.T) {
	mod := wasmFile(t, "command")
	if _, err := runtime.Screen(mod, runtime.Limits{}); !errors.Is(err, runtime.ErrMissingCommand) || !strings.Contains(err.Error(), runtime.SectionCommand) {
		t.Fatalf("command without its spec: %v", err)
	}
	bad := appendCustom(mod, runtime.SectionCommand, []byte(`{"args":["p"],"extra":1}`))
	if _, err := runtime.Screen(bad, runtime.Limits{}); !errors.Is(err, runtime.ErrBadCommand) || !strings.Contains(err.Error(), "extra") {
		t.Fatalf("unknown spec field: %v", err)
	}
	bad = appendCustom(appendCustom(mod, runtime.SectionCommand, []byte(`{"args":["p"]}`)), runtime.SectionFiles, []byte("not a tar archive, just some bytes that go on for a while......................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................"))
	if _, err := runtime.Screen(bad, runtime.Limits{}); !errors.Is(err, runtime.ErrBadCommand) || !strings.Contains(err.Error(), runtime.SectionFiles) {
		t.Fatalf("bad archive: %v", err)
	}
	ok := appendCustom(mod, runtime.SectionCommand, []byte(`{"args":["p"],"challenge":true}`))
	info, err := runtime.Screen(ok, runtime.Limits{})
	if err != nil || !info.Command || !info.HasChallenge || info.HasInitialize {
		t.Fatalf("info %+v, err %v", info, err)
	}
	// A reactor stays a reactor: the Go examples export no _start.
	info, err = runtime.Screen(wasmFile(t, "latency"), runtime.Limits{})
	if err != nil || info.Command {
		t.Fatalf("reactor: info %+v, err %v", info, err)
	}
}

// appendCustom appends a custom section without any checks (PackCommand refuses bad specs).
func appendCustom(mod []byte, name string, payload []byte) []byte {
	body := append([]byte{byte(len(name))}, name...)
	body = append(body, payload...)
	out := append(bytes.Clone(mod), 0)
	for n := len(body); ; n >>= 7 {
		if n < 0x80 {
			out = append(out, byte(n))
			break
		}
		out = append(out, byte(n&0x7f|0x80))
	}
	return append(out, body...)
}
