package validator

import (
	"context"
	"errors"
	"fmt"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/records"
	"github.com/subnetd/subnetd/weights"
	"github.com/subnetd/subnetd/yuma"
)

// EpochInputer is implemented by chains that can give the exact input of a subnet's next epoch
// (the devnet adapter). Elsewhere the preview is built from the metagraph, weights and bonds with
// the default parameters for what the Chain interface does not read (kappa, bonds moving
// average, liquid alpha), and is marked approximate.
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
	approx := false
	if ei, ok := s.chain.(EpochInputer); ok {
		var err error
		if in, err = ei.EpochInput(ctx, s.cfg.Netuid, s.cfg.PreviewEmission); err != nil {
			return nil, fmt.Errorf("epoch input: %w", err)
		}
	} else {
		var err error
		if in, err = s.inputFromChain(ctx, mg); err != nil {
			return nil, err
		}
		approx = true
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
	pv := &Preview{Block: in.Block, UID: uint16(uid), Approximate: approx, RaoEmission: in.RaoEmission,
		ValidatorTrust: float64(out.ValidatorTrust[uid]) / 65535, Dividends: float64(out.Dividends[uid]) / 65535,
		ValidatorEmission: out.ValidatorEmission[uid]}
	for i, v := range out.Incentive {
		if v > 0 {
			pv.Incentive = append(pv.Incentive, UIDFloat{UID: uint16(i), Value: float64(v) / 65535})
		}
	}
	return pv, nil
}

// inputFromChain builds an epoch input from what chain.Chain reads.
func (s *Subnet) inputFromChain(ctx context.Context, mg *chain.Metagraph) (*yuma.Input, error) {
	w, err := s.chain.Weights(ctx, s.cfg.Netuid, s.cfg.Mecid)
	if err != nil {
		return nil, fmt.Errorf("preview weights: %w", err)
	}
	b, err := s.chain.Bonds(ctx, s.cfg.Netuid, s.cfg.Mecid)
	if err != nil {
		return nil, fmt.Errorf("preview bonds: %w", err)
	}
	hp := mg.Hyperparams
	p := yuma.DefaultParams()
	p.Tempo = hp.Tempo
	p.ActivityCutoff = uint64(hp.ActivityCutoff)
	p.MaxAllowedValidators = hp.MaxValidators
	in := &yuma.Input{Block: mg.Block, RaoEmission: s.cfg.PreviewEmission, Params: p, CommitReveal: hp.CommitRevealEnabled,
		Neurons: make([]yuma.Neuron, len(mg.Neurons))}
	for i, n := range mg.Neurons {
		yn := yuma.Neuron{AlphaStake: n.Stake, BlockAtRegistration: n.BlockAtRegistration, LastUpdate: n.LastUpdate,
			ValidatorPermit: n.ValidatorPermit, CommitBlock: yuma.NoCommit}
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
	return in, nil
}
