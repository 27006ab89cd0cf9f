package devnet_test

import (
	"context"
	"slices"
	"testing"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/chain/devnet"
	"github.com/subnetd/subnetd/wallet"
)

// TestNode_WeightsAt: the rows after each past block, including a replaced uid's column set to
// zero, and the settings with their blocks, hotkeys and uids.
func TestNode_WeightsAt(t *testing.T) {
	ctx := context.Background()
	key, err := wallet.FromURI("//Alice")
	if err != nil {
		t.Fatal(err)
	}
	dc := devnet.New(1)
	hp := devnet.DefaultHyperparameters()
	hp.MinAllowedWeights, hp.WeightsSetRateLimit = 1, 1
	if err := dc.CreateSubnet(1, devnet.SubnetConfig{Hyperparameters: hp, OwnerHotkey: key.SS58()}); err != nil {
		t.Fatal(err)
	}
	for _, hk := range []string{key.SS58(), "m1", "m2"} {
		if _, err := dc.Register(1, hk); err != nil {
			t.Fatal(err)
		}
	}
	node := devnet.NewNode(dc)
	set := func(uids, values []uint16) uint64 {
		t.Helper()
		if _, err := node.Advance(1); err != nil {
			t.Fatal(err)
		}
		tx, err := node.SetWeights(ctx, key, chain.WeightsCall{Netuid: 1, UIDs: uids, Values: values})
		if err != nil {
			t.Fatal(err)
		}
		return tx.Block
	}
	b1 := set([]uint16{1, 2}, []uint16{100, 50})  // stored max-upscaled
	b2 := set([]uint16{2, 1}, []uint16{65535, 0}) // submitted order kept, zero kept
	if _, err := node.Advance(1); err != nil {
		t.Fatal(err)
	}
	if err := dc.ReplaceNeuron(1, 2, "m3"); err != nil {
		t.Fatal(err)
	}
	b3 := dc.Block()

	for _, c := range []struct {
		block uint64
		want  []chain.UIDValue
	}{
		{b1 - 1, []chain.UIDValue{}},
		{b1, []chain.UIDValue{{UID: 1, Value: 65535}, {UID: 2, Value: 32768}}},
		{b2, []chain.UIDValue{{UID: 2, Value: 65535}, {UID: 1, Value: 0}}},
		{b3, []chain.UIDValue{{UID: 2, Value: 0}, {UID: 1, Value: 0}}},
	} {
		rows, err := node.WeightsAt(ctx, 1, 0, c.block)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rows[0], c.want) {
			t.Errorf("row 0 after block %d: %v, want %v", c.block, rows[0], c.want)
		}
	}
	if _, err := node.WeightsAt(ctx, 1, 0, b3+1); err == nil {
		t.Error("weights at a future block: no error")
	}
	evs, err := node.WeightEvents(ctx, 1, 1, b3)
	if err != nil {
		t.Fatal(err)
	}
	want := []chain.WeightsEvent{
		{Block: b1, Netuid: 1, Hotkey: key.PublicKey(), Event: chain.EventWeightsSet},
		{Block: b2, Netuid: 1, Hotkey: key.PublicKey(), Event: chain.EventWeightsSet},
	}
	if !slices.Equal(evs, want) {
		t.Fatalf("events %+v, want %+v", evs, want)
	}
	if evs, _ := node.WeightEvents(ctx, 1, b2+1, b3); len(evs) != 0 {
		t.Fatalf("a replacement is not a weight setting: %+v", evs)
	}
}
