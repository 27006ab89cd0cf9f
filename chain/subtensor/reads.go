package subtensor

import (
	"context"
	"fmt"

	"github.com/subnetd/subnetd/chain"
)

// The metagraph comes from SubnetInfoRuntimeApi.get_metagraph where the runtime has it (its fields
// picked by name from the V15 metadata), else from storage, item by item, with every key and value
// type taken from the metadata. Hyperparameters always come from storage.

const pallet = "SubtensorModule"

// at returns the head and its metadata.
func (c *Client) at(ctx context.Context) (uint64, [32]byte, *runtimeMeta, error) {
	n, h, err := c.head(ctx)
	if err != nil {
		return 0, h, nil, err
	}
	rm, err := c.meta(ctx, h)
	if err != nil {
		return 0, h, nil, err
	}
	return n, h, rm, nil
}

func addHyperparams(b *batch, netuid uint16, hp *chain.Hyperparams) {
	k := [][]byte{u16Key(netuid)}
	hp.MechanismCount = 1
	b.add(pallet, "Tempo", k, false, setU16(&hp.Tempo))
	b.add(pallet, "WeightsVersionKey", k, false, setU64(&hp.WeightsVersionKey))
	b.add(pallet, "WeightsSetRateLimit", k, false, setU64(&hp.WeightsRateLimit))
	b.add(pallet, "MinAllowedWeights", k, false, setU16(&hp.MinAllowedWeights))
	b.add(pallet, "MaxWeightsLimit", k, false, setU16(&hp.MaxWeightsLimit))
	b.add(pallet, "CommitRevealWeightsEnabled", k, false, setBool(&hp.CommitRevealEnabled))
	b.add(pallet, "RevealPeriodEpochs", k, true, setU64(&hp.RevealPeriodEpochs))
	b.add(pallet, "CommitRevealWeightsVersion", nil, true, setU16(&hp.CommitRevealVersion))
	b.add(pallet, "ImmunityPeriod", k, true, setU16(&hp.ImmunityPeriod))
	b.add(pallet, "ActivityCutoff", k, true, setU16(&hp.ActivityCutoff))
	b.add(pallet, "MaxAllowedValidators", k, true, setU16(&hp.MaxValidators))
	b.add(pallet, "MaxAllowedUids", k, true, setU16(&hp.MaxUIDs))
	b.add(pallet, "MechanismCountCurrent", k, true, setU8(&hp.MechanismCount))
	addEpochParams(b, netuid, hp)
}

// subnetExists checks NetworksAdded(netuid).
func (c *Client) subnetExists(ctx context.Context, rm *runtimeMeta, at [32]byte, netuid uint16) error {
	var added bool
	var n uint16
	b := &batch{rm: rm}
	b.add(pallet, "NetworksAdded", [][]byte{u16Key(netuid)}, false, setBool(&added))
	b.add(pallet, "SubnetworkN", [][]byte{u16Key(netuid)}, false, setU16(&n))
	if err := b.run(ctx, c, at); err != nil {
		return err
	}
	if !added {
		return fmt.Errorf("subnet %d: %w", netuid, chain.NewDispatchError(pallet, "SubNetworkDoesNotExist"))
	}
	return nil
}

// Hyperparams reads the subnet's weight-related hyperparameters at the best block.
func (c *Client) Hyperparams(ctx context.Context, netuid uint16) (chain.Hyperparams, error) {
	var hp chain.Hyperparams
	_, h, rm, err := c.at(ctx)
	if err != nil {
		return hp, err
	}
	if err := c.subnetExists(ctx, rm, h, netuid); err != nil {
		return hp, err
	}
	b := &batch{rm: rm}
	addHyperparams(b, netuid, &hp)
	if err := b.run(ctx, c, h); err != nil {
		return hp, fmt.Errorf("hyperparameters of subnet %d: %w", netuid, err)
	}
	return hp, nil
}

// Metagraph reads a snapshot of the subnet at the best block.
func (c *Client) Metagraph(ctx context.Context, netuid uint16) (*chain.Metagraph, error) {
	n, h, rm, err := c.at(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.subnetExists(ctx, rm, h, netuid); err != nil {
		return nil, err
	}
	mg := &chain.Metagraph{Netuid: netuid, Block: n, BlockHash: hexOf(h[:])}
	nk := [][]byte{u16Key(netuid)}
	var count uint16
	var permits, active []bool
	var lastUpdate []uint64
	var owner *chain.AccountID
	b := &batch{rm: rm}
	b.add(pallet, "SubnetworkN", nk, false, setU16(&count))
	b.add(pallet, "ValidatorPermit", nk, false, func(v any) (err error) { permits, err = asBools(v); return })
	b.add(pallet, "Active", nk, true, func(v any) (err error) { active, err = asBools(v); return })
	b.add(pallet, "LastUpdate", [][]byte{u16Key(chain.NetuidIndex(netuid, 0))}, false, func(v any) (err error) { lastUpdate, err = asU64s(v); return })
	b.add(pallet, "SubnetOwnerHotkey", nk, true, func(v any) error {
		if v == nil {
			return nil
		}
		k, err := asBytes32(v)
		id := chain.AccountID(k)
		owner = &id
		return err
	})
	b.add(pallet, "LastMechansimStepBlock", nk, true, setU64(&mg.LastStepBlock))
	addHyperparams(b, netuid, &mg.Hyperparams)
	if err := b.run(ctx, c, h); err != nil {
		return nil, fmt.Errorf("metagraph of subnet %d: %w", netuid, err)
	}
	mg.OwnerHotkey = owner
	if !c.opts.StorageMetagraph {
		ok, err := c.metagraphFromAPI(ctx, rm, h, mg)
		if err != nil {
			return nil, fmt.Errorf("metagraph of subnet %d: %w", netuid, err)
		}
		if ok {
			mg.Epoch = epochRules(rm, true)
			return mg, nil
		}
	}
	mg.Epoch = epochRules(rm, false)
	mg.Neurons = make([]chain.Neuron, count)
	for uid := range mg.Neurons {
		nr := &mg.Neurons[uid]
		nr.UID = uint16(uid)
		uk := [][]byte{u16Key(netuid), u16Key(uint16(uid))}
		b.add(pallet, "Keys", uk, false, func(v any) error {
			k, err := asBytes32(v)
			nr.Hotkey = k
			return err
		})
		b.add(pallet, "BlockAtRegistration", uk, false, setU64(&nr.BlockAtRegistration))
		if uid < len(permits) {
			nr.ValidatorPermit = permits[uid]
		}
		if uid < len(active) {
			nr.Active = active[uid]
		}
		if uid < len(lastUpdate) {
			nr.LastUpdate = lastUpdate[uid]
		}
	}
	if err := b.run(ctx, c, h); err != nil {
		return nil, fmt.Errorf("metagraph of subnet %d: %w", netuid, err)
	}
	for uid := range mg.Neurons {
		nr := &mg.Neurons[uid]
		hk := nr.Hotkey[:]
		b.add(pallet, "Owner", [][]byte{hk}, false, func(v any) error {
			k, err := asBytes32(v)
			nr.Coldkey = k
			return err
		})
		b.add(pallet, "TotalHotkeyAlpha", [][]byte{hk, u16Key(netuid)}, false, setU64(&nr.Stake))
		b.add(pallet, "TotalHotkeyAlpha", [][]byte{hk, u16Key(0)}, false, setU64(&nr.TaoStake))
		b.add(pallet, "Axons", [][]byte{u16Key(netuid), hk}, false, func(v any) error { return setAxon(&nr.Axon, v) })
	}
	if err := b.run(ctx, c, h); err != nil {
		return nil, fmt.Errorf("metagraph of subnet %d: %w", netuid, err)
	}
	return mg, nil
}

func setAxon(a *chain.Axon, v any) error {
	if v == nil {
		a.IP = "0.0.0.0"
		return nil
	}
	c, ok := v.(*composite)
	if !ok {
		return fmt.Errorf("AxonInfo: want a struct, got %T", v)
	}
	get := func(name string) uint64 {
		x, _ := c.field(name)
		n, _ := asU64(x)
		return n
	}
	a.Block = get("block")
	a.Version = uint32(get("version"))
	a.Port = uint16(get("port"))
	a.IPType = uint8(get("ip_type"))
	a.Protocol = uint8(get("protocol"))
	ipv, _ := c.field("ip")
	ip, ok := ipv.([]byte)
	if !ok || len(ip) != 16 {
		return fmt.Errorf("AxonInfo.ip: want u128")
	}
	var hi, lo uint64
	for i := 7; i >= 0; i-- {
		lo = lo<<8 | uint64(ip[i])
		hi = hi<<8 | uint64(ip[8+i])
	}
	a.IP = chain.AxonIP(hi, lo, a.IPType)
	return nil
}

// matrix reads item (Weights or Bonds) for every uid of the subnet's mechanism at the best block.
func (c *Client) matrix(ctx context.Context, item string, netuid uint16, mecid uint8) ([][]chain.UIDValue, error) {
	_, h, _, err := c.at(ctx)
	if err != nil {
		return nil, err
	}
	return c.matrixAt(ctx, h, item, netuid, mecid)
}

// matrixAt reads item (Weights or Bonds) for every uid of the subnet's mechanism at block h.
func (c *Client) matrixAt(ctx context.Context, h [32]byte, item string, netuid uint16, mecid uint8) ([][]chain.UIDValue, error) {
	rm, err := c.meta(ctx, h)
	if err != nil {
		return nil, err
	}
	if err := c.subnetExists(ctx, rm, h, netuid); err != nil {
		return nil, err
	}
	var count uint16
	b := &batch{rm: rm}
	b.add(pallet, "SubnetworkN", [][]byte{u16Key(netuid)}, false, setU16(&count))
	if err := b.run(ctx, c, h); err != nil {
		return nil, err
	}
	rows := make([][]chain.UIDValue, count)
	idx := chain.NetuidIndex(netuid, mecid)
	for uid := range rows {
		b.add(pallet, item, [][]byte{u16Key(idx), u16Key(uint16(uid))}, false, func(v any) (err error) {
			rows[uid], err = asPairs(v)
			return
		})
	}
	if err := b.run(ctx, c, h); err != nil {
		return nil, fmt.Errorf("%s of subnet %d: %w", item, netuid, err)
	}
	return rows, nil
}

// Weights reads the weight matrix of a subnet's mechanism at the best block.
func (c *Client) Weights(ctx context.Context, netuid uint16, mecid uint8) ([][]chain.UIDValue, error) {
	return c.matrix(ctx, "Weights", netuid, mecid)
}

// Bonds reads the bond matrix of a subnet's mechanism at the best block.
func (c *Client) Bonds(ctx context.Context, netuid uint16, mecid uint8) ([][]chain.UIDValue, error) {
	return c.matrix(ctx, "Bonds", netuid, mecid)
}

// PendingCommits reads WeightCommits for a hotkey.
func (c *Client) PendingCommits(ctx context.Context, netuid uint16, mecid uint8, hotkey chain.AccountID) ([]chain.WeightCommit, error) {
	_, h, rm, err := c.at(ctx)
	if err != nil {
		return nil, err
	}
	var out []chain.WeightCommit
	b := &batch{rm: rm}
	b.add(pallet, "WeightCommits", [][]byte{u16Key(chain.NetuidIndex(netuid, mecid)), hotkey[:]}, false, func(v any) error {
		if v == nil {
			return nil
		}
		s, err := asSlice(v)
		if err != nil {
			return err
		}
		for _, e := range s {
			t, ok := e.([]any)
			if !ok || len(t) != 4 {
				return fmt.Errorf("want (H256, u64, u64, u64), got %T", e)
			}
			var wc chain.WeightCommit
			var errs [4]error
			wc.Hash, errs[0] = asBytes32(t[0])
			wc.CommitBlock, errs[1] = asU64(t[1])
			wc.FirstRevealBlock, errs[2] = asU64(t[2])
			wc.LastRevealBlock, errs[3] = asU64(t[3])
			for _, err := range errs {
				if err != nil {
					return err
				}
			}
			out = append(out, wc)
		}
		return nil
	})
	if err := b.run(ctx, c, h); err != nil {
		return nil, fmt.Errorf("pending commits: %w", err)
	}
	return out, nil
}
