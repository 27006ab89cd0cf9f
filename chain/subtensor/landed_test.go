package subtensor

import (
	"errors"
	"slices"
	"testing"

	"github.com/subnetd/subnetd/chain"
)

// TestClient_landedCopy: a transaction reported dropped ("block full") that was in fact included
// is found in its block before a resend's "stale nonce" is believed, so the result says what the
// chain did: the weights landed, once.
func TestClient_landedCopy(t *testing.T) {
	c, netuid := testChain(t)
	ctx := ctxT(t)
	alice := devKey(t, "//Alice")
	n, h, rm, err := c.at(ctx)
	if err != nil {
		t.Fatal(err)
	}
	call, err := rm.encodeCall(pallet, "set_weights", uint64(netuid), []uint16{0, 1}, []uint16{65535, 4242}, uint64(0))
	if err != nil {
		t.Fatal(err)
	}
	first, err := c.send(ctx, alice, rm, call, n, h, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	landed, err := c.wait(ctx, first)
	if err != nil || landed.State != chain.TxInBlock {
		t.Fatalf("first copy: %+v, %v", landed, err)
	}
	// What a node may wrongly have said of it on the way.
	claimed := *first
	claimed.result.State, claimed.result.Err, claimed.result.Block = chain.TxDropped, errBlockFull, 0

	// The resend with the same nonce is refused as stale.
	n, h, err = c.head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nonce := first.result.Nonce
	second, err := c.send(ctx, alice, rm, call, n, h, false, &nonce)
	if err == nil {
		if _, err = c.wait(ctx, second); err == nil {
			t.Fatal("a second copy with a used nonce landed")
		}
	}
	if !errors.Is(err, chain.ErrStaleNonce) && !errors.Is(err, chain.ErrTxDropped) {
		t.Fatalf("resend: %v, want stale nonce", err)
	}

	got, ok := c.landedCopy(ctx, []*txRecord{&claimed, second})
	if !ok {
		t.Fatal("the included copy was not found")
	}
	if got.result.Hash != landed.Hash || got.result.State != chain.TxInBlock || got.result.Block != landed.Block || got.result.Err != nil {
		t.Fatalf("found %+v, want the first copy in block %d", got.result, landed.Block)
	}
	if !slices.Contains(got.result.Events, "SubtensorModule.WeightsSet") {
		t.Errorf("events %v", got.result.Events)
	}
	// And TxStatus now tells the same.
	st, err := c.TxStatus(ctx, landed.Hash)
	if err != nil || st.State != chain.TxInBlock {
		t.Errorf("TxStatus %+v, %v", st, err)
	}
}
