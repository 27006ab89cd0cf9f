package plugins

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/subnetd/subnetd/runtime"
	"github.com/subnetd/subnetd/wallet"
)

func testManifest(t *testing.T, wasm []byte, mod func(*Manifest)) []byte {
	t.Helper()
	m := Manifest{Name: "demo", Version: "1.0.0", Netuid: 3, ABI: 1, SHA256: sha256Hex(wasm)}
	if mod != nil {
		mod(&m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParsePackage(t *testing.T) {
	wasm := []byte("module bytes")
	tests := []struct {
		name     string
		manifest []byte
		wasm     []byte
		want     error
	}{
		{"ok", testManifest(t, wasm, nil), wasm, nil},
		{"hash mismatch", testManifest(t, wasm, nil), []byte("other bytes"), ErrHashMismatch},
		{"abi 2", testManifest(t, wasm, func(m *Manifest) { m.ABI = 2 }), wasm, ErrABIVersion},
		{"bad name", testManifest(t, wasm, func(m *Manifest) { m.Name = "Bad Name" }), wasm, ErrBadManifest},
		{"no version", testManifest(t, wasm, func(m *Manifest) { m.Version = "" }), wasm, ErrBadManifest},
		{"module path", testManifest(t, wasm, func(m *Manifest) { m.Module = "../x.wasm" }), wasm, ErrBadManifest},
		{"unknown field", []byte(`{"name":"demo","version":"1","abi":1,"sha256":"` + sha256Hex(wasm) + `","extra":1}`), wasm, ErrBadManifest},
		{"not json", []byte(`{`), wasm, ErrBadManifest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePackage(tc.manifest, tc.wasm, nil)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestPackage_Verify(t *testing.T) {
	wasm := []byte("module bytes")
	m := testManifest(t, wasm, nil)
	edPriv := ed25519.NewKeyFromSeed(make([]byte, 32))
	edPin := PublicKey{Scheme: SchemeEd25519}
	copy(edPin.Key[:], edPriv.Public().(ed25519.PublicKey))
	kp, err := wallet.FromURI("//Publisher")
	if err != nil {
		t.Fatal(err)
	}
	srPin, err := ParsePublicKey("sr25519:" + kp.SS58())
	if err != nil {
		t.Fatal(err)
	}
	srSig, err := SignSr25519(kp, m)
	if err != nil {
		t.Fatal(err)
	}
	other := ed25519.NewKeyFromSeed(append(make([]byte, 31), 1))
	tampered := *SignEd25519(edPriv, m)
	// Change the last hex digit to another one (a constant would leave it unchanged whenever
	// it already was that constant).
	if tampered.Signature[len(tampered.Signature)-1] == '0' {
		tampered.Signature = tampered.Signature[:len(tampered.Signature)-1] + "1"
	} else {
		tampered.Signature = tampered.Signature[:len(tampered.Signature)-1] + "0"
	}
	tests := []struct {
		name string
		sig  *Signature
		pins []PublicKey
		want error
	}{
		{"no pins, unsigned", nil, nil, nil},
		{"ed25519", SignEd25519(edPriv, m), []PublicKey{edPin}, nil},
		{"sr25519", srSig, []PublicKey{edPin, srPin}, nil},
		{"unsigned", nil, []PublicKey{edPin}, ErrUnsigned},
		{"key not pinned", SignEd25519(other, m), []PublicKey{edPin}, ErrBadSignature},
		{"tampered", &tampered, []PublicKey{edPin}, ErrBadSignature},
		{"scheme mismatch", srSig, []PublicKey{{Scheme: SchemeEd25519, Key: srPin.Key}}, ErrBadSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var sigBytes []byte
			if tc.sig != nil {
				sigBytes, _ = json.Marshal(tc.sig)
			}
			p, err := ParsePackage(m, wasm, sigBytes)
			if err != nil {
				t.Fatal(err)
			}
			err = p.Verify(tc.pins)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	// A signature over the manifest does not cover a different manifest.
	p, _ := ParsePackage(testManifest(t, wasm, func(m *Manifest) { m.Version = "9.9.9" }), wasm, mustJSON(SignEd25519(edPriv, m)))
	if err := p.Verify([]PublicKey{edPin}); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("signature reused on another manifest: %v", err)
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func TestParsePublicKey(t *testing.T) {
	for _, s := range []string{"", "ed25519", "rsa:0x00", "ed25519:0x1234", "ed25519:5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"} {
		if _, err := ParsePublicKey(s); err == nil {
			t.Errorf("ParsePublicKey(%q) accepted", s)
		}
	}
	k, err := ParsePublicKey("sr25519:5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY")
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParsePublicKey(k.String())
	if err != nil || back != k {
		t.Fatalf("round trip %v %v", back, err)
	}
}

func TestManifest_CheckLimits(t *testing.T) {
	allowed := runtime.DefaultLimits()
	m := Manifest{Name: "x", Limits: &runtime.Limits{MemoryPages: allowed.MemoryPages, Timeout: allowed.Timeout}}
	if err := m.CheckLimits(allowed); err != nil {
		t.Fatal(err)
	}
	m.Limits.Timeout = allowed.Timeout + time.Second
	if err := m.CheckLimits(allowed); !errors.Is(err, ErrBadManifest) {
		t.Fatalf("err = %v", err)
	}
}

func TestWatcher_Scan(t *testing.T) {
	dir := t.TempDir()
	wasm := []byte("module bytes")
	m := testManifest(t, wasm, nil)
	w := NewWatcher(dir, time.Second)
	var seen []string
	var errs []error
	scan := func() {
		w.Scan(func(d string, p *Package, err error) {
			if err != nil {
				errs = append(errs, err)
				return
			}
			seen = append(seen, p.Manifest.Version)
		})
	}
	scan()
	if len(seen)+len(errs) != 0 {
		t.Fatal("empty directory reported something")
	}
	if err := WritePackage(filepath.Join(dir, "v1"), m, wasm, nil, "demo.wasm"); err != nil {
		t.Fatal(err)
	}
	scan()
	scan() // reported once
	if len(seen) != 1 || seen[0] != "1.0.0" {
		t.Fatalf("seen %v errs %v", seen, errs)
	}
	// A package whose module is still being copied is reported once and retried until whole.
	m2 := testManifest(t, wasm, func(m *Manifest) { m.Version = "2.0.0" })
	if err := WritePackage(filepath.Join(dir, "v2"), m2, wasm[:4], nil, "demo.wasm"); err != nil {
		t.Fatal(err)
	}
	scan()
	scan()
	if len(errs) != 1 || !errors.Is(errs[0], ErrHashMismatch) || len(seen) != 1 {
		t.Fatalf("partial package: seen %v errs %v", seen, errs)
	}
	if err := os.WriteFile(filepath.Join(dir, "v2", "demo.wasm"), wasm, 0o644); err != nil {
		t.Fatal(err)
	}
	scan()
	if len(seen) != 2 || seen[1] != "2.0.0" {
		t.Fatalf("completed package not reported: seen %v errs %v", seen, errs)
	}
	// Skip marks what is there as seen.
	w2 := NewWatcher(dir, time.Second)
	w2.Skip()
	n := 0
	w2.Scan(func(string, *Package, error) { n++ })
	if n != 0 {
		t.Fatalf("Skip left %d packages to report", n)
	}
}

// FuzzParsePackage: any manifest and signature bytes either parse or are refused; never a panic.
func FuzzParsePackage(f *testing.F) {
	wasm := []byte("module bytes")
	f.Add([]byte(`{"name":"demo","version":"1","abi":1,"sha256":"`+sha256Hex(wasm)+`"}`), []byte(`{"scheme":"ed25519","public_key":"0x00","signature":"0x00"}`))
	f.Add([]byte(`{"name":"demo","self_tests":[{"round":{}}]}`), []byte(nil))
	f.Fuzz(func(t *testing.T, manifest, sig []byte) {
		p, err := ParsePackage(manifest, wasm, sig)
		if err != nil {
			return
		}
		_ = p.Verify([]PublicKey{{Scheme: SchemeEd25519}})
		_ = p.Manifest.CheckLimits(runtime.DefaultLimits())
	})
}
