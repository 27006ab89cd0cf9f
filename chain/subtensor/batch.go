package subtensor

import (
	"context"
	"fmt"
)

// batch collects storage reads at one block and runs them in as few RPC calls as the node allows.
type batch struct {
	rm    *runtimeMeta
	keys  [][]byte
	items []batchItem
	err   error
}

type batchItem struct {
	pallet, item string
	vtype        int64
	fallback     []byte
	optional     bool
	set          func(any) error
}

// add queues pallet.item(keys...) and calls set with the decoded value (nil for an absent optional
// value). A missing item is an error unless optional is true, in which case set is not called.
func (b *batch) add(pallet, item string, keys [][]byte, itemOptional bool, set func(any) error) {
	if b.err != nil {
		return
	}
	if !b.rm.hasItem(pallet, item) {
		if !itemOptional {
			b.err = fmt.Errorf("runtime spec %d has no storage item %s.%s", b.rm.specVersion, pallet, item)
		}
		return
	}
	k, e, err := b.rm.storageKey(pallet, item, keys...)
	if err != nil {
		b.err = err
		return
	}
	b.keys = append(b.keys, k)
	b.items = append(b.items, batchItem{pallet: pallet, item: item, vtype: valueType(e), fallback: e.Fallback,
		optional: e.Modifier.IsOptional, set: set})
}

func (b *batch) run(ctx context.Context, c *Client, at [32]byte) error {
	if b.err != nil {
		return b.err
	}
	raw, err := c.storageAt(ctx, at, b.keys)
	if err != nil {
		return err
	}
	for i, it := range b.items {
		v := raw[i]
		if v == nil {
			if it.optional {
				if err := it.set(nil); err != nil {
					return fmt.Errorf("%s.%s: %w", it.pallet, it.item, err)
				}
				continue
			}
			v = it.fallback
		}
		r := &reader{b: v}
		val, err := b.rm.decodeType(r, it.vtype, 0)
		if err == nil {
			err = r.done()
		}
		if err != nil {
			return fmt.Errorf("decode %s.%s as %s: %w", it.pallet, it.item, b.rm.typeName(it.vtype), err)
		}
		if err := it.set(val); err != nil {
			return fmt.Errorf("%s.%s: %w", it.pallet, it.item, err)
		}
	}
	b.keys, b.items = nil, nil
	return nil
}

// Setters for common value shapes.

func setU64(dst *uint64) func(any) error {
	return func(v any) error {
		x, err := asU64(v)
		*dst = x
		return err
	}
}

func setU16(dst *uint16) func(any) error {
	return func(v any) error {
		x, err := asU64(v)
		if err == nil && x > 0xffff {
			err = fmt.Errorf("%d does not fit u16", x)
		}
		*dst = uint16(x)
		return err
	}
}

func setU8(dst *uint8) func(any) error {
	return func(v any) error {
		x, err := asU64(v)
		if err == nil && x > 0xff {
			err = fmt.Errorf("%d does not fit u8", x)
		}
		*dst = uint8(x)
		return err
	}
}

func setBool(dst *bool) func(any) error {
	return func(v any) error {
		x, err := asBool(v)
		*dst = x
		return err
	}
}
