package validator

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/subnetd/subnetd/records"
)

// crashChild is the daemon the crash test kills: a subnet loop on a devnet with a slow miner (so
// rounds are in flight most of the time), blocks every 20 ms, recording into the database the
// parent names. It runs until it is killed.
func crashChild() {
	dbPath := os.Getenv("SUBNETD_CRASH_CHILD")
	wasm, err := os.ReadFile(os.Getenv("SUBNETD_CRASH_WASM"))
	if err != nil {
		panic(err)
	}
	cacheDir = os.Getenv("SUBNETD_CRASH_CACHE")
	ctx := context.Background()
	n, err := buildTestNet(ctx, dbPath, 2, 150*time.Millisecond)
	if err != nil {
		panic(err)
	}
	s, err := n.newSubnet(SubnetConfig{}, wasm)
	if err != nil {
		panic(err)
	}
	go n.ch.Produce(ctx, 20*time.Millisecond, nil)
	s.Run(ctx, 10*time.Millisecond)
}

// TestCrash kills (SIGKILL) a process running the round loop while rounds are in flight, then
// checks the records it left: the database is intact, every committed round is whole (its hashes
// match its bytes), and every one replays identically.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "crash.db")
	wasmPath := filepath.Join(dir, "latency.wasm")
	if err := os.WriteFile(wasmPath, latencyWasm, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for kill := 0; kill < 2; kill++ { // two crashes into the same database
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "SUBNETD_CRASH_CHILD="+dbPath, "SUBNETD_CRASH_WASM="+wasmPath, "SUBNETD_CRASH_CACHE="+cacheDir)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		want := 3 * (kill + 1)
		deadline := time.Now().Add(30 * time.Second)
		for {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("child recorded fewer than %d rounds in 30 s", want)
			}
			time.Sleep(50 * time.Millisecond)
			db, err := records.Open(ctx, dbPath)
			if err != nil {
				continue
			}
			c, _ := db.Count(ctx)
			db.Close()
			if c >= want {
				break
			}
		}
		time.Sleep(70 * time.Millisecond) // into the next round (the slow miner takes 150 ms)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
	}
	db, err := records.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	n := 0
	err = db.Each(ctx, func(r *records.Round) error {
		n++
		return r.Check()
	})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := records.Replay(ctx, db, records.ReplayOptions{CacheDir: cacheDir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n < 6 || !sum.AllMatch || sum.Identical != n {
		t.Fatalf("%d rounds after two crashes, replay %+v", n, sum)
	}
}
