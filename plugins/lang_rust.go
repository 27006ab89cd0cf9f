package plugins

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	rustpdk "github.com/subnetd/subnetd/pdk/rust"
)

// A Rust scorer is a Cargo library crate that depends on pdk/rust (the crate subnetd-pdk) and
// ends with subnetd_pdk::register!(score) or register!(score, challenge). plugin build compiles
// it for wasm32-wasi as a cdylib (a reactor exporting ABI v1) with the toolchain Debian ships
// (rustc 1.63); plugin bench builds the same crate natively behind a generated main.
// docs/scorers-rust.md is the author's guide.

// rustInstall is what Toolchain asks for when no Rust with a wasm32-wasi standard library is found.
const rustInstall = "apt-get install rustc cargo libstd-rust-dev-wasm32"

// debianRustc is Debian's rustc, tried after $RUSTC and PATH (see findRust).
const debianRustc = "/usr/bin/rustc"

// rustLang is the Language of Rust scorers. fallback is the rustc tried after $RUSTC and PATH
// (debianRustc; tests give an absent path to see a missing toolchain on a machine that has it).
type rustLang struct{ fallback string }

// RustLanguage returns the Language of Rust scorers (a Cargo crate using pdk/rust).
func RustLanguage() Language { return rustLang{fallback: debianRustc} }

func (rustLang) Name() Lang { return LangRust }

// Detect reports a Rust project: dir holds a Cargo.toml that depends on subnetd-pdk.
func (rustLang) Detect(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "Cargo.toml"))
	return err == nil && bytes.Contains(b, []byte("subnetd-pdk"))
}

// rustTools is a Rust toolchain able to build for WASI: rustc, its cargo and the WASI target's name.
type rustTools struct {
	rustc, cargo, target string
}

// findRust looks for a rustc whose sysroot has a WASI standard library ($RUSTC, rustc on PATH,
// then fallback, Debian's /usr/bin/rustc: a rustup toolchain on PATH often has no wasm target)
// and the cargo beside it.
func findRust(ctx context.Context, fallback string) (rustTools, error) {
	var cands []string
	if v := os.Getenv("RUSTC"); v != "" {
		cands = append(cands, v)
	}
	if p, err := exec.LookPath("rustc"); err == nil {
		cands = append(cands, p)
	}
	if fallback != "" {
		cands = append(cands, fallback)
	}
	seen := map[string]bool{}
	for _, rc := range cands {
		if seen[rc] {
			continue
		}
		seen[rc] = true
		out, err := exec.CommandContext(ctx, rc, "--print", "sysroot").Output()
		if err != nil {
			continue
		}
		sysroot := strings.TrimSpace(string(out))
		for _, target := range []string{"wasm32-wasip1", "wasm32-wasi"} {
			if st, err := os.Stat(filepath.Join(sysroot, "lib", "rustlib", target, "lib")); err != nil || !st.IsDir() {
				continue
			}
			cargo := filepath.Join(filepath.Dir(rc), "cargo")
			if _, err := os.Stat(cargo); err != nil {
				if cargo, err = exec.LookPath("cargo"); err != nil {
					return rustTools{}, fmt.Errorf("rust toolchain missing: %s has a WASI target but there is no cargo (%s): %w", rc, rustInstall, ErrNoToolchain)
				}
			}
			return rustTools{rustc: rc, cargo: cargo, target: target}, nil
		}
	}
	return rustTools{}, fmt.Errorf("rust toolchain missing: no rustc with the wasm32-wasi standard library (%s): %w", rustInstall, ErrNoToolchain)
}

// Toolchain checks for rustc with a WASI standard library, and cargo.
func (l rustLang) Toolchain(ctx context.Context, dir string) error {
	_, err := findRust(ctx, l.fallback)
	return err
}

// env is the environment of every cargo run: the chosen rustc, offline, no colours.
func (t rustTools) env(extra ...string) []string {
	env := append(os.Environ(), "RUSTC="+t.rustc, "CARGO_NET_OFFLINE=true", "CARGO_TERM_COLOR=never")
	return append(env, extra...)
}

// cargoPackage is the part of `cargo metadata` the build reads.
type cargoPackage struct {
	Name         string `json:"name"`
	ID           string `json:"id"`
	ManifestPath string `json:"manifest_path"`
	Targets      []struct {
		Name string   `json:"name"`
		Kind []string `json:"kind"`
	} `json:"targets"`
}

// cargoMeta is a crate's metadata: its own package and every package it builds from.
type cargoMeta struct {
	root     cargoPackage
	packages []cargoPackage
}

func (t rustTools) metadata(ctx context.Context, dir string) (cargoMeta, error) {
	cmd := exec.CommandContext(ctx, t.cargo, "metadata", "--offline", "--format-version", "1", "--manifest-path", filepath.Join(dir, "Cargo.toml"))
	cmd.Dir = dir
	cmd.Env = t.env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return cargoMeta{}, fmt.Errorf("cargo metadata: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	var m struct {
		Packages []cargoPackage `json:"packages"`
		Resolve  struct {
			Root string `json:"root"`
		} `json:"resolve"`
	}
	if err := json.Unmarshal(out, &m); err != nil {
		return cargoMeta{}, fmt.Errorf("cargo metadata: %w", err)
	}
	meta := cargoMeta{packages: m.Packages}
	for _, p := range m.Packages {
		if p.ID == m.Resolve.Root {
			meta.root = p
		}
	}
	if meta.root.Name == "" {
		return cargoMeta{}, fmt.Errorf("cargo metadata: %s is not a package (a workspace root?)", dir)
	}
	return meta, nil
}

// libName is the crate's library target name (the file stem cargo writes), or "".
func (p cargoPackage) libName() string {
	for _, t := range p.Targets {
		for _, k := range t.Kind {
			if k == "lib" || k == "cdylib" || k == "rlib" {
				return strings.ReplaceAll(t.Name, "-", "_")
			}
		}
	}
	return ""
}

// rustFlags are the flags every crate of a build gets: no debug info in the module, and every
// package's directory (and cargo's home) renamed, so that where the project lies on the build
// machine does not reach the module's bytes (panic messages carry source paths).
func rustFlags(meta cargoMeta, extra ...string) string {
	flags := append([]string{}, extra...)
	var dirs []string
	names := map[string]string{}
	for _, p := range meta.packages {
		d := filepath.Dir(p.ManifestPath)
		dirs = append(dirs, d)
		names[d] = "/src/" + p.Name
	}
	// Longest first: a nested package's prefix wins over its parent's.
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
	for _, d := range dirs {
		flags = append(flags, "--remap-path-prefix="+d+"="+names[d])
	}
	if home, err := os.UserHomeDir(); err == nil {
		flags = append(flags, "--remap-path-prefix="+filepath.Join(home, ".cargo")+"=/cargo")
	}
	return strings.Join(flags, "\x1f")
}

// rustProfile is the release profile of every build, set here so a project needs none: one
// codegen unit and LTO (speed, and the same code on every machine), no debug info.
var rustProfile = []string{
	"CARGO_PROFILE_RELEASE_OPT_LEVEL=3",
	"CARGO_PROFILE_RELEASE_LTO=true",
	"CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1",
	"CARGO_PROFILE_RELEASE_DEBUG=false",
	"CARGO_PROFILE_RELEASE_INCREMENTAL=false",
}

// BuildWasm builds the crate in dir with `cargo rustc --release --target wasm32-wasi
// --crate-type cdylib` (offline) and copies the module to out; it is screened against ABI v1.
func (l rustLang) BuildWasm(ctx context.Context, dir, name, out string) error {
	t, err := findRust(ctx, l.fallback)
	if err != nil {
		return fmt.Errorf("build %s: %w", name, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("build %s: %w", name, err)
	}
	meta, err := t.metadata(ctx, abs)
	if err != nil {
		return fmt.Errorf("build %s: %w", name, err)
	}
	lib := meta.root.libName()
	if lib == "" {
		return fmt.Errorf("build %s: %s has no library target: a Rust scorer is a library crate (src/lib.rs)", name, filepath.Join(dir, "Cargo.toml"))
	}
	args := []string{"rustc", "--offline", "--release", "--lib", "--target", t.target, "--crate-type", "cdylib",
		"--manifest-path", filepath.Join(abs, "Cargo.toml")}
	cmd := exec.CommandContext(ctx, t.cargo, args...)
	cmd.Dir = abs
	cmd.Env = t.env(append(rustProfile, "CARGO_PROFILE_RELEASE_PANIC=abort",
		"CARGO_ENCODED_RUSTFLAGS="+rustFlags(meta, "-Cstrip=debuginfo", "-Ctarget-feature=+bulk-memory,+sign-ext,+nontrapping-fptoint"))...)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build %s: cargo %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(output.String()))
	}
	targetDir := filepath.Join(abs, "target")
	if v := os.Getenv("CARGO_TARGET_DIR"); v != "" {
		targetDir = v
	}
	b, err := os.ReadFile(filepath.Join(targetDir, t.target, "release", lib+".wasm"))
	if err != nil {
		return fmt.Errorf("build %s: %w", name, err)
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return fmt.Errorf("build %s: %w", name, err)
	}
	if _, err := ScreenFile(out); err != nil {
		return fmt.Errorf("build %s: %w (a Rust scorer ends with subnetd_pdk::register!(score))", name, err)
	}
	return nil
}

// Native builds the same crate for the host behind a generated main (tmp/rust-native) that
// calls the subnetd_native_main register! defines: pdk.Main's bench protocol.
func (l rustLang) Native(ctx context.Context, dir, tmp string) (Native, error) {
	t, err := findRust(ctx, l.fallback)
	if err != nil {
		return Native{}, fmt.Errorf("native rust: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Native{}, err
	}
	meta, err := t.metadata(ctx, abs)
	if err != nil {
		return Native{}, fmt.Errorf("native rust: %w", err)
	}
	if meta.root.libName() == "" {
		return Native{}, fmt.Errorf("native rust: %s has no library target", dir)
	}
	nd := filepath.Join(tmp, "rust-native")
	manifest := fmt.Sprintf(`[package]
name = "subnetd-native"
version = "0.0.0"
edition = "2021"

[dependencies]
scorer = { path = %q, package = %q }

[[bin]]
name = "scorer"
path = "main.rs"

[workspace]
`, abs, meta.root.Name)
	files := map[string]string{
		"Cargo.toml": manifest,
		"main.rs":    "fn main() {\n    scorer::subnetd_native_main()\n}\n",
	}
	// The project's cargo configuration (an offline registry, say) applies to this build too.
	if b, err := os.ReadFile(filepath.Join(abs, ".cargo", "config.toml")); err == nil {
		files[".cargo/config.toml"] = string(b)
	}
	if err := writeProjectFiles(nd, files); err != nil {
		return Native{}, fmt.Errorf("native rust: %w", err)
	}
	args := []string{"build", "--offline", "--release", "--manifest-path", filepath.Join(nd, "Cargo.toml")}
	cmd := exec.CommandContext(ctx, t.cargo, args...)
	cmd.Dir = nd
	cmd.Env = t.env(append(rustProfile, "CARGO_TARGET_DIR="+filepath.Join(nd, "target"))...)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		return Native{}, fmt.Errorf("native rust: cargo %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(output.String()))
	}
	return Native{Argv: []string{filepath.Join(nd, "target", "release", "scorer")}, Protocol: NativeBench}, nil
}

// rustCrateName is a Cargo package name for a scorer called name (a package name may not
// start with a digit).
func rustCrateName(name string) string {
	if name != "" && name[0] >= '0' && name[0] <= '9' {
		return "scorer-" + name
	}
	return name
}

var rustNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// New writes a Rust project: Cargo.toml, src/lib.rs (rewards miners that answer, and answer
// fast), subnetd-pdk/ (the kit, from this binary), the fixtures, README.md and .gitignore.
func (rustLang) New(ctx context.Context, dir, name string) error {
	if !rustNameRE.MatchString(name) {
		return fmt.Errorf("new %s: a Rust scorer's name is letters, digits, - and _", name)
	}
	files, err := starterFixtures()
	if err != nil {
		return fmt.Errorf("new %s: %w", name, err)
	}
	files["Cargo.toml"] = fmt.Sprintf(rustNewManifest, rustCrateName(name))
	files["src/lib.rs"] = fmt.Sprintf(rustNewLib, name)
	files["README.md"] = fmt.Sprintf(rustNewReadme, name)
	files[".gitignore"] = "/target\n*.wasm\ndist/\n"
	err = fs.WalkDir(rustpdk.Kit, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := rustpdk.Kit.ReadFile(p)
		if err != nil {
			return err
		}
		files["subnetd-pdk/"+p] = string(b)
		return nil
	})
	if err != nil {
		return fmt.Errorf("new %s: %w", name, err)
	}
	if err := writeProjectFiles(dir, files); err != nil {
		return fmt.Errorf("new %s: %w", name, err)
	}
	return nil
}

const rustNewManifest = `[package]
name = %q
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
subnetd-pdk = { path = "subnetd-pdk" }
`

const rustNewLib = `//! %[1]s: a subnetd scorer that rewards miners that answer, and answer fast.
//!
//! Build it with 'subnetd plugin build .'; test it with 'subnetd plugin test .'.

use subnetd_pdk::{Round, Scores};

/// score gives every miner that answered (status 200, a response other than null)
/// 1/(1 + latency in seconds), and 0 to the others.
fn score(r: &Round) -> Result<Scores, String> {
    let mut s = Scores::with_capacity(r.miners.len());
    for m in &r.miners {
        let mut q = 0.0;
        if m.status == 200 && !m.response.is_absent() && !m.response.is_null() {
            q = 1.0 / (1.0 + m.latency_ms / 1000.0);
        }
        s.push(m.uid, q);
    }
    Ok(s)
}

subnetd_pdk::register!(score);
`

const rustNewReadme = "# %[1]s\n\n" + `A subnetd scorer written in Rust: src/lib.rs turns a Round (what every miner answered) into
Scores with the subnetd kit (the crate subnetd-pdk, a copy of which is in subnetd-pdk/). plugin
build compiles it for wasm32-wasi (rustc 1.63 or later: ` + "`apt-get install rustc cargo libstd-rust-dev-wasm32`" + `).
docs/scorers-rust.md in the subnetd repository is the guide.

    subnetd plugin test .            # build, then check every fixtures/*.round.json
    subnetd plugin build .           # -> %[1]s.wasm
    subnetd plugin bench .           # against the same crate built natively
    subnetd score --plugin %[1]s.wasm --round fixtures/basic.round.json
    subnetd plugin pack . --version 0.1.0 --netuid 1

fixtures/NAME.round.json is a Round; fixtures/NAME.scores.json the Scores the scorer must
return for it (NAME.error.txt instead: a text the round's error must contain).
`
