package plugins_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/runtime"
)

// TestLanguage_Registry checks every language of the registry: its name is one of the
// documented five and finds it again, and LanguageFor tells the example projects apart.
func TestLanguage_Registry(t *testing.T) {
	seen := map[plugins.Lang]bool{}
	for _, l := range plugins.Languages() {
		n := l.Name()
		if seen[n] {
			t.Errorf("language %s listed twice", n)
		}
		seen[n] = true
		found, err := plugins.LanguageNamed(string(n))
		if err != nil || found.Name() != n {
			t.Errorf("LanguageNamed(%q) = %v, %v", n, found, err)
		}
		documented := false
		for _, d := range plugins.LangNames {
			documented = documented || d == n
		}
		if !documented {
			t.Errorf("language %s is not one of plugins.LangNames", n)
		}
	}
	for _, want := range []plugins.Lang{plugins.LangGo, plugins.LangAssemblyScript} {
		if !seen[want] {
			t.Errorf("language %s missing from the registry", want)
		}
	}
	if l, err := plugins.LanguageNamed("ts"); err != nil || l.Name() != plugins.LangAssemblyScript {
		t.Errorf("LanguageNamed(ts) = %v, %v", l, err)
	}
	if _, err := plugins.LanguageNamed("cobol"); !errors.Is(err, plugins.ErrUnknownLang) {
		t.Errorf("LanguageNamed(cobol) = %v, want ErrUnknownLang", err)
	}
	tests := []struct {
		dir  string
		want plugins.Lang
	}{
		{"../examples/scorers/latency", plugins.LangGo},
		{"../examples/scorers/quality", plugins.LangGo},
		{"../examples/scorers/quality-as", plugins.LangAssemblyScript},
	}
	for _, tc := range tests {
		if got, err := plugins.DetectLang(tc.dir); err != nil || got != tc.want {
			t.Errorf("DetectLang(%s) = %v, %v; want %s", tc.dir, got, err, tc.want)
		}
	}
	if _, err := plugins.LanguageFor(t.TempDir()); !errors.Is(err, plugins.ErrNotAScorer) {
		t.Errorf("LanguageFor(empty) = %v, want ErrNotAScorer", err)
	}
}

// TestLanguage_Toolchain checks that with nothing on PATH a language's Toolchain fails with
// ErrNoToolchain and one line saying what to install, and Build passes it on.
func TestLanguage_Toolchain(t *testing.T) {
	ctx := context.Background()
	for _, l := range plugins.Languages() {
		t.Run(string(l.Name()), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "starter")
			if err := l.New(ctx, dir, "starter"); err != nil {
				t.Fatal(err)
			}
			t.Setenv("PATH", t.TempDir())
			t.Setenv("RUSTC", "")
			// python.wasm lives in a cache, not on PATH: name an absent one (never fetched).
			t.Setenv(plugins.PythonWasmEnv, filepath.Join(t.TempDir(), "absent", "python.wasm"))
			build := func() error {
				_, err := plugins.Build(ctx, dir, plugins.TargetWasm, filepath.Join(t.TempDir(), "x.wasm"))
				return err
			}
			if l.Name() == plugins.LangRust {
				// Rust is also looked for at Debian's /usr/bin/rustc whatever PATH says: name an
				// absent one instead, as a machine without Debian's package has.
				l = plugins.RustLanguageWithFallback(filepath.Join(t.TempDir(), "absent", "rustc"))
				build = func() error { return l.BuildWasm(ctx, dir, "starter", filepath.Join(t.TempDir(), "x.wasm")) }
			}
			err := l.Toolchain(ctx, dir)
			if !errors.Is(err, plugins.ErrNoToolchain) {
				t.Fatalf("Toolchain with an empty PATH = %v, want ErrNoToolchain", err)
			}
			if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "install") {
				t.Errorf("Toolchain error is not one line saying what to install: %q", msg)
			}
			if err := build(); !errors.Is(err, plugins.ErrNoToolchain) {
				t.Errorf("Build with an empty PATH = %v, want ErrNoToolchain", err)
			}
		})
	}
}

// TestLanguage_New creates the starter project of every language whose toolchain is present,
// checks LanguageFor detects it as that language, builds it and runs its fixture: a new
// project passes its own test at once. The Go project is written outside any module, so it
// builds from the kit copy the binary carries.
func TestLanguage_New(t *testing.T) {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	for _, l := range plugins.Languages() {
		t.Run(string(l.Name()), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "starter-"+string(l.Name()))
			if err := l.New(ctx, dir, filepath.Base(dir)); err != nil {
				t.Fatal(err)
			}
			got, err := plugins.LanguageFor(dir)
			if err != nil || got.Name() != l.Name() {
				t.Fatalf("LanguageFor(new %s project) = %v, %v", l.Name(), got, err)
			}
			if err := l.Toolchain(ctx, dir); err != nil {
				t.Skipf("%v", err)
			}
			if l.Name() == plugins.LangAssemblyScript {
				linkASC(t, dir)
			}
			if l.Name() == plugins.LangGo {
				if _, err := os.Stat(filepath.Join(dir, "subnetd-pdk", "pdk", "go", "pdk.go")); err != nil {
					t.Fatalf("a Go project outside the repository has no kit copy: %v", err)
				}
			}
			path, err := plugins.Build(ctx, dir, plugins.TargetWasm, "")
			if err != nil {
				t.Fatal(err)
			}
			wasm, _ := os.ReadFile(path)
			s, err := rt.Load(ctx, filepath.Base(dir), wasm)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close(ctx)
			fx, err := plugins.ReadFixtures(dir)
			if err != nil || len(fx) != 1 {
				t.Fatalf("fixtures %v, %v", fx, err)
			}
			if r := plugins.RunFixture(ctx, s, fx[0], false); r.Problem != "" {
				t.Fatalf("the starter fails its own fixture: %s", r.Problem)
			}
		})
	}
}

// linkASC links the compiler scripts/install-asc.sh installed, and the project's kit copy,
// into an AssemblyScript project, as npm install would, so the test needs no network (the
// CLI test in cmd/subnetd runs the real npm install).
func linkASC(t *testing.T, dir string) {
	t.Helper()
	asc, err := plugins.FindASC("../pdk/assemblyscript")
	if err != nil {
		t.Skipf("AssemblyScript compiler not installed (run scripts/install-asc.sh): %v", err)
	}
	os.MkdirAll(filepath.Join(dir, "node_modules", "@subnetd"), 0o755)
	ascPkg, _ := filepath.Abs(filepath.Dir(filepath.Dir(asc)))
	if err := os.Symlink(ascPkg, filepath.Join(dir, "node_modules", "assemblyscript")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "subnetd-pdk"), filepath.Join(dir, "node_modules", "@subnetd", "pdk")); err != nil {
		t.Fatal(err)
	}
}

// TestBench_NoChallenge benches latency, a Go scorer without a challenge: pdk/go exports
// subnetd_challenge and declines, which is "no challenge", not an error.
func TestBench_NoChallenge(t *testing.T) {
	rep, err := plugins.Bench(context.Background(), "../examples/scorers/latency", plugins.BenchOptions{Miners: 16, MinTime: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Lang != plugins.LangGo || rep.Miners != 16 || rep.WasmNsPerCall <= 0 || rep.NativeNsPerCall <= 0 {
		t.Fatalf("report %+v", rep)
	}
}
