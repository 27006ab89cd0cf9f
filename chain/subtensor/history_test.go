package subtensor

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/subnetd/subnetd/chain"
)

// TestClient_WeightEvents: a set_weights shows up as a WeightsSet event for the signer's hotkey at
// its block, and WeightsAt that block holds exactly the values sent while the next setting is
// only visible from its own block on.
func TestClient_WeightEvents(t *testing.T) {
	c, netuid := testChain(t)
	ctx := ctxT(t)
	alice := devKey(t, "//Alice")
	first, err := c.SetWeights(ctx, alice, chain.WeightsCall{Netuid: netuid, UIDs: []uint16{0, 1, 2}, Values: []uint16{11, 65535, 22}})
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.SetWeights(ctx, alice, chain.WeightsCall{Netuid: netuid, UIDs: []uint16{0, 1}, Values: []uint16{65535, 33}})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := c.WeightEvents(ctx, netuid, first.Block, second.Block)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []uint64
	for _, e := range evs {
		if e.Hotkey != chain.AccountID(alice.PublicKey()) || e.UID != 0 || e.Event != chain.EventWeightsSet || e.Netuid != netuid || e.Mecid != 0 || e.Extrinsic < 1 {
			t.Errorf("event %+v", e)
		}
		blocks = append(blocks, e.Block)
	}
	if !slices.Equal(blocks, []uint64{first.Block, second.Block}) {
		t.Fatalf("events at blocks %v, want %d and %d", blocks, first.Block, second.Block)
	}
	at, err := c.WeightsAt(ctx, netuid, 0, first.Block)
	if err != nil {
		t.Fatal(err)
	}
	if want := []chain.UIDValue{{UID: 0, Value: 11}, {UID: 1, Value: 65535}, {UID: 2, Value: 22}}; !slices.Equal(at[0], want) {
		t.Errorf("weights at block %d: %v, want %v", first.Block, at[0], want)
	}
	at, err = c.WeightsAt(ctx, netuid, 0, second.Block)
	if err != nil {
		t.Fatal(err)
	}
	if want := []chain.UIDValue{{UID: 0, Value: 65535}, {UID: 1, Value: 33}}; !slices.Equal(at[0], want) {
		t.Errorf("weights at block %d: %v, want %v", second.Block, at[0], want)
	}
}

// TestClient_CommitmentAt: a commitment read at a past block is the one that stood then, and
// before the first one there is none.
func TestClient_CommitmentAt(t *testing.T) {
	c, netuid := testChain(t)
	ctx := ctxT(t)
	ferdie := devKey(t, "//Ferdie")
	alice := devKey(t, "//Alice")
	who := chain.AccountID(alice.PublicKey())
	first, err := c.SetCommitment(ctx, alice, netuid, [][]byte{[]byte("history one")})
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.SetCommitment(ctx, alice, netuid, [][]byte{[]byte("history two")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		block uint64
		want  string
	}{{first.Block, "history one"}, {second.Block - 1, "history one"}, {second.Block, "history two"}} {
		cm, err := c.CommitmentAt(ctx, netuid, who, tt.block)
		if err != nil {
			t.Fatal(err)
		}
		if raw, _ := cm.Raw(); !bytes.Equal(raw, []byte(tt.want)) {
			t.Errorf("at block %d: %q, want %q", tt.block, raw, tt.want)
		}
	}
	if _, err := c.CommitmentAt(ctx, netuid, chain.AccountID(ferdie.PublicKey()), second.Block); !errors.Is(err, chain.ErrNoCommitment) {
		t.Errorf("Ferdie's commitment: %v, want ErrNoCommitment", err)
	}
}
