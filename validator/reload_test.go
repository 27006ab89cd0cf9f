package validator

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/records"
	"github.com/subnetd/subnetd/runtime"
)

// selfTestRound is a small Round for self-test vectors.
const selfTestRound = `{"abi":1,"netuid":7,"block":5,"block_hash":"0x00","block_time_ms":0,` +
	`"seed":"0x0000000000000000000000000000000000000000000000000000000000000000",` +
	`"validator":{"uid":0,"hotkey":"5V"},"challenge":{},"miners":[` +
	`{"uid":1,"hotkey":"5A","stake":0,"status":200,"latency_ms":10,"response":{"a":1}},` +
	`{"uid":2,"hotkey":"5B","stake":0,"status":408,"latency_ms":900,"response":null}],"state":""}`

// manifestFor builds a signed or unsigned package's manifest bytes for wasm.
func manifestFor(t *testing.T, version string, netuid uint16, wasm []byte, tests []plugins.SelfTest) []byte {
	t.Helper()
	m := plugins.Manifest{Name: "latency", Version: version, Netuid: netuid, ABI: 1, Module: "latency.wasm",
		SHA256: records.SHA256Hex(wasm), SelfTests: tests}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSubnet_Reload runs rounds back to back while packages arrive in the watched directory:
// a corrupt module, an unsigned one, one failing its self-test, one for another subnet, then a
// good one. Every round is scored and recorded (none missed), the bad versions are refused while
// the running one keeps scoring, the good one takes over at a round boundary, and every round
// replays identically on the module that scored it.
func TestSubnet_Reload(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := newTestNet(t, filepath.Join(t.TempDir(), "r.db"), 3, 0)
	s := n.subnet(t, SubnetConfig{Interval: 1})
	defer s.Close(ctx)
	v1 := s.Current().SHA256

	// The expected scores of the self-test vector, from the running version.
	meta, err := runtime.ParseRoundMeta([]byte(selfTestRound))
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Current().S.Score(ctx, []byte(selfTestRound), meta)
	if err != nil {
		t.Fatal(err)
	}
	good := []plugins.SelfTest{{Name: "two miners", Round: json.RawMessage(selfTestRound), Expect: out.Scores.Canonical()}}
	wrong := []plugins.SelfTest{{Name: "wrong expectation", Round: json.RawMessage(selfTestRound),
		Expect: json.RawMessage(`{"scores":[{"uid":1,"score":0.5},{"uid":2,"score":0}]}`)}}

	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	pin := plugins.PublicKey{Scheme: plugins.SchemeEd25519}
	copy(pin.Key[:], priv.Public().(ed25519.PublicKey))
	pins := []plugins.PublicKey{pin}

	v2wasm := withCustomSection(latencyWasm, "subnetd-test-v2")
	garbage := []byte("\x00asm\x01\x00\x00\x00 this is not a module")
	type step struct {
		name    string
		version string
		netuid  uint16
		wasm    []byte
		tests   []plugins.SelfTest
		sign    bool
		want    error
	}
	steps := []step{
		{"corrupt module", "1.1.0", testNetuid, garbage, nil, true, runtime.ErrInvalidModule},
		{"unsigned", "1.2.0", testNetuid, v2wasm, good, false, plugins.ErrUnsigned},
		{"failing self-test", "1.3.0", testNetuid, v2wasm, wrong, true, plugins.ErrSelfTest},
		{"other subnet", "1.4.0", testNetuid + 1, v2wasm, good, true, plugins.ErrBadManifest},
		{"good", "2.0.0", testNetuid, v2wasm, good, true, nil},
	}

	watchDir := t.TempDir()
	results := make(chan error, 16)
	w := plugins.NewWatcher(watchDir, 50*time.Millisecond)
	go w.Run(ctx, func(dir string, p *plugins.Package, err error) {
		if err == nil {
			err = s.Reload(ctx, p, pins)
		}
		results <- err
	})

	rounds := 0
	round := func() {
		t.Helper()
		if _, err := n.ch.Advance(1); err != nil {
			t.Fatal(err)
		}
		res, err := s.RunRound(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.ScorerErr != nil || res.TxErr != nil {
			t.Fatalf("round %d: scorer %v, tx %v", rounds+1, res.ScorerErr, res.TxErr)
		}
		rounds++
	}
	for i, st := range steps {
		m := manifestFor(t, st.version, st.netuid, st.wasm, st.tests)
		var sig *plugins.Signature
		if st.sign {
			sig = plugins.SignEd25519(priv, m)
		}
		if err := plugins.WritePackage(filepath.Join(watchDir, fmt.Sprintf("%d-%s", i, st.version)), m, st.wasm, sig, "latency.wasm"); err != nil {
			t.Fatal(err)
		}
		// Keep scoring until the watcher has judged the package.
		// The verdict takes a compile of the package (slow under the race detector), so the wait is
		// bounded in time, not in rounds; rounds go on meanwhile, as they would in the daemon.
		var got error
		deadline := time.Now().Add(5 * time.Minute)
	wait:
		for {
			select {
			case got = <-results:
				break wait
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: no verdict after %d rounds", st.name, rounds)
			}
			round()
			time.Sleep(20 * time.Millisecond)
		}
		if st.want == nil && got != nil || st.want != nil && !errors.Is(got, st.want) {
			t.Fatalf("%s: verdict %v, want %v", st.name, got, st.want)
		}
		if st.want != nil && s.Current().SHA256 != v1 {
			t.Fatalf("%s: running version changed to %s", st.name, s.Current().SHA256)
		}
	}
	round() // the boundary: version 2 takes over here
	round()
	if cur := s.Current(); cur.Version != "2.0.0" || cur.SHA256 != records.SHA256Hex(v2wasm) {
		t.Fatalf("running %s %s after the good package", cur.Version, cur.SHA256)
	}

	// Zero missed rounds: one record per round, v1 then v2, switching exactly once.
	var shas []string
	err = n.db.Each(ctx, func(r *records.Round) error {
		if r.Error != "" || r.TxError != "" {
			return fmt.Errorf("round %d failed: %s %s", r.ID, r.Error, r.TxError)
		}
		shas = append(shas, r.ModuleSHA256)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(shas) != rounds {
		t.Fatalf("%d records for %d rounds", len(shas), rounds)
	}
	switches := 0
	for i := 1; i < len(shas); i++ {
		if shas[i] != shas[i-1] {
			switches++
		}
	}
	if shas[0] != v1 || shas[len(shas)-1] != records.SHA256Hex(v2wasm) || switches != 1 {
		t.Fatalf("module sequence: first %s, last %s, %d switches", shas[0][:8], shas[len(shas)-1][:8], switches)
	}
	sum, err := records.Replay(ctx, n.db, records.ReplayOptions{CacheDir: cacheDir}, nil)
	if err != nil || !sum.AllMatch || sum.Identical != rounds {
		t.Fatalf("replay %+v %v", sum, err)
	}
	if !strings.HasPrefix(s.Status().Version, "2.0.0") {
		t.Fatalf("status %+v", s.Status())
	}
}

// TestSubnet_Reload_policy drives the acceptance policy (plugins.Accept) through the daemon's
// caller: the signature rule with and without pins, a package asking for more than the
// subnet's limits, and a failing self-test are refused and change nothing; an unsigned package
// without pins is accepted. plugins.TestAccept and the plugin verify test check the same cases
// through the library and the CLI.
func TestSubnet_Reload_policy(t *testing.T) {
	ctx := context.Background()
	n := newTestNet(t, filepath.Join(t.TempDir(), "p.db"), 2, 0)
	s := n.subnet(t, SubnetConfig{Interval: 1})
	defer s.Close(ctx)
	v1 := s.Current().SHA256
	meta, err := runtime.ParseRoundMeta([]byte(selfTestRound))
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Current().S.Score(ctx, []byte(selfTestRound), meta)
	if err != nil {
		t.Fatal(err)
	}
	good := []plugins.SelfTest{{Name: "two miners", Round: json.RawMessage(selfTestRound), Expect: out.Scores.Canonical()}}
	wrong := []plugins.SelfTest{{Name: "wrong", Round: json.RawMessage(selfTestRound), Expect: json.RawMessage(`{"scores":[{"uid":1,"score":0.5}]}`)}}
	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	other := ed25519.NewKeyFromSeed(append(make([]byte, 31), 9))
	pin := plugins.PublicKey{Scheme: plugins.SchemeEd25519}
	copy(pin.Key[:], priv.Public().(ed25519.PublicKey))
	v2wasm := withCustomSection(latencyWasm, "subnetd-test-policy")

	pkg := func(version string, tests []plugins.SelfTest, limits *runtime.Limits, signer ed25519.PrivateKey, broken bool) *plugins.Package {
		m := plugins.Manifest{Name: "latency", Version: version, Netuid: testNetuid, ABI: 1, Module: "latency.wasm",
			SHA256: records.SHA256Hex(v2wasm), SelfTests: tests, Limits: limits}
		mb, _ := json.Marshal(m)
		var sig []byte
		if signer != nil {
			sg := plugins.SignEd25519(signer, mb)
			if broken {
				// Change the last hex digit to another one (a constant would leave it unchanged whenever
				// it already was that constant).
				if sg.Signature[len(sg.Signature)-1] == '0' {
					sg.Signature = sg.Signature[:len(sg.Signature)-1] + "1"
				} else {
					sg.Signature = sg.Signature[:len(sg.Signature)-1] + "0"
				}
			}
			sig, _ = json.Marshal(sg)
		}
		p, err := plugins.ParsePackage(mb, v2wasm, sig)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		p    *plugins.Package
		pins []plugins.PublicKey
		want error
	}{
		{"unpinned, broken signature", pkg("1.1.0", good, nil, priv, true), nil, plugins.ErrBadSignature},
		{"pinned, other key", pkg("1.2.0", good, nil, other, false), []plugins.PublicKey{pin}, plugins.ErrBadSignature},
		{"limits over", pkg("1.3.0", good, &runtime.Limits{MemoryPages: 1 << 20}, priv, false), []plugins.PublicKey{pin}, plugins.ErrBadManifest},
		{"self-test failure", pkg("1.4.0", wrong, nil, priv, false), []plugins.PublicKey{pin}, plugins.ErrSelfTest},
		{"unpinned, unsigned", pkg("2.0.0", good, nil, nil, false), nil, nil},
	}
	for _, tc := range tests {
		err := s.Reload(ctx, tc.p, tc.pins)
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Fatalf("%s: Reload = %v, want %v", tc.name, err, tc.want)
		}
		if tc.want != nil && s.Current().SHA256 != v1 {
			t.Fatalf("%s: the running version changed", tc.name)
		}
	}
	if _, err := n.ch.Advance(1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunRound(ctx); err != nil {
		t.Fatal(err)
	}
	if cur := s.Current(); cur.Version != "2.0.0" {
		t.Fatalf("running %s after the accepted package", cur.Version)
	}
}
