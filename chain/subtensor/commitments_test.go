package subtensor

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/subnetd/subnetd/chain"
)

// TestClient_SetCommitment commits Raw fields with a registered hotkey and reads them back; an
// unregistered hotkey gets the pallet's error by name; a field over 128 bytes never leaves.
func TestClient_SetCommitment(t *testing.T) {
	c, netuid := testChain(t)
	ctx := ctxT(t)
	alice := devKey(t, "//Alice")
	fields := [][]byte{[]byte("sha256:0123456789abcdef"), []byte("https://example.org/scorers/quality/1.2.0/")}
	res, err := c.SetCommitment(ctx, alice, netuid, fields)
	if err != nil {
		t.Fatalf("SetCommitment: %v (%+v)", err, res)
	}
	if res.State != chain.TxInBlock {
		t.Fatalf("result %+v", res)
	}
	cm, err := c.Commitment(ctx, netuid, chain.AccountID(alice.PublicKey()))
	if err != nil {
		t.Fatal(err)
	}
	if cm.Block != res.Block || len(cm.Fields) != 2 {
		t.Fatalf("commitment %+v, want block %d and 2 fields", cm, res.Block)
	}
	for i, f := range cm.Fields {
		if f.Kind != "Raw" || !bytes.Equal(f.Data, fields[i]) {
			t.Errorf("field %d: %s %q, want Raw %q", i, f.Kind, f.Data, fields[i])
		}
	}
	if raw, ok := cm.Raw(); !ok || !bytes.Equal(raw, fields[0]) {
		t.Errorf("Raw() = %q, %v", raw, ok)
	}

	eve := devKey(t, "//Eve")
	if _, err := c.Commitment(ctx, netuid, chain.AccountID(eve.PublicKey())); !errors.Is(err, chain.ErrNoCommitment) {
		t.Errorf("Eve's commitment: %v, want ErrNoCommitment", err)
	}
	res, err = c.SetCommitment(ctx, eve, netuid, fields[:1])
	if err == nil || !strings.Contains(err.Error(), "AccountNotAllowedCommit") {
		t.Errorf("unregistered hotkey: %v (%+v), want AccountNotAllowedCommit", err, res)
	}
	if _, err := c.SetCommitment(ctx, alice, netuid, [][]byte{bytes.Repeat([]byte{1}, 129)}); err == nil || !strings.Contains(err.Error(), "at most 128") {
		t.Errorf("129-byte field: %v", err)
	}
}

func TestClient_SubnetOwnerHotkey(t *testing.T) {
	c, netuid := testChain(t)
	owner, err := c.SubnetOwnerHotkey(ctxT(t), netuid)
	if err != nil {
		t.Fatal(err)
	}
	if want := chain.AccountID(devKey(t, "//Alice").PublicKey()); owner != want {
		t.Errorf("owner hotkey %s, want Alice %s", owner, want)
	}
}

// TestClient_BlockTimeMs: every block carries its author's timestamp; they grow block by block.
func TestClient_BlockTimeMs(t *testing.T) {
	c, _ := testChain(t)
	ctx := ctxT(t)
	n, err := c.CurrentBlock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	prev := int64(0)
	for b := n - 3; b <= n; b++ {
		ms, err := c.BlockTimeMs(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		if ms <= prev || ms < 1_600_000_000_000 {
			t.Errorf("block %d: time %d ms after %d", b, ms, prev)
		}
		prev = ms
	}
}
