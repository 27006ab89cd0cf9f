package plugins

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	kit "github.com/subnetd/subnetd/pdk"
)

// goLang is the Language of Go scorers: a directory of .go files using pdk/go, in a Go module.
type goLang struct{}

// GoLanguage returns the Language of Go scorers (pdk/go).
func GoLanguage() Language { return goLang{} }

func (goLang) Name() Lang { return LangGo }

// Detect reports a directory with at least one non-test .go file.
func (goLang) Detect(dir string) bool {
	matches, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, m := range matches {
		if !strings.HasSuffix(m, "_test.go") {
			return true
		}
	}
	return false
}

// Toolchain checks that the go command is on PATH.
func (goLang) Toolchain(ctx context.Context, dir string) error {
	if _, err := exec.LookPath("go"); err != nil {
		return fmt.Errorf("go toolchain missing: install Go %s or later (https://go.dev/dl) and put its bin/ on PATH: %w", kit.GoMinVersion, ErrNoToolchain)
	}
	return nil
}

// BuildWasm builds dir with GOOS=wasip1 GOARCH=wasm -buildmode=c-shared -trimpath: the same
// source and toolchain give the same module bytes on every machine.
func (goLang) BuildWasm(ctx context.Context, dir, name, out string) error {
	return goBuild(ctx, dir, name, out, true)
}

// Native builds dir natively into tmp: pdk.Main's score and bench commands (NativeBench).
func (goLang) Native(ctx context.Context, dir, tmp string) (Native, error) {
	name, err := Name(dir)
	if err != nil {
		return Native{}, err
	}
	out := filepath.Join(tmp, name+"-native")
	if err := goBuild(ctx, dir, name, out, false); err != nil {
		return Native{}, err
	}
	return Native{Argv: []string{out}, Protocol: NativeBench}, nil
}

// goBuild runs go build in dir, for wasip1 (wasm) or for this machine.
func goBuild(ctx context.Context, dir, name, out string, wasm bool) error {
	args := []string{"build", "-trimpath", "-o", out}
	env := append(os.Environ(), "CGO_ENABLED=0")
	if wasm {
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
		return fmt.Errorf("build %s: go %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// New writes a Go project: main.go, the fixtures, and, outside the subnetd module, a go.mod
// whose replace directive points at subnetd-pdk/, a copy of pdk/go the binary carries.
func (goLang) New(ctx context.Context, dir, name string) error {
	return NewGoProject(dir, name, "")
}

// NewGoProject writes a Go scorer project named name into dir. Inside the subnetd module it
// writes main.go only (the project is a package of the module). Elsewhere it makes dir a module
// of its own: with subnetdSrc empty, go.mod replaces github.com/subnetd/subnetd with
// ./subnetd-pdk, where it writes the kit this binary carries (so the project builds with
// nothing but a Go toolchain, offline: the kit imports only the standard library); with
// subnetdSrc set, go.mod replaces it with that subnetd checkout instead.
func NewGoProject(dir, name, subnetdSrc string) error {
	files, err := goProjectFiles(dir, name, subnetdSrc)
	if err != nil {
		return err
	}
	common, err := starterCommon(name, LangGo, "main.go", "Go (`GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared`)", nil)
	if err != nil {
		return err
	}
	for k, v := range common {
		files[k] = v
	}
	return writeProjectFiles(dir, files)
}

// goProjectFiles returns the Go starter's own files for a project in dir (see NewGoProject).
func goProjectFiles(dir, name, subnetdSrc string) (map[string]string, error) {
	files := map[string]string{"main.go": fmt.Sprintf(goStarterMain, name)}
	parent := filepath.Dir(filepath.Clean(dir))
	if nearestModule(parent) == kit.GoModulePath {
		return files, nil
	}
	target := "./subnetd-pdk"
	if subnetdSrc != "" {
		abs, err := filepath.Abs(subnetdSrc)
		if err != nil {
			return nil, err
		}
		gomod, err := os.ReadFile(filepath.Join(abs, "go.mod"))
		if err != nil || moduleLine(gomod) != kit.GoModulePath {
			return nil, fmt.Errorf("subnetd source %s: no go.mod for %s there", subnetdSrc, kit.GoModulePath)
		}
		target = abs
		// The checkout's go.sum covers every module its go.mod lists.
		if sum, err := os.ReadFile(filepath.Join(abs, "go.sum")); err == nil {
			files["go.sum"] = string(sum)
		}
		if v := goDirective(gomod); v != "" {
			files["go.mod"] = goModFile(name, v, target)
		}
	} else {
		kf, err := kit.GoKitFiles()
		if err != nil {
			return nil, fmt.Errorf("pdk/go kit: %w", err)
		}
		for p, b := range kf {
			files["subnetd-pdk/"+p] = string(b)
		}
		files["subnetd-pdk/go.mod"] = fmt.Sprintf("module %s\n\ngo %s\n", kit.GoModulePath, kit.GoMinVersion)
		files["subnetd-pdk/README.md"] = "A copy of subnetd's Go scorer kit (pdk/go) written by `subnetd plugin new`.\n" +
			"go.mod's replace directive points here, so the project builds without the subnetd\n" +
			"repository. Do not edit it; `subnetd plugin new` in an empty directory writes a fresh copy.\n"
	}
	if files["go.mod"] == "" {
		files["go.mod"] = goModFile(name, kit.GoMinVersion, target)
	}
	return files, nil
}

func goModFile(name, goVersion, replace string) string {
	return fmt.Sprintf("module %s\n\ngo %s\n\nrequire %s v0.0.0\n\nreplace %s => %s\n", name, goVersion, kit.GoModulePath, kit.GoModulePath, replace)
}

func moduleLine(gomod []byte) string {
	for _, l := range strings.Split(string(gomod), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

func goDirective(gomod []byte) string {
	for _, l := range strings.Split(string(gomod), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "go" {
			return f[1]
		}
	}
	return ""
}

// nearestModule returns the module path of the go.mod nearest at or above dir ("" if none).
func nearestModule(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for d := abs; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			return moduleLine(b)
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

const goStarterMain = `// Command %[1]s is a subnetd scorer: it rewards miners that answer, and answer fast.
//
// Build it with 'subnetd plugin build .'; test it with 'subnetd plugin test .'.
package main

import pdk "github.com/subnetd/subnetd/pdk/go"

func init() { pdk.Register(pdk.Scorer{Score: Score}) }

// Score gives every miner that answered (status 200, a response other than null)
// 1/(1 + latency in seconds), and 0 to the others.
func Score(r pdk.Round) (pdk.Scores, error) {
	s := pdk.Scores{Scores: make([]pdk.Score, 0, len(r.Miners))}
	for _, m := range r.Miners {
		q := 0.0
		if m.Status == 200 && len(m.Response) > 0 && string(m.Response) != "null" {
			q = 1 / (1 + m.LatencyMs/1000)
		}
		s.Scores = append(s.Scores, pdk.Score{UID: m.UID, Score: q})
	}
	return s, nil
}

func main() { pdk.Main() }
`
