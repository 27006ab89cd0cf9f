package validator

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/records"
	"github.com/subnetd/subnetd/runtime"
)

// pkgServer serves scorer packages over HTTP: /NAME/FILE from the files registered under NAME,
// counting the requests.
type pkgServer struct {
	*httptest.Server
	mu   sync.Mutex
	pkgs map[string]map[string][]byte
	hits atomic.Int32
}

func newPkgServer(t *testing.T) *pkgServer {
	ps := &pkgServer{pkgs: map[string]map[string][]byte{}}
	ps.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ps.hits.Add(1)
		name, file, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		ps.mu.Lock()
		b, ok := ps.pkgs[name][file]
		ps.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(ps.Close)
	return ps
}

// add serves a package under name and returns its pin.
func (ps *pkgServer) add(name string, manifest, wasm []byte) plugins.Pin {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.pkgs[name] = map[string][]byte{plugins.ManifestFile: manifest, "latency.wasm": wasm}
	return plugins.Pin{SHA256: sha256.Sum256(manifest), URL: ps.URL + "/" + name + "/"}
}

// publish pins p with Alice, the test subnet's owner.
func (n *testNet) publish(t *testing.T, p plugins.Pin) {
	t.Helper()
	fields, err := p.Fields()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.ch.SetCommitment(context.Background(), n.key, testNetuid, fields); err != nil {
		t.Fatal(err)
	}
}

// selfTests returns a self-test vector whose expectation is what the latency scorer returns.
func selfTests(t *testing.T, s *Subnet) []plugins.SelfTest {
	t.Helper()
	meta, err := runtime.ParseRoundMeta([]byte(selfTestRound))
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Current().S.Score(context.Background(), []byte(selfTestRound), meta)
	if err != nil {
		t.Fatal(err)
	}
	return []plugins.SelfTest{{Name: "two miners", Round: json.RawMessage(selfTestRound), Expect: out.Scores.Canonical()}}
}

// counterValue reads a counter of the test subnet from reg: the series whose label has the
// value (any series when label is "").
func counterValue(t *testing.T, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "netuid" && lp.GetValue() != nu(testNetuid) || label != "" && lp.GetName() == label && lp.GetValue() != value {
					continue series
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// TestPinFollower follows the owner's pin on the devnet while rounds run back to back: the
// first pin loads before the first round; a pin whose content does not match its hash is
// refused, counted, not fetched again, and changes nothing; a pin pointing nowhere is retried
// after a delay without harm; a package refused by acceptance changes nothing; a good pin
// takes over at a round boundary. Every round is scored and recorded (none missed).
func TestPinFollower(t *testing.T) {
	ctx := context.Background()
	n := newTestNet(t, filepath.Join(t.TempDir(), "pin.db"), 3, 0)
	if err := n.ch.Devnet().SetOwnerHotkey(testNetuid, n.key.SS58()); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	metrics := NewMetrics(reg)
	s, err := NewSubnet(ctx, SubnetConfig{Netuid: testNetuid, Interval: 1, Synapse: "Ping", Body: []byte(`{}`), Timeout: 2 * time.Second},
		SubnetDeps{Chain: n.ch, Key: n.key, Records: n.db, CacheDir: cacheDir, Metrics: metrics})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	ps := newPkgServer(t)
	cache := t.TempDir()
	f := NewPinFollower(s, n.ch, PinOptions{Every: 1, Fetch: plugins.FetchOptions{CacheDir: cache}, MinBackoff: time.Hour})

	// Nothing pinned yet: the daemon cannot start this subnet.
	if _, err := f.LoadInitial(ctx); !errors.Is(err, ErrNoPin) {
		t.Fatalf("LoadInitial without a pin: %v", err)
	}
	v1wasm := latencyWasm
	pin1 := ps.add("v1", manifestFor(t, "1.0.0", testNetuid, v1wasm, nil), v1wasm)
	n.publish(t, pin1)
	sc, err := f.LoadInitial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Version != "1.0.0" || s.Current() != sc || f.Status().State != PinFollowing {
		t.Fatalf("initial %s, status %+v", sc.Version, f.Status())
	}
	v1 := sc.SHA256
	good := selfTests(t, s)

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
	// check runs one pin check in the background while rounds go on, as in the daemon.
	check := func(now time.Time) PinStatus {
		t.Helper()
		done := make(chan struct{})
		go func() { f.CheckNow(ctx, now); close(done) }()
		for {
			round()
			select {
			case <-done:
				return f.Status()
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	refused := func(reason string) float64 {
		return counterValue(t, reg, "subnetd_pin_refused_total", "reason", reason)
	}
	round()

	// The same pin again: nothing fetched, nothing changes.
	hits := ps.hits.Load()
	if st := check(time.Now()); st.State != PinFollowing || ps.hits.Load() != hits {
		t.Fatalf("same pin: %+v, %d requests", st, ps.hits.Load()-hits)
	}

	// A pin whose content does not match its hash.
	v2wasm := withCustomSection(latencyWasm, "subnetd-pin-v2")
	m2 := manifestFor(t, "2.0.0", testNetuid, v2wasm, good)
	bad := ps.add("mismatch", manifestFor(t, "2.0.1", testNetuid, v2wasm, good), v2wasm)
	bad.SHA256 = sha256.Sum256(m2)
	n.publish(t, bad)
	if st := check(time.Now()); st.State != PinRefused || !strings.Contains(st.Error, "pinned sha256") || refused("pin_mismatch") != 1 {
		t.Fatalf("mismatching pin: %+v", st)
	}
	hits = ps.hits.Load()
	if st := check(time.Now()); st.State != PinRefused || ps.hits.Load() != hits || refused("pin_mismatch") != 1 {
		t.Fatalf("the refused pin was fetched again: %+v", st)
	}
	if s.Current().SHA256 != v1 {
		t.Fatal("the running version changed")
	}

	// A pin pointing nowhere: retried, but not before its delay.
	nowhere := plugins.Pin{SHA256: sha256.Sum256(m2), URL: ps.URL + "/nothing-here/"}
	n.publish(t, nowhere)
	t0 := time.Now()
	if st := check(t0); st.State != PinRetrying || st.Retries != 1 || refused("unreachable") != 1 {
		t.Fatalf("pin pointing nowhere: %+v", st)
	}
	hits = ps.hits.Load()
	if st := check(t0.Add(time.Minute)); st.Retries != 1 || ps.hits.Load() != hits {
		t.Fatalf("retried before its delay: %+v", st)
	}
	if st := check(t0.Add(2 * time.Hour)); st.State != PinRetrying || st.Retries != 2 || refused("unreachable") != 2 {
		t.Fatalf("not retried after its delay: %+v", st)
	}

	// A package acceptance refuses (its self-test expects other scores).
	wrong := []plugins.SelfTest{{Name: "wrong", Round: json.RawMessage(selfTestRound), Expect: json.RawMessage(`{"scores":[{"uid":1,"score":0.5},{"uid":2,"score":0}]}`)}}
	n.publish(t, ps.add("selftest", manifestFor(t, "1.5.0", testNetuid, v2wasm, wrong), v2wasm))
	if st := check(time.Now()); st.State != PinRefused || refused("self_test") != 1 {
		t.Fatalf("self-test failure: %+v", st)
	}
	if s.Current().SHA256 != v1 {
		t.Fatal("the running version changed")
	}

	// The good pin: the package is now served where the owner said, and takes over at the next
	// round boundary.
	pin2 := ps.add("v2", m2, v2wasm)
	n.publish(t, pin2)
	if st := check(time.Now()); st.State != PinFollowing || st.URL != pin2.URL || counterValue(t, reg, "subnetd_pin_accepted_total", "", "") != 2 {
		t.Fatalf("good pin: %+v", st)
	}
	round() // the boundary
	round()
	if cur := s.Current(); cur.Version != "2.0.0" || cur.SHA256 != records.SHA256Hex(v2wasm) {
		t.Fatalf("running %s after the good pin", cur.Version)
	}

	// Zero missed rounds: one good record per round, v1 then v2, switching once.
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
	switches := 0
	for i := 1; i < len(shas); i++ {
		if shas[i] != shas[i-1] {
			switches++
		}
	}
	if len(shas) != rounds || shas[0] != v1 || shas[len(shas)-1] != records.SHA256Hex(v2wasm) || switches != 1 {
		t.Fatalf("%d records for %d rounds, %d switches", len(shas), rounds, switches)
	}

	// A restart finds the pinned package in the cache: no fetch.
	ps.Close()
	f2 := NewPinFollower(s, n.ch, PinOptions{Fetch: plugins.FetchOptions{CacheDir: cache}})
	if sc, err := f2.LoadInitial(ctx); err != nil || sc.Version != "2.0.0" {
		t.Fatalf("restart from the cache: %v", err)
	}
}

// TestPinFollower_badCommitment: a commitment that is not a pin (another use of the owner's
// commitment, a hostile value) is refused once with its reason, and the running version scores.
func TestPinFollower_badCommitment(t *testing.T) {
	ctx := context.Background()
	n := newTestNet(t, filepath.Join(t.TempDir(), "bad.db"), 1, 0)
	n.ch.Devnet().SetOwnerHotkey(testNetuid, n.key.SS58())
	reg := prometheus.NewRegistry()
	metrics := NewMetrics(reg)
	s, err := NewSubnet(ctx, SubnetConfig{Netuid: testNetuid}, SubnetDeps{Chain: n.ch, Key: n.key, Records: n.db, CacheDir: cacheDir, Metrics: metrics})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	f := NewPinFollower(s, n.ch, PinOptions{Fetch: plugins.FetchOptions{CacheDir: t.TempDir()}})
	hostile := [][][]byte{
		{[]byte("hello")},
		{[]byte("sd-pin1:short"), []byte("https://x/")},
		{append([]byte(plugins.PinMagic), make([]byte, 32)...), []byte("ftp://example.org/p/")},
		{append([]byte(plugins.PinMagic), make([]byte, 32)...), []byte("file://")},
	}
	for i, fields := range hostile {
		if _, err := n.ch.SetCommitment(ctx, n.key, testNetuid, fields); err != nil {
			t.Fatal(err)
		}
		if _, err := f.LoadInitial(ctx); !errors.Is(err, plugins.ErrBadPin) {
			t.Fatalf("hostile %d: LoadInitial = %v", i, err)
		}
		f.CheckNow(ctx, time.Now())
		f.CheckNow(ctx, time.Now()) // the same commitment: not counted twice
		if st := f.Status(); st.State != PinRefused {
			t.Fatalf("hostile %d: %+v", i, st)
		}
		if got := counterValue(t, reg, "subnetd_pin_refused_total", "reason", "bad_pin"); got != float64(i+1) {
			t.Fatalf("hostile %d: bad_pin counted %v times", i, got)
		}
		n.ch.Advance(1) // a new commitment block
	}
	// A publisher other than the owner: its own (absent) commitment is followed.
	other := chain.AccountID{1}
	f2 := NewPinFollower(s, n.ch, PinOptions{Publisher: &other, Fetch: plugins.FetchOptions{CacheDir: t.TempDir()}})
	if _, err := f2.LoadInitial(ctx); !errors.Is(err, ErrNoPin) || !strings.Contains(err.Error(), other.String()) {
		t.Fatalf("publisher without a pin: %v", err)
	}
}

// TestDaemon_scorerChain runs the daemon with `scorer: chain` on the devnet: it refuses to start
// while nothing is pinned, loads the owner's pin before the first round, shows the pin in
// /healthz, and takes a newly published pin at a round boundary while rounds go on.
func TestDaemon_scorerChain(t *testing.T) {
	dir := t.TempDir()
	n := newTestNet(t, filepath.Join(dir, "unused.db"), 2, 0)
	if err := n.ch.Devnet().SetOwnerHotkey(testNetuid, n.key.SS58()); err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig([]byte(fmt.Sprintf(`
chain: {endpoint: devnet}
wallet: {uri: //Alice}
records: records.db
packages: pkgs
listen: 127.0.0.1:0
poll: 10ms
defaults: {interval: 1, timeout: 2s}
subnets:
  - {netuid: %d, scorer: chain, pin_every: 1, synapse: Ping, body: {}}
`, testNetuid)))
	if err != nil {
		t.Fatal(err)
	}
	cfg.dir = dir
	cfg.CacheDir = cacheDir
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := NewDaemon(ctx, cfg, n.ch, n.key, nil); !errors.Is(err, ErrNoPin) {
		t.Fatalf("NewDaemon without a pin: %v", err)
	}

	ps := newPkgServer(t)
	n.publish(t, ps.add("v1", manifestFor(t, "1.0.0", testNetuid, latencyWasm, nil), latencyWasm))
	d, err := NewDaemon(ctx, cfg, n.ch, n.key, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := d.Validator().Subnet(testNetuid)
	if s.Current().Version != "1.0.0" {
		t.Fatalf("initial version %s", s.Current().Version)
	}
	go n.ch.Produce(ctx, 20*time.Millisecond, nil)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	waitFor(t, "two rounds", func() bool { return s.Status().Rounds >= 2 })

	base := "http://" + d.Addr()
	var health struct {
		Status  string `json:"status"`
		Subnets []struct {
			Version string     `json:"version"`
			Pin     *PinStatus `json:"pin"`
		} `json:"subnets"`
	}
	getJSON(t, base+"/healthz", &health)
	if len(health.Subnets) != 1 || health.Subnets[0].Pin == nil || health.Subnets[0].Pin.State != PinFollowing ||
		!strings.HasSuffix(health.Subnets[0].Pin.URL, "/v1/") || health.Subnets[0].Pin.Publisher != n.key.SS58() {
		t.Fatalf("health %+v", health)
	}

	v2 := withCustomSection(latencyWasm, "daemon-pin-v2")
	n.publish(t, ps.add("v2", manifestFor(t, "2.0.0", testNetuid, v2, nil), v2))
	before := s.Status().Rounds
	waitFor(t, "version 2 running", func() bool { return s.Status().Version == "2.0.0" })
	waitFor(t, "two more rounds", func() bool { return s.Status().Rounds >= before+2 })
	getJSON(t, base+"/healthz", &health)
	if p := health.Subnets[0].Pin; p.State != PinFollowing || !strings.HasSuffix(p.URL, "/v2/") || health.Subnets[0].Version != "2.0.0" {
		t.Fatalf("health after v2 %+v", p)
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	var mb strings.Builder
	_, _ = io.Copy(&mb, resp.Body)
	resp.Body.Close()
	if !strings.Contains(mb.String(), fmt.Sprintf(`subnetd_pin_accepted_total{netuid="%d"} 2`, testNetuid)) {
		t.Errorf("metrics lack two accepted pins")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("daemon did not stop")
	}
	rounds := s.Status().Rounds
	if c, err := d.Records().Count(context.Background()); err != nil || c != rounds || s.Status().Failures != 0 {
		t.Fatalf("records hold %d rounds, the subnet ran %d, %d failed (%v)", c, rounds, s.Status().Failures, err)
	}
	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}
