package scenario

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/subnetd/subnetd/chain/devnet"
)

// EpochLine is the JSON object printed for one epoch step.
type EpochLine struct {
	Step              int           `json:"step"`
	Block             uint64        `json:"block"`
	N                 int           `json:"n"`
	Consensus         []uint16      `json:"consensus"`
	Incentive         []uint16      `json:"incentive"`
	Dividends         []uint16      `json:"dividends"`
	ValidatorTrust    []uint16      `json:"validator_trust"`
	StakeWeight       []uint16      `json:"stake_weight"`
	Active            []bool        `json:"active"`
	ValidatorPermit   []bool        `json:"validator_permit"`
	Emission          []uint64      `json:"emission"`
	ServerEmission    []uint64      `json:"server_emission"`
	ValidatorEmission []uint64      `json:"validator_emission"`
	Bonds             [][][2]uint16 `json:"bonds"`
}

// Run builds the scenario's subnet on a fresh devnet chain, applies every
// step, and writes one JSON line per epoch step to w (nothing else). It
// returns the lines it wrote. A step the chain rejects ends the run with an
// error naming the step and the chain's reason.
func (sc *Scenario) Run(ctx context.Context, w io.Writer) ([]EpochLine, error) {
	hp, err := sc.initialHyperparameters()
	if err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	chain := devnet.New(sc.Genesis.Block)
	cfg := devnet.SubnetConfig{Hyperparameters: hp}
	if o := sc.Genesis.OwnerUID; o != nil {
		cfg.OwnerHotkey = sc.Genesis.Neurons[*o].Hotkey
	}
	netuid := sc.Netuid
	if err := chain.CreateSubnet(netuid, cfg); err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	for _, nr := range sc.Genesis.Neurons {
		if _, err := chain.AppendNeuron(netuid, nr.Hotkey, nr.Registered); err != nil {
			return nil, fmt.Errorf("genesis uid %d: %w", nr.UID, err)
		}
		if err := chain.SetStake(netuid, nr.Hotkey, devnet.Stake{Alpha: nr.AlphaStake, Tao: nr.TaoStake}); err != nil {
			return nil, fmt.Errorf("genesis uid %d: %w", nr.UID, err)
		}
	}
	enc := json.NewEncoder(w)
	var lines []EpochLine
	for i := range sc.Steps {
		if err := ctx.Err(); err != nil {
			return lines, err
		}
		line, err := sc.runStep(chain, i)
		if err != nil {
			return lines, fmt.Errorf("step %d: %w", i, err)
		}
		if line == nil {
			continue
		}
		if err := enc.Encode(line); err != nil {
			return lines, fmt.Errorf("write step %d: %w", i, err)
		}
		lines = append(lines, *line)
	}
	return lines, nil
}

func (sc *Scenario) runStep(chain *devnet.Chain, i int) (*EpochLine, error) {
	st := &sc.Steps[i]
	netuid := sc.Netuid
	if _, err := chain.AdvanceTo(*st.Block); err != nil {
		return nil, err
	}
	if len(st.Hyperparameters) > 0 {
		hp, err := chain.Hyperparameters(netuid)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(st.Hyperparameters, &hp); err != nil {
			return nil, err
		}
		if err := chain.SetHyperparameters(netuid, hp); err != nil {
			return nil, err
		}
	}
	for _, r := range st.Register {
		if err := chain.SetStake(netuid, r.Hotkey, devnet.Stake{Alpha: r.AlphaStake, Tao: r.TaoStake}); err != nil {
			return nil, err
		}
		if r.ReplaceUID != nil {
			if err := chain.ReplaceNeuron(netuid, *r.ReplaceUID, r.Hotkey); err != nil {
				return nil, fmt.Errorf("register %q: %w", r.Hotkey, err)
			}
		} else if _, err := chain.AppendNeuron(netuid, r.Hotkey, *st.Block); err != nil {
			return nil, fmt.Errorf("register %q: %w", r.Hotkey, err)
		}
	}
	hotkeyOf := func(uid uint16) (string, error) {
		nrs, err := chain.Neurons(netuid)
		if err != nil {
			return "", err
		}
		if int(uid) >= len(nrs) {
			return "", fmt.Errorf("uid %d: %w", uid, devnet.ErrUidNotFound)
		}
		return nrs[uid].Hotkey, nil
	}
	for _, s := range st.Stake {
		hk, err := hotkeyOf(s.UID)
		if err != nil {
			return nil, fmt.Errorf("stake: %w", err)
		}
		if err := chain.SetStake(netuid, hk, devnet.Stake{Alpha: s.AlphaStake, Tao: s.TaoStake}); err != nil {
			return nil, err
		}
	}
	for _, wc := range st.SetWeights {
		hk, err := hotkeyOf(wc.UID)
		if err != nil {
			return nil, fmt.Errorf("set_weights: %w", err)
		}
		if err := chain.SetWeights(netuid, hk, wc.Dests, wc.Weights, wc.VersionKey); err != nil {
			return nil, err
		}
	}
	for _, uid := range st.ResetBonds {
		hk, err := hotkeyOf(uid)
		if err != nil {
			return nil, fmt.Errorf("reset_bonds: %w", err)
		}
		if err := chain.ResetBonds(netuid, hk); err != nil {
			return nil, err
		}
	}
	if !st.Epoch {
		return nil, nil
	}
	res, err := chain.RunEpoch(netuid, *st.RaoEmission)
	if err != nil {
		return nil, err
	}
	o := res.Output
	line := &EpochLine{
		Step: i, Block: res.Block, N: len(o.Active),
		Consensus: o.Consensus, Incentive: o.Incentive, Dividends: o.Dividends,
		ValidatorTrust: o.ValidatorTrust, StakeWeight: o.StakeWeight,
		Active: o.Active, ValidatorPermit: o.ValidatorPermit,
		Emission: o.Emission, ServerEmission: o.ServerEmission, ValidatorEmission: o.ValidatorEmission,
		Bonds: make([][][2]uint16, len(o.Bonds)),
	}
	for u, row := range o.Bonds {
		line.Bonds[u] = make([][2]uint16, len(row))
		for k, c := range row {
			line.Bonds[u][k] = [2]uint16{c.UID, c.Value}
		}
	}
	return line, nil
}
