package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/subnetd/subnetd/chain/devnet"
	"github.com/subnetd/subnetd/internal/miner"
	"github.com/subnetd/subnetd/wallet"
)

// DevnetValidator is a validator hotkey registered and staked on every devnet subnet.
type DevnetValidator struct {
	Hotkey   string
	StakeTAO uint64
}

// DevnetOptions configure StartDevnet.
type DevnetOptions struct {
	// Netuids are the subnets to create.
	Netuids []uint16
	// Tempo is every subnet's tempo; RateLimit its weights rate limit in blocks.
	Tempo     uint16
	RateLimit uint64
	// Validators are registered first (uids 0..), then Miners.
	Validators []DevnetValidator
	Miners     []MinerSpec
}

// Devnet is a running embedded network: the chain and its example miners.
type Devnet struct {
	// Chain is the devnet behind the chain.Chain adapter.
	Chain *devnet.Node
	// Names maps each miner's hotkey to its spec.
	Names map[string]MinerSpec
	// Genesis is the first block.
	Genesis uint64

	miners []*miner.Miner
}

// Close stops the miners.
func (d *Devnet) Close() {
	for _, m := range d.miners {
		m.Close()
	}
}

// StartDevnet creates the subnets, registers and stakes the validators, starts the example
// miners on loopback (serving until ctx ends or Close), registers them and publishes their axons,
// then runs the chain through its first epoch so the validators hold validator permits.
func StartDevnet(ctx context.Context, opts DevnetOptions) (*Devnet, error) {
	const genesis = 1
	dc := devnet.New(genesis)
	ch := devnet.NewNode(dc)
	hp := devnet.DefaultHyperparameters()
	hp.Tempo = opts.Tempo
	hp.MaxAllowedValidators = 8
	hp.MaxAllowedUids = 256
	hp.MinAllowedWeights = 1
	hp.MaxWeightsLimit = 65535
	hp.WeightsSetRateLimit = opts.RateLimit
	hp.ActivityCutoffOverride, hp.ActivityCutoff = true, 5000
	for _, netuid := range opts.Netuids {
		if err := dc.CreateSubnet(netuid, devnet.SubnetConfig{Hyperparameters: hp, AutoEpoch: true,
			EmissionPerBlock: 1_000_000_000, Distribute: true}); err != nil {
			return nil, fmt.Errorf("devnet subnet %d: %w", netuid, err)
		}
	}
	for _, v := range opts.Validators {
		for _, netuid := range opts.Netuids {
			if _, err := dc.Register(netuid, v.Hotkey); err != nil {
				return nil, fmt.Errorf("devnet register %s: %w", v.Hotkey, err)
			}
			if err := dc.SetStake(netuid, v.Hotkey, devnet.Stake{Alpha: v.StakeTAO * 1_000_000_000}); err != nil {
				return nil, fmt.Errorf("devnet stake %s: %w", v.Hotkey, err)
			}
		}
	}
	d := &Devnet{Chain: ch, Names: map[string]MinerSpec{}, Genesis: genesis}
	for i, ms := range opts.Miners {
		kp, err := wallet.FromURI(fmt.Sprintf("//subnetd-demo-miner-%d", i))
		if err != nil {
			d.Close()
			return nil, fmt.Errorf("devnet miner %s: %w", ms.Name, err)
		}
		m, err := miner.Start(ctx, miner.Config{Keypair: kp, Quality: ms.Quality, Latency: ms.Latency, Dead: ms.Dead})
		if err != nil {
			d.Close()
			return nil, fmt.Errorf("devnet miner %s: %w", ms.Name, err)
		}
		d.miners = append(d.miners, m)
		ip, port := m.Addr()
		d.Names[kp.SS58()] = ms
		for _, netuid := range opts.Netuids {
			if _, err := dc.Register(netuid, kp.SS58()); err != nil {
				d.Close()
				return nil, fmt.Errorf("devnet register %s: %w", ms.Name, err)
			}
			if err := ch.ServeAxon(netuid, kp.SS58(), ip, port); err != nil {
				d.Close()
				return nil, err
			}
		}
	}
	if _, err := dc.AdvanceTo(uint64(opts.Tempo) + 2); err != nil {
		d.Close()
		return nil, fmt.Errorf("devnet: %w", err)
	}
	return d, nil
}

// ProfileSpecs turns profile names (good, fair, bad, slow, dead) into miner specs, numbered per
// profile.
func ProfileSpecs(profiles []string) ([]MinerSpec, error) {
	count := map[string]int{}
	var out []MinerSpec
	for _, p := range profiles {
		count[p]++
		var s MinerSpec
		switch p {
		case "good":
			s = MinerSpec{Quality: 1, Latency: tenMs}
		case "fair":
			s = MinerSpec{Quality: 0.7, Latency: 2 * tenMs}
		case "bad":
			s = MinerSpec{Quality: 0.2, Latency: tenMs}
		case "slow":
			s = MinerSpec{Quality: 1, Latency: 15 * tenMs}
		case "dead":
			s = MinerSpec{Dead: true}
		default:
			return nil, fmt.Errorf("unknown miner profile %q (good, fair, bad, slow, dead)", p)
		}
		s.Name, s.Profile = fmt.Sprintf("%s-%d", p, count[p]), p
		out = append(out, s)
	}
	return out, nil
}

const tenMs = 10 * time.Millisecond
