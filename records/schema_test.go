package records

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/runtime"
)

// copyOld copies the database written by an earlier release (testdata/README.md) to a temporary
// path, since opening migrates it in place.
func copyOld(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/v0-main-eb573ce.db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "old.db")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDB_OpenOldRelease opens a database written before schema versions: it is migrated to
// SchemaVersion, its typed documents read, and every round replays identically, the out-of-gas
// rounds (recorded with text only) included.
func TestDB_OpenOldRelease(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, copyOld(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, err := db.SchemaVersion(ctx); err != nil || v != SchemaVersion {
		t.Fatalf("schema version %d (%v), want %d", v, err, SchemaVersion)
	}
	kinds := map[string]int{}
	failed := 0
	err = db.Each(ctx, func(r *Round) error {
		if r.ErrorCode != "" {
			return fmt.Errorf("round %d: an old record has error code %q", r.ID, r.ErrorCode)
		}
		if r.Error != "" {
			failed++
			if r.Weights != nil || r.Tx != nil {
				return fmt.Errorf("round %d: failed round has weights or tx", r.ID)
			}
			return nil
		}
		if r.Weights == nil || len(r.Weights.UIDs) == 0 || r.Weights.Params.NumNeurons != 4 || r.Tx == nil || r.Preview == nil {
			return fmt.Errorf("round %d: documents not read: %+v %+v %+v", r.ID, r.Weights, r.Tx, r.Preview)
		}
		kinds[r.Tx.Kind+" "+string(r.Tx.Result.State)]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if failed != 2 || kinds["set_weights in_block"] != 6 || kinds["commit_weights in_block"] != 4 {
		t.Fatalf("failed %d, tx kinds %v", failed, kinds)
	}
	alice, err := chain.ParseAccountID("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := db.List(ctx, alice)
	if err != nil || len(ps) != 1 || len(ps[0].Salt) != 8 || ps[0].Call.Netuid != 3 || ps[0].SubmittedAt != 40 {
		t.Fatalf("pending reveals %+v, %v", ps, err)
	}
	p := ps[0]
	want := chain.CommitHash(alice, chain.NetuidIndex(3, 0), p.Call.UIDs, p.Call.Values, p.Salt, p.Call.VersionKey)
	if h, err := p.HashBytes(); err != nil || h != want {
		t.Fatalf("old pending reveal hash %s, want %x", p.Hash, want)
	}
	sum, err := Replay(ctx, db, ReplayOptions{}, func(r ReplayResult) error {
		if !r.Match() {
			t.Errorf("round %d: %s %v", r.ID, r.Verdict, r.Differences)
		}
		return nil
	})
	if err != nil || sum.Rounds != 12 || !sum.AllMatch {
		t.Fatalf("replay %+v, %v", sum, err)
	}
}

// TestReadFile_oldRelease reads the export file of the same release and replays it identically.
func TestReadFile_oldRelease(t *testing.T) {
	set, err := ReadFile("testdata/v0-main-eb573ce.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Replay(context.Background(), set, ReplayOptions{}, nil)
	if err != nil || sum.Rounds != 12 || !sum.AllMatch {
		t.Fatalf("replay %+v, %v", sum, err)
	}
}

// TestDB_SchemaVersion: a new database is created at SchemaVersion, reopening keeps it, and a
// database of a newer version is refused untouched.
func TestDB_SchemaVersion(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := db.SchemaVersion(ctx); err != nil || v != SchemaVersion {
		t.Fatalf("new database: version %d, %v", v, err)
	}
	if _, err := db.db.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion+1)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(ctx, path); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("newer schema: %v, want ErrNewerSchema", err)
	}
}

// TestReplay_errorCode: a recorded failure is compared by its code when it has one (the text may
// differ), and by its text when it has none.
func TestReplay_errorCode(t *testing.T) {
	gas := &runtime.GasError{Used: 10, Limit: 9}
	tests := []struct {
		name      string
		code, txt string
		err       error
		want      bool
	}{
		{"same code, other text", "ErrOutOfGas", "old wording", gas, true},
		{"other code", "ErrTrap", gas.Error(), gas, false},
		{"no code, same text", "", gas.Error(), gas, true},
		{"no code, other text", "", "old wording", gas, false},
		{"no code, any timeout", "", "score: " + runtime.ErrTimeout.Error() + " after 5s", fmt.Errorf("x: %w", runtime.ErrTimeout), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &Round{Error: tc.txt, ErrorCode: tc.code}
			if got := sameFailure(r, tc.err); got != tc.want {
				t.Fatalf("sameFailure = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestErrorCode(t *testing.T) {
	mine := errors.New("mine")
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("plain"), ""},
		{fmt.Errorf("score: %w", &runtime.GasError{Used: 2, Limit: 1}), "ErrOutOfGas"},
		{fmt.Errorf("challenge: %w", runtime.ErrBadOutput), "ErrBadOutput"},
		{fmt.Errorf("wrapped: %w", mine), "ErrMine"},
	}
	for _, tc := range tests {
		if got := ErrorCode(tc.err, Sentinel{"ErrMine", mine}); got != tc.want {
			t.Errorf("ErrorCode(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// TestDB_SaltStore: the records database keeps hash-commit salts for chain.HashCommitter: what is
// saved is listed for its hotkey only, with the hash recomputed, and removed by hash.
func TestDB_SaltStore(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	var alice, bob chain.AccountID
	alice[0], bob[0] = 1, 2
	mk := func(hk chain.AccountID, v uint16) chain.PendingReveal {
		w := chain.WeightsCall{Netuid: 2, Mecid: 1, UIDs: []uint16{0, 1}, Values: []uint16{v, 65535}, VersionKey: 9}
		salt := []uint16{1, 2, 3, 4, 5, 6, 7, 8}
		h := chain.CommitHash(hk, chain.NetuidIndex(2, 1), w.UIDs, w.Values, salt, w.VersionKey)
		return chain.PendingReveal{Hotkey: hk, Call: w, Salt: salt, Hash: fmt.Sprintf("0x%x", h), SubmittedAt: uint64(v)}
	}
	a1, a2, b1 := mk(alice, 10), mk(alice, 20), mk(bob, 30)
	for _, p := range []chain.PendingReveal{a1, a2, b1} {
		if err := db.Save(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Save(ctx, chain.PendingReveal{Hash: "0x12"}); err == nil {
		t.Fatal("saved a pending reveal with a malformed hash")
	}
	got, err := db.List(ctx, alice)
	if err != nil || len(got) != 2 || got[0].Hash != a1.Hash || got[1].Hash != a2.Hash || got[1].SubmittedAt != 20 {
		t.Fatalf("alice's pending reveals %+v, %v", got, err)
	}
	h, _ := a1.HashBytes()
	if err := db.Remove(ctx, h); err != nil {
		t.Fatal(err)
	}
	if err := db.Remove(ctx, h); err != nil {
		t.Fatalf("removing a removed reveal: %v", err)
	}
	if got, _ := db.List(ctx, alice); len(got) != 1 || got[0].Hash != a2.Hash {
		t.Fatalf("after remove: %+v", got)
	}
	if got, _ := db.List(ctx, bob); len(got) != 1 || got[0].Hash != b1.Hash {
		t.Fatalf("bob's: %+v", got)
	}
}
