package devnet

import (
	"context"
	"fmt"
	"slices"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/yuma"
)

// The devnet's weight history, for audits: every change of a Weights row, with the weight
// setting that made it, so the chain can answer what a row was after any past block
// (WeightsAt) and which weight settings it applied in a range of blocks (WeightEvents), as
// chain/subtensor answers from a node's archive. The history grows with every setting; a devnet
// lives for a test or a demo, not for months.

// rowChange is one change of a subnet's Weights row.
type rowChange struct {
	block uint64
	uid   uint16
	row   []yuma.Cell // a copy; nil when the row was cleared
	// event is the setting that made the change ("" for a side effect such as a replaced uid's
	// column set to zero); hotkey and extrinsic describe it.
	event     string
	hotkey    string
	extrinsic int
}

// noteWeights records that hotkey's uid set its row at block (set_weights or a reveal; see
// markTimelocked). Extrinsics are numbered from 0 within a block and subnet.
func (s *subnet) noteWeights(block uint64, uid uint16, hotkey string) {
	ext := 0
	for i := len(s.history) - 1; i >= 0 && s.history[i].block == block; i-- {
		if s.history[i].event != "" && s.history[i].extrinsic >= 0 {
			ext = s.history[i].extrinsic + 1
			break
		}
	}
	s.history = append(s.history, rowChange{block: block, uid: uid, row: slices.Clone(s.neurons[uid].weights),
		event: chain.EventWeightsSet, hotkey: hotkey, extrinsic: ext})
}

// markTimelocked turns the setting just recorded for hotkey into the chain's own timelocked reveal
// (no extrinsic).
func (s *subnet) markTimelocked(hotkey string) {
	if k := len(s.history) - 1; k >= 0 && s.history[k].hotkey == hotkey {
		s.history[k].event, s.history[k].extrinsic = chain.EventTimelockedWeightsRevealed, -1
	}
}

// noteReplaced records the rows a replacement of uid changed at block: its own (cleared) and
// every row that weighted it (that entry set to zero).
func (s *subnet) noteReplaced(block uint64, uid uint16) {
	for i := range s.neurons {
		changed := uint16(i) == uid
		for _, c := range s.neurons[i].weights {
			changed = changed || c.UID == uid
		}
		if changed {
			s.history = append(s.history, rowChange{block: block, uid: uint16(i), row: slices.Clone(s.neurons[i].weights)})
		}
	}
}

// WeightsAt returns the subnet's Weights matrix as it stood after block n: one row per uid of
// today's subnet (a uid registered after n has an empty row).
func (c *Chain) WeightsAt(netuid uint16, n uint64) ([][]yuma.Cell, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnet(netuid)
	if err != nil {
		return nil, err
	}
	if n > c.block {
		return nil, fmt.Errorf("weights of subnet %d at block %d: the chain is at block %d", netuid, n, c.block)
	}
	rows := make([][]yuma.Cell, len(s.neurons))
	for _, ch := range s.history {
		if ch.block > n {
			break
		}
		rows[ch.uid] = slices.Clone(ch.row)
	}
	return rows, nil
}

// WeightEvents returns the weight settings the subnet applied in blocks from..to (inclusive), in
// order, as chain/subtensor's WeightEvents reports them.
func (c *Chain) WeightEvents(netuid uint16, from, to uint64) ([]chain.WeightsEvent, error) {
	if to < from {
		return nil, fmt.Errorf("weight events: block range %d..%d is empty", from, to)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnet(netuid)
	if err != nil {
		return nil, err
	}
	var out []chain.WeightsEvent
	for _, ch := range s.history {
		if ch.block < from || ch.block > to || ch.event == "" {
			continue
		}
		out = append(out, chain.WeightsEvent{Block: ch.block, Netuid: netuid, Hotkey: AccountID(ch.hotkey), UID: ch.uid,
			Event: ch.event, Extrinsic: ch.extrinsic})
	}
	return out, nil
}

// WeightsAt reads the weight matrix of a subnet's mechanism as it stood after block n (mechanism 0
// only), like chain/subtensor's Client.WeightsAt.
func (n *Node) WeightsAt(ctx context.Context, netuid uint16, mecid uint8, block uint64) ([][]chain.UIDValue, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if mecid != 0 {
		return nil, chain.NewDispatchError("SubtensorModule", "MechanismDoesNotExist")
	}
	rows, err := n.c.WeightsAt(netuid, block)
	if err != nil {
		return nil, err
	}
	return cells(rows), nil
}

// WeightEvents returns every weight setting on netuid in blocks from..to (inclusive), like
// chain/subtensor's Client.WeightEvents.
func (n *Node) WeightEvents(ctx context.Context, netuid uint16, from, to uint64) ([]chain.WeightsEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return n.c.WeightEvents(netuid, from, to)
}
