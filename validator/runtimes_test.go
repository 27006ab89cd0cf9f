package validator

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/subnetd/subnetd/runtime"
)

func TestRuntimes_Get(t *testing.T) {
	ctx := context.Background()
	rts := NewRuntimes(0)
	base := runtime.Config{Limits: runtime.DefaultLimits(), CacheDir: cacheDir}
	small := base
	small.Limits.Gas = runtime.DefaultGas / 2
	tests := []struct {
		name string
		a, b runtime.Config
		same bool
	}{
		{"equal configs share", base, base, true},
		{"other limits do not", base, small, false},
		{"other cache dir does not", base, runtime.Config{Limits: base.Limits, CacheDir: t.TempDir()}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := rts.Get(ctx, tc.a)
			if err != nil {
				t.Fatal(err)
			}
			b, err := rts.Get(ctx, tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if (a == b) != tc.same {
				t.Fatalf("same runtime = %t, want %t", a == b, tc.same)
			}
		})
	}
	if n := rts.Len(); n != 3 {
		t.Fatalf("%d runtimes, want 3", n)
	}
	if err := rts.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := rts.Get(ctx, base); err == nil {
		t.Fatal("Get after Close succeeded")
	}
}

// TestSubnet_sharedRuntime: two subnets with equal limits share one runtime and one compiled
// module; closing one releases only its own scorer, and the other keeps scoring.
func TestSubnet_sharedRuntime(t *testing.T) {
	ctx := context.Background()
	n := newTestNet(t, filepath.Join(t.TempDir(), "r.db"), 2, 0)
	rts := NewRuntimes(0)
	defer rts.Close(ctx)
	var subs [2]*Subnet
	for i := range subs {
		s, err := NewSubnet(ctx, SubnetConfig{Netuid: testNetuid, Synapse: "Ping", Body: []byte(`{}`), Timeout: 2 * time.Second},
			SubnetDeps{Chain: n.ch, Key: n.key, Records: n.db, CacheDir: cacheDir, Runtimes: rts})
		if err != nil {
			t.Fatal(err)
		}
		sc, err := s.LoadScorer(ctx, "latency", "1", latencyWasm)
		if err != nil {
			t.Fatal(err)
		}
		s.SetScorer(sc)
		subs[i] = s
	}
	if subs[0].Runtime() != subs[1].Runtime() || rts.Len() != 1 {
		t.Fatalf("subnets of equal limits got different runtimes (%d runtimes)", rts.Len())
	}
	if err := subs[0].Close(ctx); err != nil {
		t.Fatal(err)
	}
	defer subs[1].Close(ctx)
	res, err := subs[1].RunRound(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.ScorerErr != nil {
		t.Fatalf("the remaining subnet cannot score after the other closed: %v", res.ScorerErr)
	}
	if res.Scores == nil || len(res.Scores.Scores) == 0 {
		t.Fatal("no scores")
	}
}

func TestRuntimes_Acquire(t *testing.T) {
	rts := NewRuntimes(2)
	defer rts.Close(context.Background())
	if rts.Slots() != 2 {
		t.Fatalf("Slots() = %d, want 2", rts.Slots())
	}
	ctx := context.Background()
	r1, err := rts.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rts.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := rts.Acquire(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("third Acquire with both slots taken: %v, want a deadline error", err)
	}
	got := make(chan error, 1)
	go func() {
		_, err := rts.Acquire(ctx)
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("Acquire returned (%v) while both slots were taken", err)
	case <-time.After(20 * time.Millisecond):
	}
	r1()
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	if NewRuntimes(0).Slots() != DefaultSlots() || DefaultSlots() < 4 {
		t.Fatalf("default slots %d", DefaultSlots())
	}
}
