package plugins

import (
	"bytes"
	"context"
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

// Build compiles the Go scorer in dir to out for target and returns out. With out empty, the
// Wasm build goes to DIR/<name>.wasm. The build is -trimpath, so the same source and toolchain
// give the same module bytes on every machine.
func Build(ctx context.Context, dir string, target Target, out string) (string, error) {
	matches, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	if len(matches) == 0 {
		return "", fmt.Errorf("build %s: %w: no .go files", dir, ErrNotAScorer)
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
