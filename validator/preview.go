package validator

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"strings"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/records"
	"github.com/subnetd/subnetd/weights"
	"github.com/subnetd/subnetd/yuma"
)

// EpochInputer is implemented by chains that can give the exact input of a subnet's next epoch
// (the devnet adapter). Elsewhere the preview is built from the metagraph (with the hyperparameters
// and stakes the epoch reads, see chain.EpochRules), weights and bonds, and is marked approximate
// only where the chain does not expose something the epoch reads (epochInput says what).
type EpochInputer interface {
	EpochInput(ctx context.Context, netuid uint16, raoEmission uint64) (*yuma.Input, error)
}

// Preview is this epoch as Yuma would compute it if our emitted row were on chain now. It is the
// round record's preview document.
type Preview = records.Preview

// UIDFloat is one uid's value.
type UIDFloat = records.UIDFloat

func (s *Subnet) preview(ctx context.Context, mg *chain.Metagraph, uid int, em weights.Emitted) (*Preview, error) {
	var in *yuma.Input
	approx, why := false, ""
	if ei, ok := s.chain.(EpochInputer); ok {
		var err error
		if in, err = ei.EpochInput(ctx, s.cfg.Netuid, s.cfg.PreviewEmission); err != nil {
			return nil, fmt.Errorf("epoch input: %w", err)
		}
	} else {
		var err error
		if in, why, err = s.inputFromChain(ctx, mg); err != nil {
			return nil, err
		}
		if why != "" {
			approx = true
			s.log.Debug("yuma preview is approximate", "because", why)
		}
	}
	if uid >= len(in.Neurons) {
		return nil, errors.New("preview: our uid is beyond the epoch input")
	}
	up := yuma.MaxUpscaleU16(em.Weights)
	row := make([]yuma.Cell, len(em.UIDs))
	for i := range em.UIDs {
		row[i] = yuma.Cell{UID: em.UIDs[i], Value: up[i]}
	}
	in.Neurons[uid].Weights = row
	in.Neurons[uid].LastUpdate = in.Block
	out, err := yuma.Epoch(in)
	if err != nil {
		return nil, fmt.Errorf("preview epoch: %w", err)
	}
	pv := &Preview{Block: in.Block, UID: uint16(uid), Approximate: approx, ApproximateBecause: why, RaoEmission: in.RaoEmission,
		ValidatorTrust: float64(out.ValidatorTrust[uid]) / 65535, Dividends: float64(out.Dividends[uid]) / 65535,
		ValidatorEmission: out.ValidatorEmission[uid]}
	for i, v := range out.Incentive {
		if v > 0 {
			pv.Incentive = append(pv.Incentive, UIDFloat{UID: uint16(i), Value: float64(v) / 65535})
		}
	}
	return pv, nil
}

// inputFromChain builds the epoch input from what chain.Chain reads: the metagraph, the weights and
// the bonds, for an epoch at the metagraph's block. why is empty when the input is exact.
func (s *Subnet) inputFromChain(ctx context.Context, mg *chain.Metagraph) (in *yuma.Input, why string, err error) {
	w, err := s.chain.Weights(ctx, s.cfg.Netuid, s.cfg.Mecid)
	if err != nil {
		return nil, "", fmt.Errorf("preview weights: %w", err)
	}
	b, err := s.chain.Bonds(ctx, s.cfg.Netuid, s.cfg.Mecid)
	if err != nil {
		return nil, "", fmt.Errorf("preview bonds: %w", err)
	}
	in, why = epochInput(mg, w, b, mg.Block, s.cfg.PreviewEmission)
	if s.cfg.Mecid != 0 {
		// The metagraph's LastUpdate is the main mechanism's; each mechanism keeps its own.
		why = strings.TrimPrefix(why+fmt.Sprintf("; mechanism %d's LastUpdate not read", s.cfg.Mecid), "; ")
	}
	return in, why, nil
}

// epochInput is the input of an epoch run at block on the state mg, w and b describe (the chain's
// state at the end of the block before). why is empty when the input is what the runtime's epoch
// reads, bit for bit; else it names what the chain does not expose, and the missing values take
// the chain's defaults (yuma.DefaultParams).
func epochInput(mg *chain.Metagraph, w, b [][]chain.UIDValue, block, rao uint64) (in *yuma.Input, why string) {
	hp := mg.Hyperparams
	var reasons []string
	p := yuma.DefaultParams()
	p.Tempo = hp.Tempo
	p.ActivityCutoff = uint64(hp.ActivityCutoff)
	p.MaxAllowedValidators = hp.MaxValidators
	in = &yuma.Input{Block: block, RaoEmission: rao, Params: p, Neurons: make([]yuma.Neuron, len(mg.Neurons))}
	for i, n := range mg.Neurons {
		yn := yuma.Neuron{AlphaStake: n.Stake, TaoStake: n.TaoStake, BlockAtRegistration: n.BlockAtRegistration,
			LastUpdate: n.LastUpdate, ValidatorPermit: n.ValidatorPermit, CommitBlock: yuma.NoCommit}
		if i < len(w) {
			for _, c := range w[i] {
				yn.Weights = append(yn.Weights, yuma.Cell{UID: c.UID, Value: c.Value})
			}
		}
		if i < len(b) {
			for _, c := range b[i] {
				yn.Bonds = append(yn.Bonds, yuma.Cell{UID: c.UID, Value: c.Value})
			}
		}
		in.Neurons[i] = yn
		if mg.OwnerHotkey != nil && n.Hotkey == *mg.OwnerHotkey {
			in.HasOwner, in.OwnerUID = true, n.UID
		}
	}
	r := mg.Epoch
	if r == nil {
		// The chain does not say (an older runtime, or another chain): today's defaults, root stake
		// as the chain gave it.
		return in, "the chain exposes no epoch hyperparameters (kappa, bonds moving average, liquid alpha, Yuma3, stake threshold, TAO weight): defaults used"
	}
	p.Kappa, p.BondsMovingAverage, p.BondsPenalty = hp.Kappa, hp.BondsMovingAverage, hp.BondsPenalty
	p.LiquidAlphaOn, p.AlphaLow, p.AlphaHigh, p.AlphaSigmoidSteepness = hp.LiquidAlphaOn, hp.AlphaLow, hp.AlphaHigh, hp.AlphaSigmoidSteepness
	p.Yuma3On, p.StakeThreshold, p.TaoWeight = hp.Yuma3On, hp.StakeThreshold, hp.TaoWeight
	if r.DynamicTempo {
		// Runtimes with dynamic tempo derive the cutoff from a factor of the tempo and mask the bonds of
		// uids registered since the last distribution.
		p.ActivityCutoff = yuma.ActivityCutoffBlocks(hp.ActivityCutoffFactorMilli, hp.Tempo)
		in.LastStepBlock = mg.LastStepBlock
	} else {
		// Older runtimes read ActivityCutoff in blocks and mask from current_block - tempo, which is
		// what yuma does for LastStepBlock 0.
		in.LastStepBlock = 0
		reasons = append(reasons, olderRuntimeDifferences(mg, in, p)...)
	}
	in.Params = p
	if !r.StakeInherited {
		reasons = append(reasons, "stake read from storage: child-key inheritance not applied")
	}
	if hp.MechanismCount > 1 {
		reasons = append(reasons, fmt.Sprintf("the subnet has %d mechanisms: the chain stores their emission-weighted mix, this is one mechanism's epoch", hp.MechanismCount))
	}
	if hp.CommitRevealEnabled && r.CommitRevealMask {
		// The mask needs each validator's earliest live commit block, which the chain client does not
		// read yet; without it the preview masks nothing.
		reasons = append(reasons, "commit-reveal mask: pending commit blocks not read")
	}
	return in, strings.Join(reasons, "; ")
}

// olderRuntimeDifferences names where a runtime without dynamic tempo (spec below ~423) may run an
// epoch other than yuma's for this input: before spec ~397 the subnet owner's uid was neither forced
// a validator permit nor exempt from the stake threshold, and before spec ~365 liquid alpha's
// sigmoid used an exp without yuma's [-20, 20] clamp. Each only matters in the case tested here.
func olderRuntimeDifferences(mg *chain.Metagraph, in *yuma.Input, p yuma.Params) []string {
	var out []string
	if in.HasOwner {
		n := mg.Neurons[in.OwnerUID]
		if !n.ValidatorPermit {
			out = append(out, "the subnet owner has no validator permit and this runtime may not force one")
		}
		if p.StakeThreshold > 0 && totalStakeFloor(n.Stake, n.TaoStake, p.TaoWeight) < p.StakeThreshold {
			out = append(out, "the subnet owner is below the stake threshold and this runtime may not exempt it")
		}
	}
	if p.Yuma3On && p.LiquidAlphaOn && (p.AlphaSigmoidSteepness > 4000 || p.AlphaSigmoidSteepness < -4000) {
		out = append(out, "liquid alpha steepness beyond ±4000 and this runtime may not clamp its exp")
	}
	return out
}

// totalStakeFloor is floor(alpha + tao * taoWeight/(2^64-1)) as the runtime computes it: the weight
// as U96F32 (32 fractional bits, truncated), the product floored.
func totalStakeFloor(alpha, tao, taoWeight uint64) uint64 {
	w, _ := bits.Div64(taoWeight>>32, taoWeight<<32, ^uint64(0)) // floor(taoWeight * 2^32 / (2^64-1)) <= 2^32
	ph, pl := bits.Mul64(tao, w)
	prod := ph<<32 | pl>>32
	sum, carry := bits.Add64(alpha, prod, 0)
	if carry != 0 || ph>>32 != 0 {
		return ^uint64(0)
	}
	return sum
}
