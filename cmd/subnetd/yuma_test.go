package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/subnetd/subnetd/internal/testvectors"
)

// yumaSharedDir is the repository's copy of the shared Yuma scenario vectors.
func yumaSharedDir(t *testing.T) string {
	t.Helper()
	return testvectors.Path(t, "yuma")
}

// TestYumaCmd runs every shipped scenario through the cobra command with
// --check: stdout carries only JSON lines, and every expectation passes.
func TestYumaCmd(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(yumaSharedDir(t), "*.json"))
	for _, f := range files {
		if filepath.Base(f) == "math_unit_tests.json" {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			cmd := newYumaCmd()
			var out, errb bytes.Buffer
			cmd.SetOut(&out)
			cmd.SetErr(&errb)
			cmd.SetArgs([]string{"--input", f, "--check"})
			if err := cmd.Execute(); err != nil {
				t.Fatalf("%v\n%s", err, errb.String())
			}
			for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				if !strings.HasPrefix(l, `{"step":`) {
					t.Fatalf("stdout line is not an epoch object: %.80s", l)
				}
			}
		})
	}
}

func TestYumaCmd_Errors(t *testing.T) {
	for _, args := range [][]string{{}, {"--input", "/nonexistent.json"}} {
		cmd := newYumaCmd()
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		cmd.SetArgs(args)
		if err := cmd.Execute(); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
