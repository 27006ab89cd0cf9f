package devnet

import (
	"slices"

	"github.com/subnetd/subnetd/yuma"
)

// NeuronInfo is a copy of one uid's state on a subnet.
type NeuronInfo struct {
	// UID is the neuron's uid.
	UID uint16
	// Hotkey is the hotkey registered at UID.
	Hotkey string
	// Stake is the hotkey's stake.
	Stake Stake
	// BlockAtRegistration is the block UID was last registered.
	BlockAtRegistration uint64
	// LastUpdate is the block of the last accepted weights (or registration).
	LastUpdate uint64
	// Active is the activity flag the last epoch wrote.
	Active bool
	// ValidatorPermit is the permit the last epoch wrote.
	ValidatorPermit bool
	// Emission is the combined emission (rao) of the last epoch.
	Emission uint64
	// Consensus, Incentive, Dividends, ValidatorTrust and StakeWeight are the
	// u16 terms of the last epoch.
	Consensus, Incentive, Dividends, ValidatorTrust, StakeWeight uint16
	// Weights is the stored weights row (nil when none).
	Weights []yuma.Cell
	// Bonds is the stored bonds row (nil when none).
	Bonds []yuma.Cell
}

// Neurons returns a copy of every uid's state on the subnet, by uid.
func (c *Chain) Neurons(netuid uint16) ([]NeuronInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnet(netuid)
	if err != nil {
		return nil, err
	}
	out := make([]NeuronInfo, len(s.neurons))
	for i := range s.neurons {
		nr := &s.neurons[i]
		out[i] = NeuronInfo{
			UID: uint16(i), Hotkey: nr.hotkey, Stake: s.stake[nr.hotkey],
			BlockAtRegistration: nr.registeredAt, LastUpdate: nr.lastUpdate, Active: nr.active,
			ValidatorPermit: nr.permit, Emission: nr.emission, Consensus: nr.consensus,
			Incentive: nr.incentive, Dividends: nr.dividends, ValidatorTrust: nr.validatorTrust,
			StakeWeight: nr.stakeWeight, Weights: slices.Clone(nr.weights), Bonds: slices.Clone(nr.bonds),
		}
	}
	return out, nil
}

// UID returns the uid hotkey holds on the subnet.
func (c *Chain) UID(netuid uint16, hotkey string) (uint16, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.subnets[netuid]
	if !ok {
		return 0, false
	}
	uid, ok := s.uids[hotkey]
	return uid, ok
}
