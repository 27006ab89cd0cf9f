package plugins

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	aspdk "github.com/subnetd/subnetd/pdk/assemblyscript"
)

// ErrNoASC is returned when an AssemblyScript project has no installed compiler and it could
// not be installed (BuildWasm installs the pinned one with npm when it is missing).
var ErrNoASC = errors.New("AssemblyScript compiler (asc) not installed")

// ErrNoNative is returned by Bench when an AssemblyScript project names no Go build of the
// same algorithm to measure against.
var ErrNoNative = errors.New("no native counterpart")

// asLang is the Language of AssemblyScript scorers (@subnetd/pdk, compiled by the project's
// pinned asc). Log receives what it installs and the installer's output.
type asLang struct{ log io.Writer }

// AssemblyScriptLanguage returns the Language of AssemblyScript scorers. When a build finds
// no compiler it installs the project's pinned one (npm ci, or npm install without a lock
// file), saying so on standard error.
func AssemblyScriptLanguage() Language { return asLang{log: os.Stderr} }

func (asLang) Name() Lang { return LangAssemblyScript }

// Detect reports a project with asconfig.json, or a package.json that depends on assemblyscript.
func (asLang) Detect(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, "asconfig.json")); err == nil {
		return true
	}
	pkg, err := readPackageJSON(dir)
	return err == nil && pkg.dependsOn("assemblyscript")
}

const asInstallHint = "apt-get install nodejs npm (Node.js 18 or later)"

// Toolchain checks for node, and for npm when the compiler still has to be installed.
func (asLang) Toolchain(ctx context.Context, dir string) error {
	if _, err := exec.LookPath("node"); err != nil {
		return fmt.Errorf("assemblyscript toolchain missing: node is not on PATH: %s: %w", asInstallHint, ErrNoToolchain)
	}
	if _, err := FindASC(dir); err == nil {
		return nil
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return fmt.Errorf("assemblyscript toolchain missing: no compiler in %s/node_modules and npm is not on PATH to install it: %s: %w", dir, asInstallHint, ErrNoToolchain)
	}
	return nil
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
		return "", fmt.Errorf("%w: node is not on PATH (%s)", ErrNoASC, asInstallHint)
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
			return "", fmt.Errorf("%w for %s: run `npm install` there (plugin build does it when npm is on PATH)", ErrNoASC, dir)
		}
	}
}

// Install installs the project's pinned compiler in dir: `npm ci` when package-lock.json pins
// every version, else `npm install`. It says what it runs on log.
func (l asLang) Install(ctx context.Context, dir string, log io.Writer) error {
	if log == nil {
		log = io.Discard
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return fmt.Errorf("%w for %s: npm is not on PATH to install it: %s: %w", ErrNoASC, dir, asInstallHint, ErrNoToolchain)
	}
	args := []string{"install", "--no-audit", "--no-fund", "--loglevel=error"}
	if _, err := os.Stat(filepath.Join(dir, "package-lock.json")); err == nil {
		args[0] = "ci"
	}
	fmt.Fprintf(log, "installing the pinned AssemblyScript compiler: npm %s (in %s)\n", strings.Join(args, " "), dir)
	cmd := exec.CommandContext(ctx, "npm", args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w for %s: npm %s: %v (run it there yourself once the network is back)", ErrNoASC, dir, args[0], err)
	}
	return nil
}

// ascDefaults are the compiler flags used when a project has no asconfig.json: speed-optimised,
// the stub runtime (a fresh instance serves every call, so memory is never worth collecting),
// and AssemblyScript's abort routed to subnetd.abort so the module imports nothing from env.
var ascDefaults = []string{"-O3", "--runtime", "stub", "--use", "abort=~lib/@subnetd/pdk/assembly/index/onAbort"}

// asconfig is the part of asconfig.json the build reads.
type asconfig struct {
	Entries []string `json:"entries"`
}

// BuildWasm compiles the project with its pinned asc (installing it first when missing) and
// screens the result, with a hint for the usual cause of a refused import.
func (l asLang) BuildWasm(ctx context.Context, dir, name, out string) error {
	if _, err := exec.LookPath("node"); err != nil {
		return fmt.Errorf("build %s: assemblyscript toolchain missing: node is not on PATH: %s: %w", name, asInstallHint, ErrNoToolchain)
	}
	asc, err := FindASC(dir)
	if err != nil {
		// node is there, the compiler is not: install the pinned one.
		if ierr := l.Install(ctx, dir, l.log); ierr != nil {
			return fmt.Errorf("build %s: %w", name, ierr)
		}
		if asc, err = FindASC(dir); err != nil {
			return fmt.Errorf("build %s: %w", name, err)
		}
	}
	entry := filepath.Join("assembly", "index.ts")
	args := []string{asc}
	if b, err := os.ReadFile(filepath.Join(dir, "asconfig.json")); err == nil {
		var c asconfig
		if err := json.Unmarshal(b, &c); err != nil {
			return fmt.Errorf("build %s: asconfig.json: %w", name, err)
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
		return fmt.Errorf("build %s: asc %s: %w: %s", name, strings.Join(args[1:], " "), err, strings.TrimSpace(output.String()))
	}
	if _, err := ScreenFile(out); err != nil {
		hint := ""
		if strings.Contains(err.Error(), `"env"`) || strings.Contains(err.Error(), "env.") {
			hint = " (AssemblyScript: route abort with --use abort=~lib/@subnetd/pdk/assembly/index/onAbort, and avoid " +
				"Math.random, Date.now and trace, which import from env; use the Round's seed and block_time_ms)"
		}
		return fmt.Errorf("build %s: %w%s", name, err, hint)
	}
	return nil
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

// Native is the Go scorer NativeDir names, built natively: the same algorithm, so bench
// first checks both give the same Scores (SameAlgorithm).
func (asLang) Native(ctx context.Context, dir, tmp string) (Native, error) {
	nd, err := NativeDir(dir)
	if err != nil {
		return Native{}, err
	}
	g := GoLanguage()
	if !g.Detect(nd) {
		return Native{}, fmt.Errorf("%s: %w: native counterpart %s is not a Go scorer", dir, ErrNoNative, nd)
	}
	n, err := g.Native(ctx, nd, tmp)
	if err != nil {
		return Native{}, err
	}
	n.SameAlgorithm = true
	return n, nil
}

// New writes an AssemblyScript project: assembly/index.ts, package.json (the pinned
// assemblyscript and the kit as file:subnetd-pdk), asconfig.json, subnetd-pdk/ (a copy of the
// kit this binary carries), native/ (the same scorer in Go, for plugin bench) and the fixtures. The compiler is installed by Install (plugin new)
// or by the first build.
func (asLang) New(ctx context.Context, dir, name string) error {
	pkg := map[string]any{
		"name":    name,
		"version": "0.1.0",
		"private": true,
		"scripts": map[string]string{"build": "subnetd plugin build .", "test": "subnetd plugin test ."},
		"devDependencies": map[string]string{
			"@subnetd/pdk":   "file:subnetd-pdk",
			"assemblyscript": aspdk.ASCVersion,
		},
	}
	pj, err := json.MarshalIndent(pkg, "", "  ")
	if err != nil {
		return err
	}
	files := map[string]string{
		"assembly/index.ts": fmt.Sprintf(asStarterIndex, name),
		"asconfig.json":     asStarterConfig,
		"package.json":      string(pj) + "\n",
	}
	err = fs.WalkDir(aspdk.Kit, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := aspdk.Kit.ReadFile(p)
		if err != nil {
			return err
		}
		files["subnetd-pdk/"+p] = string(b)
		return nil
	})
	if err != nil {
		return fmt.Errorf("AssemblyScript kit: %w", err)
	}
	// native/: the same starter in Go, the counterpart plugin bench measures against (bench
	// checks both give the same Scores, so change it with the scorer, or remove it).
	gf, err := goProjectFiles(filepath.Join(dir, "native"), name+"-native", "")
	if err != nil {
		return err
	}
	for k, v := range gf {
		files["native/"+k] = v
	}
	common, err := starterCommon(name, LangAssemblyScript, "assembly/index.ts",
		"AssemblyScript (the compiler pinned in package.json; the first build installs it)", []string{"node_modules/"})
	if err != nil {
		return err
	}
	for k, v := range common {
		files[k] = v
	}
	return writeProjectFiles(dir, files)
}

const asStarterIndex = `// %[1]s is a subnetd scorer: it rewards miners that answer, and answer fast.
//
// Build it with 'subnetd plugin build .'; test it with 'subnetd plugin test .'.

import { Round, Scores, register } from "@subnetd/pdk";
export * from "@subnetd/pdk/assembly/abi";

/** score gives every miner that answered (status 200, a response other than null) 1/(1 + latency in seconds), and 0 to the others. */
function score(r: Round): Scores {
  let s = new Scores();
  for (let i = 0; i < r.miners.length; i++) {
    let m = r.miners[i];
    let q: f64 = 0;
    if (m.status == 200 && !m.response.isAbsent() && !m.response.isNull()) {
      q = 1 / (1 + m.latencyMs / 1000);
    }
    s.add(m.uid, q);
  }
  return s;
}

register(score);
`

const asStarterConfig = `{
  "entries": ["assembly/index.ts"],
  "targets": {
    "release": {
      "optimizeLevel": 3,
      "shrinkLevel": 0,
      "runtime": "stub",
      "use": ["abort=~lib/@subnetd/pdk/assembly/index/onAbort"]
    }
  },
  "options": {}
}
`
