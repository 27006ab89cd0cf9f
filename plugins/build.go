package plugins

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/subnetd/subnetd/runtime"
)

// ErrNotAScorer is returned when a directory holds no buildable scorer source.
var ErrNotAScorer = errors.New("not a scorer source directory")

// Target is what a scorer build produces.
type Target int

const (
	// TargetWasm is the Wasm module validators run.
	TargetWasm Target = iota
	// TargetNative is a native executable of the same Go source (pdk.Main), for benchmarks.
	// Only Go projects have one; Bench asks each Language for its native counterpart.
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
// Wasm build goes to DIR/<name>.wasm. The project's language is found by LanguageFor; a
// missing toolchain fails with the language's one line saying what to install (ErrNoToolchain).
// Every language builds deterministically (the same sources and toolchain give the same
// module bytes), and the module is screened against ABI v1 at once, so a module the daemon
// would refuse fails here.
func Build(ctx context.Context, dir string, target Target, out string) (string, error) {
	lang, err := LanguageFor(dir)
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
	if err := lang.Toolchain(ctx, dir); err != nil {
		return "", fmt.Errorf("build %s: %w", name, err)
	}
	if target == TargetNative {
		if lang.Name() != LangGo {
			return "", fmt.Errorf("build %s: only Go scorers have a native build target; %s scorers are measured against their native counterpart (Language.Native)", name, lang.Name())
		}
		return out, goBuild(ctx, dir, name, out, false)
	}
	if err := lang.BuildWasm(ctx, dir, name, out); err != nil {
		return "", err
	}
	if _, err := ScreenFile(out); err != nil {
		return "", fmt.Errorf("build %s: %w", name, err)
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
