package plugins

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/subnetd/subnetd/runtime"
)

// ErrNotAScorer is returned when a directory holds no buildable scorer source.
var ErrNotAScorer = errors.New("not a scorer source directory")

// ErrNoASC is returned when an AssemblyScript project has no installed compiler: run
// `npm install` in the project (or scripts/install-asc.sh in the subnetd repository).
var ErrNoASC = errors.New("AssemblyScript compiler (asc) not installed")

// ErrNoNative is returned by Bench when an AssemblyScript project names no Go build of the
// same algorithm to measure against.
var ErrNoNative = errors.New("no native counterpart")

// Lang is the language of a scorer project.
type Lang string

const (
	// LangGo is a Go scorer built with pdk/go (a directory of .go files in a Go module).
	LangGo Lang = "go"
	// LangAssemblyScript is an AssemblyScript scorer built with @subnetd/pdk (asconfig.json, or
	// a package.json depending on assemblyscript).
	LangAssemblyScript Lang = "assemblyscript"
)

// DetectLang tells which kind of scorer project dir holds: AssemblyScript when it has an
// asconfig.json or a package.json that depends on assemblyscript, else Go when it has
// non-test .go files, else ErrNotAScorer.
func DetectLang(dir string) (Lang, error) {
	if _, err := os.Stat(filepath.Join(dir, "asconfig.json")); err == nil {
		return LangAssemblyScript, nil
	}
	if pkg, err := readPackageJSON(dir); err == nil && pkg.dependsOn("assemblyscript") {
		return LangAssemblyScript, nil
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, m := range matches {
		if !strings.HasSuffix(m, "_test.go") {
			return LangGo, nil
		}
	}
	return "", fmt.Errorf("%s: %w: no .go files, no asconfig.json, no package.json depending on assemblyscript", dir, ErrNotAScorer)
}

// packageJSON is the part of an npm package.json the build reads.
type packageJSON struct {
	Name            string            `json:"name"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
	// Subnetd holds subnetd's own settings: native is the directory (relative to the project)
	// of a Go build of the same algorithm, which `plugin bench` measures against.
	Subnetd struct {
		Native string `json:"native"`
	} `json:"subnetd"`
}

func (p packageJSON) dependsOn(name string) bool {
	_, a := p.Dependencies[name]
	_, b := p.DevDependencies[name]
	return a || b
}

func readPackageJSON(dir string) (packageJSON, error) {
	var p packageJSON
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("%s: %w", filepath.Join(dir, "package.json"), err)
	}
	return p, nil
}

// FindASC returns the AssemblyScript compiler's entry script (node_modules/assemblyscript/bin/asc.js)
// installed for dir, looking in dir and its parents as Node does, and checks that node runs.
func FindASC(dir string) (string, error) {
	if _, err := exec.LookPath("node"); err != nil {
		return "", fmt.Errorf("%w: node is not on PATH (install Node.js 18 or later)", ErrNoASC)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		p := filepath.Join(d, "node_modules", "assemblyscript", "bin", "asc.js")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%w for %s: run `npm install` there", ErrNoASC, dir)
		}
	}
}

// ascDefaults are the compiler flags used when a project has no asconfig.json: speed-optimised,
// the stub runtime (a fresh instance serves every call, so memory is never worth collecting),
// and AssemblyScript's abort routed to subnetd.abort so the module imports nothing from env.
var ascDefaults = []string{"-O3", "--runtime", "stub", "--use", "abort=~lib/@subnetd/pdk/assembly/index/onAbort"}

// asconfig is the part of asconfig.json the build reads.
type asconfig struct {
	Entries []string `json:"entries"`
}

// buildAS compiles the AssemblyScript scorer in dir to out with the locally installed asc.
func buildAS(ctx context.Context, dir, name, out string) (string, error) {
	asc, err := FindASC(dir)
	if err != nil {
		return "", fmt.Errorf("build %s: %w", name, err)
	}
	entry := filepath.Join("assembly", "index.ts")
	args := []string{asc}
	if b, err := os.ReadFile(filepath.Join(dir, "asconfig.json")); err == nil {
		var c asconfig
		if err := json.Unmarshal(b, &c); err != nil {
			return "", fmt.Errorf("build %s: asconfig.json: %w", name, err)
		}
		if len(c.Entries) > 0 {
			entry = c.Entries[0]
		}
		args = append(args, entry, "--config", "asconfig.json", "--target", "release")
	} else {
		args = append(args, entry)
		args = append(args, ascDefaults...)
	}
	args = append(args, "--outFile", out, "--noColors")
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = dir
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build %s: asc %s: %w: %s", name, strings.Join(args[1:], " "), err, strings.TrimSpace(output.String()))
	}
	if _, err := ScreenFile(out); err != nil {
		hint := ""
		if strings.Contains(err.Error(), `"env"`) || strings.Contains(err.Error(), "env.") {
			hint = " (AssemblyScript: route abort with --use abort=~lib/@subnetd/pdk/assembly/index/onAbort, and avoid " +
				"Math.random, Date.now and trace, which import from env; use the Round's seed and block_time_ms)"
		}
		return "", fmt.Errorf("build %s: %w%s", name, err, hint)
	}
	return out, nil
}

// NativeDir returns the directory of the Go build of the same algorithm that `plugin bench`
// measures an AssemblyScript scorer against: package.json's "subnetd": {"native": DIR}
// (relative to the project), else the project's native/ subdirectory.
func NativeDir(dir string) (string, error) {
	if pkg, err := readPackageJSON(dir); err == nil && pkg.Subnetd.Native != "" {
		return filepath.Join(dir, pkg.Subnetd.Native), nil
	}
	if st, err := os.Stat(filepath.Join(dir, "native")); err == nil && st.IsDir() {
		return filepath.Join(dir, "native"), nil
	}
	return "", fmt.Errorf("%s: %w: set \"subnetd\": {\"native\": \"DIR\"} in package.json to a Go scorer (pdk/go) "+
		"implementing the same algorithm, or add a native/ directory", dir, ErrNoNative)
}

// Target is what a scorer build produces.
type Target int

const (
	// TargetWasm is the Wasm build validators run: GOOS=wasip1 GOARCH=wasm -buildmode=c-shared.
	TargetWasm Target = iota
	// TargetNative is a native executable of the same source (pdk.Main), for benchmarks.
	TargetNative
)

// Name returns the scorer's name for dir: the directory's base name.
func Name(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return filepath.Base(abs), nil
}

// Build compiles the scorer in dir to out for target and returns out. With out empty, the
// Wasm build goes to DIR/<name>.wasm. Go projects build with -trimpath, so the same source and
// toolchain give the same module bytes on every machine; AssemblyScript projects (see
// DetectLang) build with the project's own pinned asc, which is deterministic too, and are
// screened against ABI v1 at once. AssemblyScript has no native target: Bench measures it
// against its Go counterpart (NativeDir).
func Build(ctx context.Context, dir string, target Target, out string) (string, error) {
	lang, err := DetectLang(dir)
	if err != nil {
		return "", fmt.Errorf("build: %w", err)
	}
	name, err := Name(dir)
	if err != nil {
		return "", fmt.Errorf("build %s: %w", dir, err)
	}
	if out == "" {
		out = filepath.Join(dir, name+".wasm")
	}
	if out, err = filepath.Abs(out); err != nil {
		return "", fmt.Errorf("build %s: %w", dir, err)
	}
	if lang == LangAssemblyScript {
		if target != TargetWasm {
			return "", fmt.Errorf("build %s: AssemblyScript compiles to Wasm only; its native counterpart is a Go scorer (see NativeDir)", name)
		}
		return buildAS(ctx, dir, name, out)
	}
	args := []string{"build", "-trimpath", "-o", out}
	env := append(os.Environ(), "CGO_ENABLED=0")
	if target == TargetWasm {
		args = append(args, "-buildmode=c-shared")
		env = append(env, "GOOS=wasip1", "GOARCH=wasm")
	}
	args = append(args, ".")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build %s: go %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// ScreenFile screens the module at path against ABI v1 with the default limits.
func ScreenFile(path string) (runtime.ModuleInfo, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return runtime.ModuleInfo{}, err
	}
	info, err := runtime.Screen(b, runtime.Limits{})
	if err != nil {
		return info, fmt.Errorf("%s: %w", path, err)
	}
	return info, nil
}
