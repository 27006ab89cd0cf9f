package subtensor

import (
	"context"
	"fmt"

	"github.com/subnetd/subnetd/chain"
)

// Reads of the past, for audits: the weights as they stood at a block, and the weight settings
// the chain applied in a range of blocks.

// WeightsAt reads the weight matrix of a subnet's mechanism as it stood after block n.
func (c *Client) WeightsAt(ctx context.Context, netuid uint16, mecid uint8, n uint64) ([][]chain.UIDValue, error) {
	h, err := c.blockHash(ctx, n)
	if err != nil {
		return nil, err
	}
	return c.matrixAt(ctx, h, "Weights", netuid, mecid)
}

// WeightEvents returns every weight setting on netuid (any mechanism) in blocks from..to
// (inclusive), in chain order, each with the hotkey it was for: WeightsSet resolved through
// Keys(netuid, uid) at its block, TimelockedWeightsRevealed as the event names it.
func (c *Client) WeightEvents(ctx context.Context, netuid uint16, from, to uint64) ([]chain.WeightsEvent, error) {
	if to < from {
		return nil, fmt.Errorf("weight events: block range %d..%d is empty", from, to)
	}
	var out []chain.WeightsEvent
	for n := from; n <= to; n++ {
		bh, err := c.blockHash(ctx, n)
		if err != nil {
			return nil, err
		}
		rm, err := c.meta(ctx, bh)
		if err != nil {
			return nil, err
		}
		evs, err := c.events(ctx, rm, bh)
		if err != nil {
			return nil, fmt.Errorf("events of block %d: %w", n, err)
		}
		for _, e := range evs {
			if e.pallet != pallet || (e.name != "WeightsSet" && e.name != "TimelockedWeightsRevealed") {
				continue
			}
			if e.fields == nil || len(e.fields.values) < 2 {
				return nil, fmt.Errorf("block %d: %s.%s has %d fields", n, e.pallet, e.name, len(e.fields.values))
			}
			idx, err := asU64(e.fields.values[0])
			if err != nil {
				return nil, fmt.Errorf("block %d: %s netuid: %w", n, e.name, err)
			}
			ev := chain.WeightsEvent{Block: n, Netuid: uint16(idx % chain.MaxSubnets), Mecid: uint8(idx / chain.MaxSubnets),
				Event: e.name, Extrinsic: e.extrinsic}
			if ev.Netuid != netuid {
				continue
			}
			if e.name == "TimelockedWeightsRevealed" {
				if ev.Hotkey, err = asBytes32(e.fields.values[1]); err != nil {
					return nil, fmt.Errorf("block %d: %s hotkey: %w", n, e.name, err)
				}
			} else {
				uid, err := asU64(e.fields.values[1])
				if err != nil {
					return nil, fmt.Errorf("block %d: %s uid: %w", n, e.name, err)
				}
				b := &batch{rm: rm}
				b.add(pallet, "Keys", [][]byte{u16Key(netuid), u16Key(uint16(uid))}, false, func(v any) (err error) {
					ev.Hotkey, err = asBytes32(v)
					return err
				})
				if err := b.run(ctx, c, bh); err != nil {
					return nil, fmt.Errorf("block %d: hotkey of uid %d: %w", n, uid, err)
				}
			}
			out = append(out, ev)
		}
	}
	return out, nil
}
