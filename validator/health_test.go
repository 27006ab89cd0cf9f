package validator

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/subnetd/subnetd/chain"
)

// panicChain is the test network's chain with a switch: once armed, reading the metagraph
// panics, as a bug in a chain client or a scorer host function would.
type panicChain struct {
	chain.Chain
	armed atomic.Bool
}

func (c *panicChain) Metagraph(ctx context.Context, netuid uint16) (*chain.Metagraph, error) {
	if c.armed.Load() {
		panic("metagraph exploded")
	}
	return c.Chain.Metagraph(ctx, netuid)
}

type healthBody struct {
	Status  string         `json:"status"`
	Error   string         `json:"error"`
	Subnets []SubnetStatus `json:"subnets"`
}

func getHealth(t *testing.T, h http.Handler) (int, healthBody) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	var b healthBody
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatalf("healthz body %q: %v", rec.Body.String(), err)
	}
	return rec.Code, b
}

// TestDaemon_healthz: /healthz answers 200 with each subnet live while the loops run, and 503
// naming the subnet once its loop has panicked (recovered, so the process itself lives on).
func TestDaemon_healthz(t *testing.T) {
	dir := t.TempDir()
	n := newTestNet(t, filepath.Join(dir, "unused.db"), 2, 0)
	if err := os.WriteFile(filepath.Join(dir, "latency.wasm"), latencyWasm, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig([]byte(fmt.Sprintf(`
chain: {endpoint: devnet}
wallet: {uri: //Alice}
records: records.db
poll: 10ms
defaults: {interval: 1, timeout: 2s}
subnets:
  - {netuid: %d, scorer: latency.wasm, synapse: Ping, body: {}}
`, testNetuid)))
	if err != nil {
		t.Fatal(err)
	}
	cfg.dir, cfg.CacheDir = dir, cacheDir
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pc := &panicChain{Chain: n.ch}
	d, err := NewDaemon(ctx, cfg, pc, n.key, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(context.Background())
	h := d.Handler()
	if code, b := getHealth(t, h); code != http.StatusOK || b.Subnets[0].State != LoopStarting || !b.Subnets[0].Live {
		t.Fatalf("before Run: %d %+v", code, b)
	}
	go n.ch.Produce(ctx, 20*time.Millisecond, nil)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	s := d.Validator().Subnet(testNetuid)
	waitFor(t, "a round", func() bool { return s.Status().Rounds >= 1 })
	code, b := getHealth(t, h)
	if code != http.StatusOK || b.Status != "ok" || len(b.Subnets) != 1 || b.Subnets[0].State != LoopRunning || !b.Subnets[0].Live || b.Subnets[0].LastLoopMs == 0 {
		t.Fatalf("running: %d %+v", code, b)
	}

	pc.armed.Store(true)
	waitFor(t, "the loop to stop", func() bool { return s.Status().State == LoopStopped })
	code, b = getHealth(t, h)
	if code != http.StatusServiceUnavailable || b.Status != "subnet stopped" || b.Subnets[0].Live ||
		!strings.Contains(b.Subnets[0].Error, "metagraph exploded") || !strings.Contains(b.Error, fmt.Sprintf("subnet %d", testNetuid)) {
		t.Fatalf("after the panic: %d %+v", code, b)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestSubnet_liveness: a running loop that has not begun an iteration for longer than a round
// may take is reported stalled, and not live.
func TestSubnet_liveness(t *testing.T) {
	n := newTestNet(t, filepath.Join(t.TempDir(), "r.db"), 1, 0)
	s := n.subnet(t, SubnetConfig{})
	defer s.Close(context.Background())
	now := time.Now()
	s.heartbeat(time.Second)
	tests := []struct {
		name  string
		at    time.Time
		state string
		live  bool
	}{
		{"just now", now, LoopRunning, true},
		{"within a round", now.Add(s.roundBound()), LoopRunning, true},
		{"past the stall bound", now.Add(s.stallAfter(time.Second) + time.Second), LoopStalled, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := s.liveness(tc.at)
			if st.State != tc.state || st.Live != tc.live {
				t.Fatalf("state %q live %v, want %q %v", st.State, st.Live, tc.state, tc.live)
			}
		})
	}
	s.markLoop(LoopStopped, "")
	if st := s.liveness(now); st.State != LoopStopped || st.Live {
		t.Fatalf("stopped: %+v", st)
	}
}
