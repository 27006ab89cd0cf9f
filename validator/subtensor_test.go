package validator

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/subnetd/subnetd/chain/subtensor"
	"github.com/subnetd/subnetd/records"
	"github.com/subnetd/subnetd/runtime"
	"github.com/subnetd/subnetd/wallet"
)

// startSubtensor returns the WebSocket URL and netuid of a real subtensor chain: SUBTENSOR_WS (and
// SUBTENSOR_NETUID) when set, else a fresh chain started with ../shared/chain-harness/start.sh on
// the runtime blob SUBTENSOR_RUNTIME_WASM. Without either, the test is skipped.
func startSubtensor(t *testing.T) (string, uint16) {
	t.Helper()
	if ws := os.Getenv("SUBTENSOR_WS"); ws != "" {
		n := uint64(2)
		if s := os.Getenv("SUBTENSOR_NETUID"); s != "" {
			var err error
			if n, err = strconv.ParseUint(s, 10, 16); err != nil {
				t.Fatalf("SUBTENSOR_NETUID %q: %v", s, err)
			}
		}
		return ws, uint16(n)
	}
	wasm := os.Getenv("SUBTENSOR_RUNTIME_WASM")
	if wasm == "" {
		t.Skip("integration test: set SUBTENSOR_RUNTIME_WASM to the subtensor runtime blob (../shared/chain-harness/README.md) or SUBTENSOR_WS to a prepared chain")
	}
	script := os.Getenv("SUBTENSOR_HARNESS")
	if script == "" {
		script = filepath.Join("..", "..", "shared", "chain-harness", "start.sh")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", script, wasm, strconv.Itoa(port))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := regexp.MustCompile(`^READY (\S+) pid=(\d+) netuid=(\d+)`)
	var ws string
	var pid, netuid int
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if m := ready.FindStringSubmatch(sc.Text()); m != nil {
			ws = m[1]
			pid, _ = strconv.Atoi(m[2])
			netuid, _ = strconv.Atoi(m[3])
		}
	}
	if err := cmd.Wait(); err != nil || ws == "" {
		t.Fatalf("chain harness did not start (%v); see its logs under ~/.cache/subnetd-chain-harness", err)
	}
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGTERM) })
	return ws, uint16(netuid)
}

// TestSubnet_subtensor runs a round against a real subtensor runtime through chain/subtensor:
// metagraph, weights computed from the scores, set_weights signed by //Alice, the row stored on
// chain equal to the one recorded, and the round replayed identically.
func TestSubnet_subtensor(t *testing.T) {
	ws, netuid := startSubtensor(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := subtensor.Dial(ctx, ws, subtensor.Options{PollInterval: 50 * time.Millisecond, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	key, err := wallet.FromURI("//Alice")
	if err != nil {
		t.Fatal(err)
	}
	db, err := records.Open(ctx, filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := NewSubnet(ctx, SubnetConfig{Netuid: netuid, Synapse: "Ping", Body: []byte(`{}`), QueryAll: true, Timeout: 2 * time.Second},
		SubnetDeps{Chain: c, Key: key, Records: db, CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	sc, err := s.LoadScorer(ctx, "latency", "1", latencyWasm)
	if err != nil {
		t.Fatal(err)
	}
	s.SetScorer(sc)
	res, err := s.RunRound(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("round: miners %d, weights %+v, tx %+v, outcome %q, preview %+v", res.Record.Miners, res.Record.Weights, res.Record.Tx, res.Record.TxOutcome, res.Record.Preview)
	if res.ScorerErr != nil || res.TxErr != nil {
		t.Fatalf("scorer %v, tx %v", res.ScorerErr, res.TxErr)
	}
	// The scorer's clock read the chain's own time: Timestamp.Now at the round's block.
	chainMs, err := c.BlockTimeMs(ctx, res.Record.Block)
	if err != nil {
		t.Fatal(err)
	}
	if res.Record.BlockTimeMs != chainMs || chainMs < 1_600_000_000_000 {
		t.Fatalf("recorded block time %d, chain's Timestamp.Now at block %d is %d", res.Record.BlockTimeMs, res.Record.Block, chainMs)
	}
	if meta, err := runtime.ParseRoundMeta(res.Record.RoundBytes); err != nil || meta.BlockTimeMs != chainMs {
		t.Fatalf("the Round's block_time_ms %d (%v), want %d", meta.BlockTimeMs, err, chainMs)
	}
	rows, err := c.Weights(ctx, netuid, 0)
	if err != nil {
		t.Fatal(err)
	}
	uid := res.Record.ValidatorUID
	w := res.Record.Weights
	if w == nil {
		t.Fatal("no weights recorded")
	}
	if len(rows[uid]) != len(w.UIDs) {
		t.Fatalf("chain row %v, recorded %+v", rows[uid], w)
	}
	for i, cell := range rows[uid] {
		if cell.UID != w.UIDs[i] || cell.Value != w.Weights[i] {
			t.Fatalf("chain row %v, recorded %+v", rows[uid], w)
		}
	}
	sum, err := records.Replay(ctx, db, records.ReplayOptions{CacheDir: cacheDir}, nil)
	if err != nil || !sum.AllMatch {
		t.Fatalf("replay %+v %v", sum, err)
	}
}
