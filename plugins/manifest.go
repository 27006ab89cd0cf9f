package plugins

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/subnetd/subnetd/runtime"
)

// A scorer package is a directory holding:
//
//	manifest.json   the Manifest (name, version, netuid, abi, module, sha256, limits, self_tests)
//	<module>.wasm   the module the manifest names, whose sha256 it carries
//	manifest.sig    optional: a Signature over the exact bytes of manifest.json
//
// Signing the manifest covers the module too, through its sha256.

// Package file names.
const (
	ManifestFile  = "manifest.json"
	SignatureFile = "manifest.sig"
)

var (
	// ErrBadManifest: manifest.json is missing, malformed or incomplete.
	ErrBadManifest = errors.New("invalid scorer manifest")
	// ErrHashMismatch: the module's bytes do not hash to the manifest's sha256.
	ErrHashMismatch = errors.New("module sha256 does not match the manifest")
	// ErrABIVersion: the manifest asks for an ABI version this build does not serve.
	ErrABIVersion = errors.New("unsupported scorer ABI version")
	// ErrUnsigned: a publisher key is pinned but the package carries no signature.
	ErrUnsigned = errors.New("package is not signed")
	// ErrBadSignature: the signature does not verify, or is by a key that is not pinned.
	ErrBadSignature = errors.New("package signature does not verify with a pinned publisher key")
	// ErrSelfTest: a self-test vector failed.
	ErrSelfTest = errors.New("scorer self-test failed")
)

// Manifest describes one version of a scorer package.
type Manifest struct {
	// Name is the scorer's name ([a-z0-9_-], 1-64 chars).
	Name string `json:"name"`
	// Version is the package version (free form, e.g. "1.4.0").
	Version string `json:"version"`
	// Netuid is the subnet the scorer is for.
	Netuid uint16 `json:"netuid"`
	// ABI is the scorer ABI version (1).
	ABI int `json:"abi"`
	// Module is the module's file name in the package (default "<name>.wasm").
	Module string `json:"module,omitempty"`
	// SHA256 is the hex sha256 of the module bytes.
	SHA256 string `json:"sha256"`
	// Limits are the limits the author asks for; a validator refuses a package that asks for more
	// than its subnet allows (zero fields ask for nothing).
	Limits *runtime.Limits `json:"limits,omitempty"`
	// SelfTests are Round → Scores vectors the validator runs before it swaps the version in.
	SelfTests []SelfTest `json:"self_tests,omitempty"`
}

// SelfTest is one test vector: a Round message and the Scores the scorer must return for it
// (compared in canonical form), or, when Expect is empty, only a successful valid result.
type SelfTest struct {
	// Name names the vector in errors.
	Name string `json:"name"`
	// Round is the Round message (docs/ABI.md), given as JSON.
	Round json.RawMessage `json:"round"`
	// Expect is the expected Scores message (optional).
	Expect json.RawMessage `json:"expect,omitempty"`
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// Validate checks the manifest's fields.
func (m *Manifest) Validate() error {
	if !nameRE.MatchString(m.Name) {
		return fmt.Errorf("%w: name %q must be 1-64 of [a-z0-9_-]", ErrBadManifest, m.Name)
	}
	if m.Version == "" {
		return fmt.Errorf("%w: %s: version is empty", ErrBadManifest, m.Name)
	}
	if m.ABI != runtime.ABIVersion {
		return fmt.Errorf("%s %s: abi %d, this build serves %d: %w", m.Name, m.Version, m.ABI, runtime.ABIVersion, ErrABIVersion)
	}
	if len(m.SHA256) != 64 {
		return fmt.Errorf("%w: %s %s: sha256 must be 64 hex digits", ErrBadManifest, m.Name, m.Version)
	}
	if m.Module != "" && (filepath.Base(m.Module) != m.Module || m.Module == "." || m.Module == "..") {
		return fmt.Errorf("%w: %s %s: module %q must be a file name in the package", ErrBadManifest, m.Name, m.Version, m.Module)
	}
	for i, t := range m.SelfTests {
		if len(t.Round) == 0 {
			return fmt.Errorf("%w: %s %s: self-test %d has no round", ErrBadManifest, m.Name, m.Version, i)
		}
	}
	return nil
}

// ModuleFile returns the module's file name.
func (m *Manifest) ModuleFile() string {
	if m.Module != "" {
		return m.Module
	}
	return m.Name + ".wasm"
}

// Package is a scorer package read from disk (or received by the admin endpoint).
type Package struct {
	// Dir is where it was read from ("" when not from disk).
	Dir string
	// Manifest is the parsed manifest; ManifestBytes its exact bytes (what the signature covers).
	Manifest      Manifest
	ManifestBytes []byte
	// Wasm is the module.
	Wasm []byte
	// Signature is the publisher's signature (nil when unsigned).
	Signature *Signature
}

// ParsePackage builds a Package from its parts and checks the manifest and the module hash.
func ParsePackage(manifest, wasm, signature []byte) (*Package, error) {
	p := &Package{ManifestBytes: manifest, Wasm: wasm}
	dec := json.NewDecoder(bytes.NewReader(manifest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p.Manifest); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadManifest, err)
	}
	if err := p.Manifest.Validate(); err != nil {
		return nil, err
	}
	if got := sha256Hex(wasm); got != p.Manifest.SHA256 {
		return nil, fmt.Errorf("%s %s: module sha256 %s, manifest says %s: %w", p.Manifest.Name, p.Manifest.Version, got, p.Manifest.SHA256, ErrHashMismatch)
	}
	if len(signature) > 0 {
		var s Signature
		if err := json.Unmarshal(signature, &s); err != nil {
			return nil, fmt.Errorf("%s %s: %s: %w", p.Manifest.Name, p.Manifest.Version, SignatureFile, errors.Join(ErrBadSignature, err))
		}
		p.Signature = &s
	}
	return p, nil
}

// ReadPackage reads the package in dir.
func ReadPackage(dir string) (*Package, error) {
	mb, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("read package %s: %w", dir, errors.Join(ErrBadManifest, err))
	}
	var m Manifest
	if err := json.Unmarshal(mb, &m); err != nil {
		return nil, fmt.Errorf("read package %s: %w: %v", dir, ErrBadManifest, err)
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("read package %s: %w", dir, err)
	}
	wasm, err := os.ReadFile(filepath.Join(dir, m.ModuleFile()))
	if err != nil {
		return nil, fmt.Errorf("read package %s: module: %w", dir, err)
	}
	sig, err := os.ReadFile(filepath.Join(dir, SignatureFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read package %s: %w", dir, err)
	}
	p, err := ParsePackage(mb, wasm, sig)
	if err != nil {
		return nil, fmt.Errorf("read package %s: %w", dir, err)
	}
	p.Dir = dir
	return p, nil
}

// WritePackage writes a package directory: the module, then the signature, then the manifest
// last and atomically (renamed into place), so a watcher never reads a manifest whose module is
// not complete.
func WritePackage(dir string, manifest, wasm []byte, sig *Signature, module string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write package %s: %w", dir, err)
	}
	if err := os.WriteFile(filepath.Join(dir, module), wasm, 0o644); err != nil {
		return fmt.Errorf("write package %s: %w", dir, err)
	}
	if sig != nil {
		b, err := json.Marshal(sig)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, SignatureFile), b, 0o644); err != nil {
			return fmt.Errorf("write package %s: %w", dir, err)
		}
	}
	tmp := filepath.Join(dir, "."+ManifestFile+".tmp")
	if err := os.WriteFile(tmp, manifest, 0o644); err != nil {
		return fmt.Errorf("write package %s: %w", dir, err)
	}
	return os.Rename(tmp, filepath.Join(dir, ManifestFile))
}

// CheckLimits refuses a manifest that asks for more than allowed (the subnet's limits).
func (m *Manifest) CheckLimits(allowed runtime.Limits) error {
	if m.Limits == nil {
		return nil
	}
	l := m.Limits
	var over []string
	if l.MemoryPages > allowed.MemoryPages {
		over = append(over, fmt.Sprintf("memory_pages %d > %d", l.MemoryPages, allowed.MemoryPages))
	}
	if l.Timeout > allowed.Timeout {
		over = append(over, fmt.Sprintf("timeout %s > %s", l.Timeout, allowed.Timeout))
	}
	if l.MaxStateBytes > allowed.MaxStateBytes {
		over = append(over, fmt.Sprintf("max_state_bytes %d > %d", l.MaxStateBytes, allowed.MaxStateBytes))
	}
	if l.MaxOutputBytes > allowed.MaxOutputBytes {
		over = append(over, fmt.Sprintf("max_output_bytes %d > %d", l.MaxOutputBytes, allowed.MaxOutputBytes))
	}
	if l.Gas > allowed.Gas && allowed.Gas > 0 {
		over = append(over, fmt.Sprintf("gas %d > %d", l.Gas, allowed.Gas))
	}
	if l.MaxModuleBytes > allowed.MaxModuleBytes {
		over = append(over, fmt.Sprintf("max_module_bytes %d > %d", l.MaxModuleBytes, allowed.MaxModuleBytes))
	}
	if len(over) > 0 {
		return fmt.Errorf("%w: %s %s asks for more than the subnet allows: %v", ErrBadManifest, m.Name, m.Version, over)
	}
	return nil
}

// RunSelfTests runs every self-test vector of m on s and fails on the first that errors or
// returns other Scores than expected.
func RunSelfTests(ctx context.Context, s *runtime.Scorer, m *Manifest) error {
	for i, t := range m.SelfTests {
		name := t.Name
		if name == "" {
			name = fmt.Sprintf("#%d", i)
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, t.Round); err != nil {
			return fmt.Errorf("%s %s: self-test %s: round: %w", m.Name, m.Version, name, errors.Join(ErrSelfTest, err))
		}
		meta, err := runtime.ParseRoundMeta(buf.Bytes())
		if err != nil {
			return fmt.Errorf("%s %s: self-test %s: %w", m.Name, m.Version, name, errors.Join(ErrSelfTest, err))
		}
		res, err := s.Score(ctx, buf.Bytes(), meta)
		if err != nil {
			return fmt.Errorf("%s %s: self-test %s: %w", m.Name, m.Version, name, errors.Join(ErrSelfTest, err))
		}
		if len(t.Expect) == 0 {
			continue
		}
		want, err := runtime.ValidateScores(t.Expect, meta.UIDs, 1<<30)
		if err != nil {
			return fmt.Errorf("%s %s: self-test %s: expected scores: %w", m.Name, m.Version, name, errors.Join(ErrSelfTest, err))
		}
		if got := res.Scores.Canonical(); !bytes.Equal(got, want.Canonical()) {
			return fmt.Errorf("%s %s: self-test %s: got %s, want %s: %w", m.Name, m.Version, name, got, want.Canonical(), ErrSelfTest)
		}
	}
	return nil
}
