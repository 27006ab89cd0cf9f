package devnet

import (
	"fmt"
	"math"
	"math/bits"
	"slices"

	"github.com/subnetd/subnetd/yuma"
)

// EpochResult is one epoch's output on one subnet.
type EpochResult struct {
	// Netuid is the subnet.
	Netuid uint16
	// Block is the block the epoch ran at.
	Block uint64
	// RaoEmission is the alpha the epoch split.
	RaoEmission uint64
	// Output is what the epoch computed and the chain stored.
	Output *yuma.Output
}

// RunEpoch runs one epoch of the subnet's main mechanism at the current
// block and persists its terms, like subtensor's test helper
// SubtensorModule::epoch(netuid, rao_emission): Bonds rows, Incentive,
// Active, Emission, Consensus, Dividends, ValidatorTrust, ValidatorPermit
// (the new permits) and StakeWeight. It distributes nothing and does not
// move LastMechansimStepBlock.
func (c *Chain) RunEpoch(netuid uint16, raoEmission uint64) (*EpochResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnet(netuid)
	if err != nil {
		return nil, err
	}
	out, err := s.epoch(c.block, raoEmission)
	if err != nil {
		return nil, fmt.Errorf("epoch on subnet %d at block %d: %w", netuid, c.block, err)
	}
	return &EpochResult{Netuid: netuid, Block: c.block, RaoEmission: raoEmission, Output: out}, nil
}

// EpochInput returns the epoch input the subnet's current state gives at
// the current block, for previews: run yuma.Epoch on a modified copy to see
// what a different weights row would change.
func (c *Chain) EpochInput(netuid uint16, raoEmission uint64) (*yuma.Input, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnet(netuid)
	if err != nil {
		return nil, err
	}
	return s.input(c.block, raoEmission), nil
}

func (s *subnet) input(block, rao uint64) *yuma.Input {
	in := &yuma.Input{
		Block: block, LastStepBlock: s.lastStepBlock, CommitReveal: s.hp.CommitRevealEnabled,
		RaoEmission: rao, Params: s.hp.yumaParams(), Neurons: make([]yuma.Neuron, len(s.neurons)),
	}
	if s.cfg.OwnerHotkey != "" {
		if uid, ok := s.uids[s.cfg.OwnerHotkey]; ok {
			in.HasOwner, in.OwnerUID = true, uid
		}
	}
	for i := range s.neurons {
		nr := &s.neurons[i]
		st := s.stake[nr.hotkey]
		in.Neurons[i] = yuma.Neuron{
			AlphaStake: st.Alpha, TaoStake: st.Tao, BlockAtRegistration: nr.registeredAt,
			LastUpdate: nr.lastUpdate, ValidatorPermit: nr.permit,
			Weights: slices.Clone(nr.weights), Bonds: slices.Clone(nr.bonds), CommitBlock: s.commitBlock(nr.hotkey, block),
		}
	}
	return in
}

func (s *subnet) epoch(block, rao uint64) (*yuma.Output, error) {
	out, err := yuma.Epoch(s.input(block, rao))
	if err != nil {
		return nil, err
	}
	for i := range s.neurons {
		nr := &s.neurons[i]
		nr.active = out.Active[i]
		nr.emission = out.Emission[i]
		nr.consensus = out.Consensus[i]
		nr.incentive = out.Incentive[i]
		nr.dividends = out.Dividends[i]
		nr.validatorTrust = out.ValidatorTrust[i]
		nr.stakeWeight = out.StakeWeight[i]
		nr.permit = out.ValidatorPermit[i]
		nr.bonds = slices.Clone(out.Bonds[i])
	}
	return out, nil
}

// AdvanceTo moves the chain to block. On the way, timelocked commits are
// revealed at the start of the blocks where the chain would reveal them (see
// CommitTimelocked), and every subnet with
// AutoEpoch runs an epoch at each block where blocks since its last epoch
// reach its tempo (subnets in netuid order within a block), splitting
// EmissionPerBlock times the elapsed blocks, and then records
// LastMechansimStepBlock and, with Distribute, credits the emission to the
// hotkeys' alpha stake. It returns the epochs in the order they ran.
func (c *Chain) AdvanceTo(block uint64) ([]EpochResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if block < c.block {
		return nil, fmt.Errorf("advance to %d from %d: %w", block, c.block, ErrBlockInPast)
	}
	var results []EpochResult
	for {
		next, any := uint64(0), false
		for _, id := range c.netuidsLocked() {
			s := c.subnets[id]
			if b, ok := c.nextTimelockBlock(s, c.block); ok && b <= block && (!any || b < next) {
				next, any = b, true
			}
			if !s.cfg.AutoEpoch || s.hp.Tempo == 0 {
				continue
			}
			due := s.lastEpochBlock + uint64(s.hp.Tempo)
			if due < c.block {
				due = c.block
			}
			if due <= block && (!any || due < next) {
				next, any = due, true
			}
		}
		if !any {
			break
		}
		prev := c.block
		c.block = next
		// Timelocked reveals run at the start of the block, before its epochs.
		for _, id := range c.netuidsLocked() {
			s := c.subnets[id]
			if b, ok := c.nextTimelockBlock(s, prev); ok && b == next {
				c.revealTimelocked(s, next)
			}
		}
		for _, id := range c.netuidsLocked() {
			s := c.subnets[id]
			if !s.cfg.AutoEpoch || s.hp.Tempo == 0 || next-min(next, s.lastEpochBlock) < uint64(s.hp.Tempo) {
				continue
			}
			rao := satMul(s.cfg.EmissionPerBlock, next-s.lastEpochBlock)
			out, err := s.epoch(next, rao)
			if err != nil {
				return results, fmt.Errorf("epoch on subnet %d at block %d: %w", id, next, err)
			}
			s.lastEpochBlock, s.lastStepBlock = next, next
			if s.cfg.Distribute {
				for i := range s.neurons {
					hk := s.neurons[i].hotkey
					st := s.stake[hk]
					st.Alpha = satAdd(st.Alpha, satAdd(out.ServerEmission[i], out.ValidatorEmission[i]))
					s.stake[hk] = st
				}
			}
			results = append(results, EpochResult{Netuid: id, Block: next, RaoEmission: rao, Output: out})
		}
	}
	c.block = block
	return results, nil
}

func satMul(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 {
		return math.MaxUint64
	}
	return lo
}

func satAdd(a, b uint64) uint64 {
	if s := a + b; s >= a {
		return s
	}
	return math.MaxUint64
}
