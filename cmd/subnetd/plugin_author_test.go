package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/subnetd/subnetd/plugins"
)

// TestPluginAuthorFlow walks a new Go scorer from `plugin new` to a verified signed package, and
// checks the failures an author meets on the way.
func TestPluginAuthorFlow(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "fast-answers")
	cache := filepath.Join(tmp, "cache") // compiled once, reused by every step
	if _, _, err := runCLI("plugin", "new", dir, "--subnetd-src", "../.."); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"main.go", "go.mod", "README.md", "fixtures/basic.round.json", "fixtures/basic.scores.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("plugin new did not write %s: %v", f, err)
		}
	}
	if _, errOut, err := runCLI("plugin", "test", dir, "--cache-dir", cache); err != nil || !strings.Contains(errOut, "1 passed, 0 failed") {
		t.Fatalf("a new project must pass its own test: %v\n%s", err, errOut)
	}
	// Refusals: an existing directory, a bad name, an unknown language.
	for _, args := range [][]string{{dir}, {filepath.Join(tmp, "Bad Name")}, {filepath.Join(tmp, "x"), "--lang", "cobol"}} {
		if _, _, err := runCLI(append([]string{"plugin", "new"}, args...)...); err == nil {
			t.Errorf("plugin new %v succeeded", args)
		}
	}

	// A wrong expectation fails with a per-uid diff; an expected error passes only when it happens.
	good, _ := os.ReadFile(filepath.Join(dir, "fixtures", "basic.scores.json"))
	os.WriteFile(filepath.Join(dir, "fixtures", "basic.scores.json"), []byte(strings.Replace(string(good), `"score":0.5`, `"score":0.25`, 1)), 0o644)
	os.WriteFile(filepath.Join(dir, "fixtures", "bad.round.json"), []byte(`{"abi":1,"miners":[{"uid":1,"status":200,"latency_ms":10,"response":{}}]}`), 0o644)
	os.WriteFile(filepath.Join(dir, "fixtures", "bad.error.txt"), []byte("this never happens\n"), 0o644)
	_, errOut, err := runCLI("plugin", "test", dir, "--cache-dir", cache)
	if err == nil || !strings.Contains(errOut, "uid 2: got 0.5, want 0.25") || !strings.Contains(errOut, "FAIL bad") || !strings.Contains(errOut, "0 passed, 2 failed") {
		t.Fatalf("failures not reported (%v):\n%s", err, errOut)
	}
	os.Remove(filepath.Join(dir, "fixtures", "bad.round.json"))
	os.Remove(filepath.Join(dir, "fixtures", "bad.error.txt"))
	if _, _, err := runCLI("plugin", "test", dir, "--cache-dir", cache, "--update"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "fixtures", "basic.scores.json")); string(b) != string(good) {
		t.Fatalf("--update wrote %s, the scorer returns %s", b, good)
	}

	// pack → sign → verify.
	if _, _, err := runCLI("plugin", "pack", dir); err == nil {
		t.Fatal("pack without --version succeeded")
	}
	pkgOut, _, err := runCLI("plugin", "pack", dir, "--version", "0.1.0", "--netuid", "7", "--memory-pages", "256", "--cache-dir", cache)
	if err != nil {
		t.Fatal(err)
	}
	pkg := strings.TrimSpace(pkgOut)
	p, err := plugins.ReadPackage(pkg)
	if err != nil {
		t.Fatal(err)
	}
	if m := p.Manifest; m.Name != "fast-answers" || m.Netuid != 7 || len(m.SelfTests) != 1 || m.Limits == nil || m.Limits.MemoryPages != 256 || p.Signature != nil {
		t.Fatalf("manifest %+v", m)
	}
	keyFile := filepath.Join(tmp, "publisher.key")
	if _, _, err := runCLI("plugin", "sign", pkg, "--key", keyFile); err == nil {
		t.Fatal("sign with a missing key file succeeded")
	}
	keyOut, _, err := runCLI("plugin", "sign", pkg, "--key", keyFile, "--new-key")
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(keyFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v %v", st, err)
	}
	key := strings.TrimSpace(keyOut)
	out, _, err := runCLI("plugin", "verify", pkg, "--key", key, "--cache-dir", cache)
	if err != nil {
		t.Fatal(err)
	}
	var rep authorVerifyReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || !rep.OK || !rep.Pinned || rep.SignedBy != key || rep.SelfTests != 1 {
		t.Fatalf("verify report %s (%v)", out, err)
	}
	// Another key, a changed manifest, a module that does not match: refused.
	other := "ed25519:0x" + strings.Repeat("11", 32)
	if _, _, err := runCLI("plugin", "verify", pkg, "--key", other, "--cache-dir", cache); err == nil {
		t.Error("verify accepted a package signed by a key that is not pinned")
	}
	mb, _ := os.ReadFile(filepath.Join(pkg, "manifest.json"))
	os.WriteFile(filepath.Join(pkg, "manifest.json"), []byte(strings.Replace(string(mb), `"netuid": 7`, `"netuid": 8`, 1)), 0o644)
	if _, _, err := runCLI("plugin", "verify", pkg, "--key", key, "--cache-dir", cache); err == nil {
		t.Error("verify accepted a manifest changed after signing")
	}
	os.WriteFile(filepath.Join(pkg, "manifest.json"), mb, 0o644)

	// The acceptance policy (plugins.Accept), through the CLI: no pins, a subnet, the limits.
	out, _, err = runCLI("plugin", "verify", pkg, "--netuid", "7", "--cache-dir", cache)
	if err != nil {
		t.Fatalf("unpinned verify of a signed package: %v", err)
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || !rep.OK || rep.Pinned || rep.SignedBy != key {
		t.Fatalf("unpinned verify of a signed package: %s (%v)", out, err)
	}
	if _, _, err := runCLI("plugin", "verify", pkg, "--netuid", "8", "--cache-dir", cache); !errors.Is(err, plugins.ErrBadManifest) {
		t.Errorf("verify for another subnet: %v", err)
	}
	if _, _, err := runCLI("plugin", "verify", pkg, "--key", key, "--memory-pages", "128", "--cache-dir", cache); err == nil || !strings.Contains(err.Error(), "memory_pages 256 > 128") {
		t.Errorf("verify of a package asking for more than the limits: %v", err)
	}
	sigPath := filepath.Join(pkg, plugins.SignatureFile)
	sig, _ := os.ReadFile(sigPath)
	var broken plugins.Signature
	json.Unmarshal(sig, &broken)
	// Change the last hex digit to another one (a constant would leave it unchanged whenever it
	// already was that constant).
	if broken.Signature[len(broken.Signature)-1] == '0' {
		broken.Signature = broken.Signature[:len(broken.Signature)-1] + "1"
	} else {
		broken.Signature = broken.Signature[:len(broken.Signature)-1] + "0"
	}
	bb, _ := json.Marshal(broken)
	os.WriteFile(sigPath, bb, 0o644)
	if _, _, err := runCLI("plugin", "verify", pkg, "--cache-dir", cache); !errors.Is(err, plugins.ErrBadSignature) {
		t.Errorf("unpinned verify accepted a broken signature: %v", err)
	}
	os.Remove(sigPath)
	os.WriteFile(filepath.Join(pkg, "manifest.json"), []byte(strings.Replace(string(mb), `"score": 0.5`, `"score": 0.25`, 1)), 0o644)
	if _, _, err := runCLI("plugin", "verify", pkg, "--cache-dir", cache); !errors.Is(err, plugins.ErrSelfTest) {
		t.Errorf("verify accepted a failing self-test: %v", err)
	}
	os.WriteFile(filepath.Join(pkg, "manifest.json"), mb, 0o644)
	os.WriteFile(sigPath, sig, 0o644)
	os.WriteFile(filepath.Join(pkg, "fast-answers.wasm"), []byte("\x00asm\x01\x00\x00\x00"), 0o644)
	if _, _, err := runCLI("plugin", "verify", pkg, "--key", key, "--cache-dir", cache); err == nil {
		t.Error("verify accepted a module whose hash does not match")
	}
}

// TestPluginNewAssemblyScript creates an AssemblyScript project and runs its fixtures, with
// the compiler installed by scripts/install-asc.sh (linked in, so the test needs no network).
func TestPluginNewAssemblyScript(t *testing.T) {
	asc, err := plugins.FindASC("../../pdk/assemblyscript")
	if err != nil {
		t.Skipf("AssemblyScript compiler not installed (run scripts/install-asc.sh): %v", err)
	}
	dir := filepath.Join(t.TempDir(), "fast-ts")
	cache := filepath.Join(filepath.Dir(dir), "cache")
	if _, _, err := runCLI("plugin", "new", dir, "--lang", "assemblyscript", "--no-install"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err == nil {
		t.Fatal("plugin new --no-install installed the compiler")
	}
	// What npm install would do: node_modules/assemblyscript and the kit linked from subnetd-pdk
	// (TestPluginNew_Binary runs the real npm install).
	os.MkdirAll(filepath.Join(dir, "node_modules", "@subnetd"), 0o755)
	ascPkg, _ := filepath.Abs(filepath.Dir(filepath.Dir(asc)))
	if err := os.Symlink(ascPkg, filepath.Join(dir, "node_modules", "assemblyscript")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "subnetd-pdk"), filepath.Join(dir, "node_modules", "@subnetd", "pdk")); err != nil {
		t.Fatal(err)
	}
	if _, errOut, err := runCLI("plugin", "test", dir, "--cache-dir", cache); err != nil || !strings.Contains(errOut, "1 passed, 0 failed") {
		t.Fatalf("a new AssemblyScript project must pass its own test: %v\n%s", err, errOut)
	}
}
