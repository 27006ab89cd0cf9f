package plugins

import (
	"context"
	"fmt"

	"github.com/subnetd/subnetd/runtime"
)

// Policy is what a validator (or `plugin verify`, or `plugin pack`) requires of a scorer
// package before it runs it. docs/SCORERS.md ("Acceptance") describes the rule.
type Policy struct {
	// Netuid, when set, is the subnet the package must be for.
	Netuid *uint16
	// Pins are the publisher keys pinned for the subnet (see Package.Verify for the rule with
	// and without pins).
	Pins []PublicKey
	// Limits are what the subnet allows: the package may ask for no more (Manifest.CheckLimits),
	// and its module is screened against them. Zero fields take runtime.DefaultLimits.
	Limits runtime.Limits
}

// Loader compiles a package's module on the caller's runtime (the subnet's, for the daemon).
type Loader func(ctx context.Context, m *Manifest, wasm []byte) (*runtime.Scorer, error)

// RuntimeLoader is the Loader that loads on rt.
func RuntimeLoader(rt *runtime.Runtime) Loader {
	return func(ctx context.Context, m *Manifest, wasm []byte) (*runtime.Scorer, error) {
		return rt.Load(ctx, m.Name, wasm)
	}
}

// Accepted is a package that passed Accept.
type Accepted struct {
	// Scorer is the compiled scorer, self-tests passed. The caller owns it (Close it).
	Scorer *runtime.Scorer
	// SignedBy is the signer's key ("scheme:0xhex"), "" for an unsigned package.
	SignedBy string
	// Pinned is true when the signer is one of the policy's pinned keys.
	Pinned bool
	// SelfTests is the number of self-tests that passed.
	SelfTests int
}

// Accept is the one acceptance policy for scorer packages, used by the daemon (initial load
// and hot reload), `plugin verify` and `plugin pack`. In order, each step's error wrapping the
// sentinel a caller branches on:
//
//  1. subnet: the manifest is for pol.Netuid, when set (ErrBadManifest);
//  2. signature: Package.Verify(pol.Pins) (ErrUnsigned, ErrBadSignature);
//  3. limits: the manifest asks for no more than pol.Limits (ErrBadManifest);
//  4. screening: the module passes runtime.Screen under pol.Limits (runtime.ErrInvalidModule, …);
//  5. load: load compiles it;
//  6. self-tests: every self-test vector passes (ErrSelfTest); the scorer is closed on failure.
//
// The manifest itself and the module's sha256 were checked when p was parsed (ParsePackage).
func Accept(ctx context.Context, p *Package, pol Policy, load Loader) (*Accepted, error) {
	m := &p.Manifest
	if pol.Netuid != nil && m.Netuid != *pol.Netuid {
		return nil, fmt.Errorf("package %s %s is for subnet %d, not %d: %w", m.Name, m.Version, m.Netuid, *pol.Netuid, ErrBadManifest)
	}
	if err := p.Verify(pol.Pins); err != nil {
		return nil, err
	}
	allowed := pol.Limits.WithDefaults()
	if err := m.CheckLimits(allowed); err != nil {
		return nil, err
	}
	if _, err := runtime.Screen(p.Wasm, allowed); err != nil {
		return nil, fmt.Errorf("package %s %s: %w", m.Name, m.Version, err)
	}
	s, err := load(ctx, m, p.Wasm)
	if err != nil {
		return nil, fmt.Errorf("package %s %s: %w", m.Name, m.Version, err)
	}
	if err := RunSelfTests(ctx, s, m); err != nil {
		s.Close(ctx)
		return nil, err
	}
	return &Accepted{Scorer: s, SignedBy: p.SignedBy(), Pinned: len(pol.Pins) > 0, SelfTests: len(m.SelfTests)}, nil
}
