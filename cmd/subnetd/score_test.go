package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/subnetd/subnetd/plugins"
)

// runCLI runs the subnetd command line in-process.
func runCLI(args ...string) (stdout, stderr string, err error) {
	var out, errb bytes.Buffer
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errb)
	err = root.ExecuteContext(context.Background())
	return out.String(), errb.String(), err
}

func TestScoreCmd(t *testing.T) {
	dir := t.TempDir()
	wasm, err := plugins.Build(context.Background(), "../../examples/scorers/latency", plugins.TargetWasm, filepath.Join(dir, "latency.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	round := "../../examples/rounds/latency.json"
	cache := filepath.Join(dir, "cache")

	out, _, err := runCLI("score", "--plugin", wasm, "--round", round, "--cache-dir", cache)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Scores []struct {
			UID   int
			Score float64
		}
		State []byte
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("stdout %q is not Scores JSON: %v", out, err)
	}
	if len(s.Scores) != 4 || !(s.Scores[0].Score > s.Scores[1].Score && s.Scores[1].Score > 0) || s.Scores[2].Score != 0 || len(s.State) == 0 {
		t.Fatalf("scores %+v", s)
	}
	again, _, err := runCLI("score", "--plugin", wasm, "--round", round, "--no-cache")
	if err != nil || again != out {
		t.Fatalf("second run differs (%v):\n%s\n%s", err, out, again)
	}

	notWasm := filepath.Join(dir, "x.wasm")
	os.WriteFile(notWasm, []byte("hello"), 0o600)
	badRound := filepath.Join(dir, "bad.json")
	os.WriteFile(badRound, []byte(`{"abi":1,"seed":"0x1234","miners":[]}`), 0o600)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"not a module", []string{"--plugin", notWasm, "--round", round}, "invalid scorer module: malformed module"},
		{"missing plugin", []string{"--plugin", filepath.Join(dir, "none.wasm"), "--round", round}, "read plugin"},
		{"bad round", []string{"--plugin", wasm, "--round", badRound}, "seed"},
		{"unknown engine", []string{"--plugin", wasm, "--round", round, "--engine", "v8"}, `engine "v8"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := runCLI(append([]string{"score", "--cache-dir", cache}, tc.args...)...)
			if err == nil || out != "" {
				t.Fatalf("want failure with empty stdout, got %q, %v", out, err)
			}
			if msg := oneLine(err); !strings.Contains(msg, tc.want) {
				t.Fatalf("error %q, want %q", msg, tc.want)
			}
		})
	}
}
