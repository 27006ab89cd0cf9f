package devnet

import (
	"slices"
	"testing"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/chain/timelock"
	"github.com/subnetd/subnetd/yuma"
)

// TestChain_WeightEventsTimelocked: a timelocked reveal is one TimelockedWeightsRevealed setting
// of the committer's uid with no extrinsic, in the block the chain applied it, and the row after
// that block (not before) holds the revealed weights.
func TestChain_WeightEventsTimelocked(t *testing.T) {
	d := newTestDrand(t)
	const round = 1000
	c := tlNet(t, d)
	setHP(c, func(h *Hyperparameters) { h.WeightsVersionKey = 5 })
	mustAdvance(t, c, 5)
	if err := c.CommitTimelocked(1, "hk1", d.commit(t, timelock.FormatV4, "hk1", []uint16{0, 2}, []uint16{10, 20}, 5, round), round, 4); err != nil {
		t.Fatal(err)
	}
	if err := c.InjectPulse(round, d.sign(t, round)); err != nil {
		t.Fatal(err)
	}
	mustAdvance(t, c, 12)
	evs, err := c.WeightEvents(1, 1, 12)
	if err != nil {
		t.Fatal(err)
	}
	want := []chain.WeightsEvent{{Block: 9, Netuid: 1, Hotkey: AccountID("hk1"), UID: 1, Event: chain.EventTimelockedWeightsRevealed, Extrinsic: -1}}
	if !slices.Equal(evs, want) {
		t.Fatalf("events %+v, want %+v", evs, want)
	}
	for b, row := range map[uint64][]yuma.Cell{8: nil, 9: {{UID: 0, Value: 32768}, {UID: 2, Value: 65535}}} {
		rows, err := c.WeightsAt(1, b)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rows[1], row) {
			t.Errorf("row 1 after block %d: %v, want %v", b, rows[1], row)
		}
	}
}
