package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/subnetd/subnetd/plugins"
)

// TestPluginNew_Binary is the new author's first five minutes, as the issue asks: the subnetd
// binary alone, in an empty directory outside the repository, with only the language's
// toolchain: plugin new, then plugin test, build and bench must work at once, for every
// language of this build whose toolchain is present. AssemblyScript runs the real npm install
// of the pinned compiler (the npm registry must be reachable). The environment is the caller's
// (GOFLAGS=-mod=mod and GOPROXY as given), but nothing points back at this checkout.
func TestPluginNew_Binary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and every starter project")
	}
	ctx := context.Background()
	bin := filepath.Join(t.TempDir(), "subnetd")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	run := func(t *testing.T, dir string, args ...string) (string, string) {
		t.Helper()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("subnetd %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return stdout.String(), stderr.String()
	}
	for _, l := range plugins.Languages() {
		t.Run(string(l.Name()), func(t *testing.T) {
			work := t.TempDir() // empty, outside the repository
			if err := l.Toolchain(ctx, work); err != nil {
				t.Skipf("%v", err)
			}
			name := "my-" + string(l.Name())
			run(t, work, "plugin", "new", name, "--lang", string(l.Name()))
			if _, errOut := run(t, work, "plugin", "test", name); !strings.Contains(errOut, "1 passed, 0 failed") {
				t.Fatalf("plugin test of a new %s project:\n%s", l.Name(), errOut)
			}
			out, _ := run(t, work, "plugin", "build", name)
			if got := strings.TrimSpace(out); !strings.HasSuffix(got, filepath.Join(name, name+".wasm")) {
				t.Errorf("plugin build printed %q", got)
			} else if _, err := os.Stat(got); err != nil {
				t.Errorf("plugin build printed %q: %v", got, err)
			}
			out, _ = run(t, work, "plugin", "bench", name, "--miners", "16", "--min-time", "20ms")
			var rep map[string]any
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("bench line %q: %v", out, err)
			}
			for _, k := range []string{"miners", "wasm_ns_per_call", "native_ns_per_call", "ratio", "instantiate_ns", "compile_cold_ms", "compile_cached_ms", "lang"} {
				if _, ok := rep[k]; !ok {
					t.Errorf("bench line has no %q: %s", k, out)
				}
			}
			if rep["lang"] != string(l.Name()) || rep["miners"] != float64(16) {
				t.Errorf("bench line %s", out)
			}
		})
	}
}

// TestPluginCmds_Examples runs plugin build and plugin bench through the CLI on the example
// scorers, one per language: latency has no challenge (pdk/go declines it, which bench must
// take as "no challenge"), quality-as is benched against its Go twin, quality-py against
// python3 running the same files (whole processes).
func TestPluginCmds_Examples(t *testing.T) {
	tests := []struct {
		dir  string
		lang plugins.Lang
	}{
		{"../../examples/scorers/latency", plugins.LangGo},
		{"../../examples/scorers/quality-as", plugins.LangAssemblyScript},
		{"../../examples/scorers/quality-py", plugins.LangPython},
		{"../../examples/scorers/quality-rs", plugins.LangRust},
		{"../../examples/scorers/quality-c", plugins.LangC},
	}
	for _, tc := range tests {
		t.Run(string(tc.lang), func(t *testing.T) {
			l, _ := plugins.LanguageNamed(string(tc.lang))
			if err := l.Toolchain(context.Background(), tc.dir); err != nil {
				t.Skipf("%v", err)
			}
			out, _, err := runCLI("plugin", "build", tc.dir, "-o", filepath.Join(t.TempDir(), "x.wasm"))
			if err != nil || !strings.HasSuffix(strings.TrimSpace(out), "x.wasm") {
				t.Fatalf("plugin build %s: %q, %v", tc.dir, out, err)
			}
			out, _, err = runCLI("plugin", "bench", tc.dir, "--miners", "16", "--min-time", "20ms")
			if err != nil {
				t.Fatalf("plugin bench %s: %v", tc.dir, err)
			}
			var rep plugins.BenchReport
			if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Lang != tc.lang || rep.Miners != 16 || rep.Ratio <= 0 {
				t.Fatalf("bench line %q (%v)", out, err)
			}
		})
	}
}
