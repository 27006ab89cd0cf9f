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
// (inclusive), in chain order, each with the hotkey and uid it was for: WeightsSet resolves its
// uid through Keys(netuid, uid) at its block. A timelocked reveal, which the chain emits as a
// WeightsSet without extrinsic followed by TimelockedWeightsRevealed(netuid, hotkey), is one
// TimelockedWeightsRevealed setting carrying the WeightsSet's uid (or Uids(netuid, hotkey) at its
// block when there is no such WeightsSet).
func (c *Client) WeightEvents(ctx context.Context, netuid uint16, from, to uint64) ([]chain.WeightsEvent, error) {
	if to < from {
		return nil, fmt.Errorf("weight events: block range %d..%d is empty", from, to)
	}
	var out []chain.WeightsEvent
	for n := from; n <= to; n++ {
		evs, err := c.blockWeightEvents(ctx, netuid, n)
		if err != nil {
			return nil, err
		}
		out = append(out, evs...)
	}
	return out, nil
}

// blockWeightEvents returns the weight settings on netuid in block n.
func (c *Client) blockWeightEvents(ctx context.Context, netuid uint16, n uint64) ([]chain.WeightsEvent, error) {
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
	var out []chain.WeightsEvent
	for _, e := range evs {
		if e.pallet != pallet || (e.name != chain.EventWeightsSet && e.name != chain.EventTimelockedWeightsRevealed) {
			continue
		}
		if e.fields == nil || len(e.fields.values) < 2 {
			return nil, fmt.Errorf("block %d: %s.%s has too few fields", n, e.pallet, e.name)
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
		b := &batch{rm: rm}
		if e.name == chain.EventTimelockedWeightsRevealed {
			if ev.Hotkey, err = asBytes32(e.fields.values[1]); err != nil {
				return nil, fmt.Errorf("block %d: %s hotkey: %w", n, e.name, err)
			}
			// The reveal's own WeightsSet came just before it: fold it into this setting.
			if k := len(out) - 1; k >= 0 && out[k].Event == chain.EventWeightsSet && out[k].Extrinsic == e.extrinsic &&
				out[k].Hotkey == ev.Hotkey && out[k].Mecid == ev.Mecid {
				ev.UID = out[k].UID
				out[k] = ev
				continue
			}
			found := false
			b.add(pallet, "Uids", [][]byte{u16Key(netuid), ev.Hotkey[:]}, false, func(v any) error {
				if v == nil {
					return nil // deregistered since: the uid is unknown
				}
				u, err := asU64(v)
				ev.UID, found = uint16(u), err == nil
				return err
			})
			if err := b.run(ctx, c, bh); err != nil {
				return nil, fmt.Errorf("block %d: uid of %s: %w", n, ev.Hotkey, err)
			}
			if !found {
				return nil, fmt.Errorf("block %d: %s for %s, which has no uid on subnet %d", n, e.name, ev.Hotkey, netuid)
			}
		} else {
			uid, err := asU64(e.fields.values[1])
			if err != nil {
				return nil, fmt.Errorf("block %d: %s uid: %w", n, e.name, err)
			}
			ev.UID = uint16(uid)
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
	return out, nil
}
