package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/records"
)

// TestRunCmd runs the daemon on the embedded devnet from a YAML config, stops it through its
// context (as SIGINT would), and checks that it recorded rounds that replay identically.
func TestRunCmd(t *testing.T) {
	dir := t.TempDir()
	if _, err := plugins.Build(context.Background(), "../../examples/scorers/latency", plugins.TargetWasm, filepath.Join(dir, "latency.wasm")); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`
chain:
  endpoint: devnet
  devnet: {block_time: 50ms, tempo: 10, miners: [good, good, bad, dead]}
wallet: {uri: //Alice}
records: records.db
cache_dir: %s
poll: 20ms
defaults: {timeout: 1s, interval: 2}
subnets:
  - {netuid: 3, scorer: latency.wasm, synapse: Ping, body: {}}
`, filepath.Join(dir, "cache"))
	path := filepath.Join(dir, "subnetd.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &runTestBuffer{}
	cmd := newRunCmd()
	cmd.SetArgs([]string{"--config", path})
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(stderr)
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()

	dbPath := filepath.Join(dir, "records.db")
	deadline := time.Now().Add(60 * time.Second)
	for {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no rounds recorded; stderr:\n%s", stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
		if strings.Count(stderr.String(), "msg=round ") >= 3 {
			break
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not stop")
	}
	if !strings.Contains(stderr.String(), "subnetd stopped") {
		t.Fatalf("no clean stop in the logs:\n%s", stderr.String())
	}
	db, err := records.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sum, err := records.Replay(context.Background(), db, records.ReplayOptions{CacheDir: filepath.Join(dir, "cache")}, nil)
	if err != nil || sum.Rounds < 3 || !sum.AllMatch {
		t.Fatalf("replay %+v %v", sum, err)
	}
}

// runTestBuffer is a bytes.Buffer safe for the daemon's log writers and the test's reads.
type runTestBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *runTestBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *runTestBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func TestRunCmd_badConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "subnetd.yaml")
	os.WriteFile(path, []byte("chain: {endpoint: devnet}\n"), 0o644)
	for _, args := range [][]string{{}, {"--config", filepath.Join(dir, "missing.yaml")}, {"--config", path}} {
		cmd := newRunCmd()
		cmd.SetArgs(args)
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		if err := cmd.Execute(); err == nil {
			t.Errorf("run %v succeeded", args)
		}
	}
}
