package subtensor

import (
	"context"
	"fmt"

	"github.com/subnetd/subnetd/chain"
)

// What subtensor's epoch reads beyond the weights' rules: the hyperparameters (per subnet, plus two
// global values), the last step block, and which version of the epoch the runtime runs. Every value
// is read raw, in the unit the runtime stores it (docs/CHAIN.md lists them).

// epochItems are the storage items the epoch reads that addEpochParams adds; a runtime missing one of
// them runs an epoch this client does not know, so its metagraph carries no EpochRules.
var epochItems = []string{"Kappa", "BondsMovingAverage", "BondsPenalty", "LiquidAlphaOn", "AlphaValues",
	"AlphaSigmoidSteepness", "Yuma3On", "StakeThreshold", "TaoWeight", "ActivityCutoff", "MaxAllowedValidators",
	"SubnetOwnerHotkey", "LastMechansimStepBlock"}

// addEpochParams queues the epoch's hyperparameters. Items the runtime lacks are skipped (the
// Hyperparams fields stay zero; epochRules then says the epoch is unknown).
func addEpochParams(b *batch, netuid uint16, hp *chain.Hyperparams) {
	k := [][]byte{u16Key(netuid)}
	b.add(pallet, "Kappa", k, true, setU16(&hp.Kappa))
	b.add(pallet, "BondsMovingAverage", k, true, setU64(&hp.BondsMovingAverage))
	b.add(pallet, "BondsPenalty", k, true, setU16(&hp.BondsPenalty))
	b.add(pallet, "LiquidAlphaOn", k, true, setBool(&hp.LiquidAlphaOn))
	b.add(pallet, "AlphaValues", k, true, setU16Pair(&hp.AlphaLow, &hp.AlphaHigh))
	b.add(pallet, "AlphaSigmoidSteepness", k, true, setI16(&hp.AlphaSigmoidSteepness))
	b.add(pallet, "Yuma3On", k, true, setBool(&hp.Yuma3On))
	b.add(pallet, "ActivityCutoffFactorMilli", k, true, setU32(&hp.ActivityCutoffFactorMilli))
	b.add(pallet, "StakeThreshold", nil, true, setU64(&hp.StakeThreshold))
	b.add(pallet, "TaoWeight", nil, true, setU64(&hp.TaoWeight))
}

// epochRules says which epoch the runtime runs, or nil when it lacks an item the epoch reads.
// fromAPI reports whether the metagraph's stakes came from the runtime API (inherited stake).
func epochRules(rm *runtimeMeta, fromAPI bool) *chain.EpochRules {
	for _, it := range epochItems {
		if !rm.hasItem(pallet, it) {
			return nil
		}
	}
	return &chain.EpochRules{
		SpecVersion:      rm.specVersion,
		DynamicTempo:     rm.hasItem(pallet, "ActivityCutoffFactorMilli"),
		CommitRevealMask: rm.hasItem(pallet, "CRV3WeightCommitsV2") || rm.hasItem(pallet, "TimelockedWeightCommits"),
		StakeInherited:   fromAPI,
	}
}

// EpochTerms reads what the subnet's last epoch stored (main mechanism) at the best block.
func (c *Client) EpochTerms(ctx context.Context, netuid uint16) (*chain.EpochTerms, error) {
	n, h, rm, err := c.at(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.subnetExists(ctx, rm, h, netuid); err != nil {
		return nil, err
	}
	t := &chain.EpochTerms{Netuid: netuid, Block: n}
	k := [][]byte{u16Key(netuid)}
	b := &batch{rm: rm}
	b.add(pallet, "Incentive", [][]byte{u16Key(chain.NetuidIndex(netuid, 0))}, false, setU16s(&t.Incentive))
	b.add(pallet, "Dividends", k, false, setU16s(&t.Dividends))
	b.add(pallet, "Consensus", k, false, setU16s(&t.Consensus))
	b.add(pallet, "ValidatorTrust", k, false, setU16s(&t.ValidatorTrust))
	b.add(pallet, "Emission", k, false, func(v any) (err error) { t.Emission, err = asU64s(v); return })
	b.add(pallet, "Active", k, false, func(v any) (err error) { t.Active, err = asBools(v); return })
	b.add(pallet, "ValidatorPermit", k, false, func(v any) (err error) { t.ValidatorPermit, err = asBools(v); return })
	if err := b.run(ctx, c, h); err != nil {
		return nil, fmt.Errorf("epoch terms of subnet %d: %w", netuid, err)
	}
	return t, nil
}

func setU32(dst *uint32) func(any) error {
	return func(v any) error {
		x, err := asU64(v)
		if err == nil && x > 0xffffffff {
			err = fmt.Errorf("%d does not fit u32", x)
		}
		*dst = uint32(x)
		return err
	}
}

// setI16 reads an i16: the decoder gives signed integers as their unsigned bit pattern.
func setI16(dst *int16) func(any) error {
	return func(v any) error {
		x, err := asU64(v)
		if err == nil && x > 0xffff {
			err = fmt.Errorf("%d does not fit i16", x)
		}
		*dst = int16(uint16(x))
		return err
	}
}

// setU16Pair reads a (u16, u16) tuple.
func setU16Pair(a, b *uint16) func(any) error {
	return func(v any) error {
		t, ok := unwrap(v).([]any)
		if !ok || len(t) != 2 {
			return fmt.Errorf("want (u16, u16), got %T", v)
		}
		if err := setU16(a)(t[0]); err != nil {
			return err
		}
		return setU16(b)(t[1])
	}
}

// setU16s reads a Vec<u16> (or Vec<Compact<u16>>).
func setU16s(dst *[]uint16) func(any) error {
	return func(v any) error {
		s, err := asU64s(v)
		if err != nil {
			return err
		}
		out := make([]uint16, len(s))
		for i, x := range s {
			if x > 0xffff {
				return fmt.Errorf("entry %d: %d does not fit u16", i, x)
			}
			out[i] = uint16(x)
		}
		*dst = out
		return nil
	}
}
