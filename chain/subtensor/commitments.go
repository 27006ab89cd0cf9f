package subtensor

import (
	"context"
	"fmt"
	"strings"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/internal/scale"
)

// The Commitments pallet (subtensor's pallets/commitments): a hotkey registered on a subnet
// commits up to three Data fields with set_commitment(netuid, CommitmentInfo{fields}); the chain
// keeps the last one in CommitmentOf(netuid, account). subnetd pins scorer packages this way
// (docs/OPERATIONS.md). Variant indices come from the metadata, never from constants.

const commitmentsPallet = "Commitments"

// SetCommitment commits fields as Raw data fields (each at most chain.MaxRawCommitment bytes)
// on netuid with s's hotkey, and waits for the block.
func (c *Client) SetCommitment(ctx context.Context, s chain.Signer, netuid uint16, fields [][]byte) (chain.TxResult, error) {
	if len(fields) == 0 {
		return chain.TxResult{}, fmt.Errorf("set commitment: no fields")
	}
	for i, f := range fields {
		if len(f) > chain.MaxRawCommitment {
			return chain.TxResult{}, fmt.Errorf("set commitment: field %d is %d bytes, a Raw field holds at most %d", i, len(f), chain.MaxRawCommitment)
		}
	}
	n, h, rm, err := c.at(ctx)
	if err != nil {
		return chain.TxResult{}, err
	}
	info, err := rm.commitmentInfo(fields)
	if err != nil {
		return chain.TxResult{}, fmt.Errorf("set commitment: %w", err)
	}
	call, err := rm.encodeCall(commitmentsPallet, "set_commitment", uint64(netuid), info)
	if err != nil {
		return chain.TxResult{}, fmt.Errorf("set commitment: %w", err)
	}
	return c.submit(ctx, s, rm, call, n, h, false)
}

// commitmentInfo encodes CommitmentInfo{fields: BoundedVec<Data>} with every field as Data::RawN
// (N its length), the variant indices read from set_commitment's argument type.
func (rm *runtimeMeta) commitmentInfo(fields [][]byte) (rawArg, error) {
	_, cm, err := rm.call(commitmentsPallet, "set_commitment")
	if err != nil {
		return nil, err
	}
	if len(cm.fields) != 2 {
		return nil, fmt.Errorf("Commitments.set_commitment takes %d arguments in runtime spec %d, want 2: %w", len(cm.fields), rm.specVersion, chain.ErrNotAvailable)
	}
	// CommitmentInfo → fields: BoundedVec<Data> → Vec<Data> → Data (a variant).
	_, info := rm.resolve(cm.fields[1].Type.Int64())
	if info == nil || !info.Def.IsSequence {
		return nil, fmt.Errorf("CommitmentInfo in runtime spec %d is not a list of fields: %w", rm.specVersion, chain.ErrNotAvailable)
	}
	dataID := info.Def.Sequence.Type.Int64()
	b := scale.AppendCompact(nil, uint64(len(fields)))
	for _, f := range fields {
		// Data::RawN holds exactly N bytes as [u8; N]: the length is in the variant, not encoded.
		name := fmt.Sprintf("Raw%d", len(f))
		idx, ok := rm.variantIndex(dataID, name, func(int64) bool { return true })
		if !ok {
			return nil, fmt.Errorf("the commitment Data type of runtime spec %d has no %s variant: %w", rm.specVersion, name, chain.ErrNotAvailable)
		}
		b = append(b, idx)
		b = append(b, f...)
	}
	return rawArg(b), nil
}

// Commitment reads hotkey's commitment on netuid at the best block; chain.ErrNoCommitment when
// there is none.
func (c *Client) Commitment(ctx context.Context, netuid uint16, hotkey chain.AccountID) (*chain.Commitment, error) {
	_, h, rm, err := c.at(ctx)
	if err != nil {
		return nil, err
	}
	return c.commitmentAt(ctx, rm, h, netuid, hotkey)
}

// CommitmentAt reads hotkey's commitment on netuid as it stood after block n (the pin a round
// anchored to block n was scored under, for audits); chain.ErrNoCommitment when there was none.
func (c *Client) CommitmentAt(ctx context.Context, netuid uint16, hotkey chain.AccountID, n uint64) (*chain.Commitment, error) {
	h, err := c.blockHash(ctx, n)
	if err != nil {
		return nil, err
	}
	rm, err := c.meta(ctx, h)
	if err != nil {
		return nil, err
	}
	cm, err := c.commitmentAt(ctx, rm, h, netuid, hotkey)
	if err != nil {
		return nil, fmt.Errorf("at block %d: %w", n, err)
	}
	return cm, nil
}

// commitmentAt reads CommitmentOf(netuid, hotkey) at block hash h.
func (c *Client) commitmentAt(ctx context.Context, rm *runtimeMeta, h [32]byte, netuid uint16, hotkey chain.AccountID) (*chain.Commitment, error) {
	var out *chain.Commitment
	b := &batch{rm: rm}
	b.add(commitmentsPallet, "CommitmentOf", [][]byte{u16Key(netuid), hotkey[:]}, false, func(v any) error {
		if v == nil {
			return nil
		}
		cm, err := asCommitment(v)
		if err != nil {
			return err
		}
		cm.Netuid, cm.Hotkey = netuid, hotkey
		out = cm
		return nil
	})
	if err := b.run(ctx, c, h); err != nil {
		return nil, fmt.Errorf("commitment of %s on subnet %d: %w", hotkey, netuid, err)
	}
	if out == nil {
		return nil, fmt.Errorf("%s on subnet %d: %w", hotkey, netuid, chain.ErrNoCommitment)
	}
	return out, nil
}

// asCommitment converts a decoded Registration{deposit, block, info: CommitmentInfo{fields}}.
func asCommitment(v any) (*chain.Commitment, error) {
	reg, ok := v.(*composite)
	if !ok {
		return nil, fmt.Errorf("registration: want a struct, got %T", v)
	}
	blk, ok := reg.field("block")
	if !ok {
		return nil, fmt.Errorf("registration: no block field")
	}
	n, err := asU64(blk)
	if err != nil {
		return nil, fmt.Errorf("registration block: %w", err)
	}
	info, ok := reg.field("info")
	if !ok {
		return nil, fmt.Errorf("registration: no info field")
	}
	list, err := asSlice(info)
	if err != nil {
		return nil, fmt.Errorf("commitment fields: %w", err)
	}
	cm := &chain.Commitment{Block: n}
	for _, f := range list {
		d, ok := f.(*variant)
		if !ok {
			return nil, fmt.Errorf("commitment field: want a Data variant, got %T", f)
		}
		field := chain.CommitmentField{Kind: d.name}
		if strings.HasPrefix(d.name, "Raw") {
			field.Kind = "Raw" // Raw0…Raw128: the length is in the variant's name
		}
		if d.fields != nil && len(d.fields.values) > 0 {
			if data, ok := unwrap(d.fields.values[0]).([]byte); ok {
				field.Data = data
			}
		}
		cm.Fields = append(cm.Fields, field)
	}
	return cm, nil
}

// SubnetOwnerHotkey reads SubtensorModule.SubnetOwnerHotkey(netuid) at the best block.
func (c *Client) SubnetOwnerHotkey(ctx context.Context, netuid uint16) (chain.AccountID, error) {
	var owner chain.AccountID
	_, h, rm, err := c.at(ctx)
	if err != nil {
		return owner, err
	}
	if err := c.subnetExists(ctx, rm, h, netuid); err != nil {
		return owner, err
	}
	b := &batch{rm: rm}
	b.add(pallet, "SubnetOwnerHotkey", [][]byte{u16Key(netuid)}, false, func(v any) (err error) {
		owner, err = asBytes32(v)
		return err
	})
	if err := b.run(ctx, c, h); err != nil {
		return owner, fmt.Errorf("owner hotkey of subnet %d: %w", netuid, err)
	}
	return owner, nil
}

// BlockTimeMs reads Timestamp.Now (milliseconds since the Unix epoch) at block n: the time the
// block's author set, which the chain itself uses.
func (c *Client) BlockTimeMs(ctx context.Context, n uint64) (int64, error) {
	h, err := c.blockHash(ctx, n)
	if err != nil {
		return 0, err
	}
	rm, err := c.meta(ctx, h)
	if err != nil {
		return 0, err
	}
	var ms uint64
	b := &batch{rm: rm}
	b.add("Timestamp", "Now", nil, false, setU64(&ms))
	if err := b.run(ctx, c, h); err != nil {
		return 0, fmt.Errorf("block %d time: %w", n, err)
	}
	return int64(ms), nil
}
