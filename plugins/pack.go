package plugins

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/subnetd/subnetd/runtime"
)

// PackOptions configures Pack.
type PackOptions struct {
	// Name is the scorer's name (default: the directory's base name).
	Name string
	// Version is the package version (required).
	Version string
	// Netuid is the subnet the scorer is for.
	Netuid uint16
	// Limits are what the package asks for; zero fields take runtime.DefaultLimits. Only the
	// limits a validator compares are written (memory, state, output, module size, gas).
	Limits runtime.Limits
	// Out is the package directory (default DIR/dist/NAME-VERSION).
	Out string
	// CacheDir is the compiled-module cache of the self-test run ("" for none).
	CacheDir string
}

// Pack builds the scorer in dir and writes a scorer package: the module and a manifest whose
// self-tests are the project's scoring fixtures (ReadFixtures; a project needs at least one).
// Before writing anything it puts the package through Accept under exactly the limits it asks
// for, so a package Pack writes passes every validator that allows those limits. It returns
// the package directory and its manifest.
func Pack(ctx context.Context, dir string, opts PackOptions) (string, *Manifest, error) {
	if opts.Version == "" {
		return "", nil, errors.New("pack: a version is required (e.g. 1.0.0)")
	}
	name := opts.Name
	if name == "" {
		n, err := Name(dir)
		if err != nil {
			return "", nil, fmt.Errorf("pack %s: %w", dir, err)
		}
		name = n
	}
	fixtures, err := ReadFixtures(dir)
	if err != nil {
		return "", nil, fmt.Errorf("pack %s: %w", name, err)
	}
	tests, err := SelfTestsFrom(fixtures)
	if err != nil {
		return "", nil, fmt.Errorf("pack %s: %w", name, err)
	}
	if len(tests) == 0 {
		return "", nil, fmt.Errorf("pack %s: %w: every fixture expects an error; add one the scorer must score (NAME.round.json + NAME.scores.json)", name, ErrNoFixtures)
	}
	tmp, err := os.MkdirTemp("", "subnetd-pack")
	if err != nil {
		return "", nil, err
	}
	defer os.RemoveAll(tmp)
	path, err := Build(ctx, dir, TargetWasm, filepath.Join(tmp, "scorer.wasm"))
	if err != nil {
		return "", nil, fmt.Errorf("pack: %w", err)
	}
	wasm, err := os.ReadFile(path)
	if err != nil {
		return "", nil, err
	}
	limits := opts.Limits.WithDefaults()
	// Ask only for what the daemon compares (CheckLimits); the wall-clock backstop and the
	// input size are the validator's business.
	ask := runtime.Limits{MemoryPages: limits.MemoryPages, MaxStateBytes: limits.MaxStateBytes,
		MaxOutputBytes: limits.MaxOutputBytes, MaxModuleBytes: len(wasm), Gas: limits.Gas}
	m := Manifest{Name: name, Version: opts.Version, Netuid: opts.Netuid, ABI: runtime.ABIVersion,
		Module: name + ".wasm", SHA256: sha256Hex(wasm), Limits: &ask, SelfTests: tests}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return "", nil, err
	}
	mb = append(mb, '\n')
	p, err := ParsePackage(mb, wasm, nil)
	if err != nil {
		return "", nil, fmt.Errorf("pack %s: %w", name, err)
	}
	rt, err := runtime.New(ctx, runtime.Config{Limits: limits, CacheDir: opts.CacheDir})
	if err != nil {
		return "", nil, err
	}
	defer rt.Close(ctx)
	acc, err := Accept(ctx, p, Policy{Netuid: &opts.Netuid, Limits: limits}, RuntimeLoader(rt))
	if err != nil {
		return "", nil, fmt.Errorf("pack %s: %w", name, err)
	}
	acc.Scorer.Close(ctx)
	out := opts.Out
	if out == "" {
		out = filepath.Join(dir, "dist", name+"-"+opts.Version)
	}
	_ = os.Remove(filepath.Join(out, SignatureFile)) // a stale signature would not verify
	if err := WritePackage(out, mb, wasm, nil, m.ModuleFile()); err != nil {
		return "", nil, fmt.Errorf("pack %s: %w", name, err)
	}
	return out, &p.Manifest, nil
}
