package plugins_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/runtime"
)

// latencyPackage packs the latency example with the given self-test expectation and limits,
// signed by priv when it is not nil.
func latencyPackage(t *testing.T, expect string, limits *runtime.Limits, priv ed25519.PrivateKey, tamper bool) *plugins.Package {
	t.Helper()
	wasm := buildOnce(t, "../examples/scorers/latency")
	round := `{"abi":1,"netuid":3,"block":1,"block_hash":"0x00","seed":"0x` + strings.Repeat("00", 32) + `","validator":{"uid":0,"hotkey":"v"},` +
		`"challenge":null,"miners":[{"uid":1,"hotkey":"a","stake":1,"status":200,"latency_ms":500,"response":{"x":1}}],"state":""}`
	m := plugins.Manifest{Name: "latency", Version: "1.0.0", Netuid: 3, ABI: runtime.ABIVersion, SHA256: sha256Hex(wasm), Limits: limits,
		SelfTests: []plugins.SelfTest{{Name: "one", Round: json.RawMessage(round), Expect: json.RawMessage(expect)}}}
	mb, _ := json.Marshal(m)
	var sig []byte
	if priv != nil {
		s := plugins.SignEd25519(priv, mb)
		if tamper {
			// Change the last hex digit to another one (a constant would leave it unchanged whenever
			// it already was that constant).
			if s.Signature[len(s.Signature)-1] == '0' {
				s.Signature = s.Signature[:len(s.Signature)-1] + "1"
			} else {
				s.Signature = s.Signature[:len(s.Signature)-1] + "0"
			}
		}
		sig, _ = json.Marshal(s)
	}
	p, err := plugins.ParsePackage(mb, wasm, sig)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAccept walks every step of the acceptance policy: pinned, unpinned (unsigned, signed,
// broken signature), a key that is not pinned, another subnet, limits over, a failing self-test.
// The CLI (plugin verify) and the daemon (validator Reload) call Accept; their tests check the
// same cases through them.
func TestAccept(t *testing.T) {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Config{CacheDir: t.TempDir()}) // compiled once
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	other := ed25519.NewKeyFromSeed(append(make([]byte, 31), 7))
	pin, _ := plugins.ParsePublicKey("ed25519:" + plugins.SignEd25519(priv, nil).PublicKey)
	// latency: EMA 1 (first round) × 500/(500+500) = 0.5, state the history.
	good := `{"scores":[{"uid":1,"score":0.5}],"state":"` + b64(`[{"uid":1,"hotkey":"a","ema":1}]`) + `"}`
	wrong := `{"scores":[{"uid":1,"score":0.25}]}`
	three, four := uint16(3), uint16(4)
	tests := []struct {
		name       string
		pkg        *plugins.Package
		pol        plugins.Policy
		want       error
		signedBy   bool
		wantPinned bool
	}{
		{"pinned", latencyPackage(t, good, nil, priv, false), plugins.Policy{Netuid: &three, Pins: []plugins.PublicKey{pin}}, nil, true, true},
		{"unpinned, unsigned", latencyPackage(t, good, nil, nil, false), plugins.Policy{}, nil, false, false},
		{"unpinned, signed", latencyPackage(t, good, nil, other, false), plugins.Policy{}, nil, true, false},
		{"unpinned, broken signature", latencyPackage(t, good, nil, priv, true), plugins.Policy{}, plugins.ErrBadSignature, false, false},
		{"pinned, unsigned", latencyPackage(t, good, nil, nil, false), plugins.Policy{Pins: []plugins.PublicKey{pin}}, plugins.ErrUnsigned, false, false},
		{"wrong key", latencyPackage(t, good, nil, other, false), plugins.Policy{Pins: []plugins.PublicKey{pin}}, plugins.ErrBadSignature, false, false},
		{"other subnet", latencyPackage(t, good, nil, nil, false), plugins.Policy{Netuid: &four}, plugins.ErrBadManifest, false, false},
		{"limits over", latencyPackage(t, good, &runtime.Limits{MemoryPages: 2048}, nil, false), plugins.Policy{}, plugins.ErrBadManifest, false, false},
		{"gas over", latencyPackage(t, good, &runtime.Limits{Gas: 2 * runtime.DefaultGas}, nil, false), plugins.Policy{}, plugins.ErrBadManifest, false, false},
		{"module over the subnet's size", latencyPackage(t, good, nil, nil, false), plugins.Policy{Limits: runtime.Limits{MaxModuleBytes: 1024}}, runtime.ErrModuleTooLarge, false, false},
		{"self-test failure", latencyPackage(t, wrong, nil, nil, false), plugins.Policy{}, plugins.ErrSelfTest, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			acc, err := plugins.Accept(ctx, tc.pkg, tc.pol, plugins.RuntimeLoader(rt))
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("Accept = %v, want %v", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer acc.Scorer.Close(ctx)
			if acc.Pinned != tc.wantPinned || (acc.SignedBy != "") != tc.signedBy || acc.SelfTests != 1 {
				t.Fatalf("accepted %+v", acc)
			}
		})
	}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
