package devnet_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/chain/devnet"
	"github.com/subnetd/subnetd/wallet"
	"github.com/subnetd/subnetd/yuma"
)

// A subnet with one validator and one miner: the validator earns a permit
// in the first epoch, weights the miner, and the next scheduled epoch
// splits the emission 50/50.
func Example() {
	c := devnet.New(1)
	hp := devnet.DefaultHyperparameters()
	hp.Tempo, hp.MinAllowedWeights, hp.WeightsSetRateLimit, hp.TaoWeight = 10, 1, 0, 0
	_ = c.CreateSubnet(1, devnet.SubnetConfig{Hyperparameters: hp, AutoEpoch: true, EmissionPerBlock: 1_000_000})
	_, _ = c.AppendNeuron(1, "validator", 1)
	_, _ = c.AppendNeuron(1, "miner", 1)
	_ = c.SetStake(1, "validator", devnet.Stake{Alpha: 1_000_000_000})

	_, _ = c.AdvanceTo(11) // first epoch: permits
	if err := c.SetWeights(1, "validator", []uint16{1}, []uint16{100}, 0); err != nil {
		fmt.Println(err)
	}
	res, _ := c.AdvanceTo(21)
	out := res[0].Output
	fmt.Println(res[0].Block, out.Incentive, out.Dividends, out.Emission)
	// Output: 21 [0 65535] [65535 0] [5000000 5000000]
}

// A validator previews the next epoch with a different weights row before
// submitting it: EpochInput copies the chain state, the copy is edited, and
// yuma.Epoch computes what the chain would.
func ExampleChain_EpochInput() {
	c := devnet.New(1)
	hp := devnet.DefaultHyperparameters()
	hp.Tempo, hp.MinAllowedWeights, hp.WeightsSetRateLimit, hp.TaoWeight = 10, 1, 0, 0
	_ = c.CreateSubnet(1, devnet.SubnetConfig{Hyperparameters: hp})
	for _, hk := range []string{"big", "small", "miner-a", "miner-b"} {
		_, _ = c.AppendNeuron(1, hk, 1)
	}
	_ = c.SetStake(1, "big", devnet.Stake{Alpha: 900})
	_ = c.SetStake(1, "small", devnet.Stake{Alpha: 100})
	_, _ = c.AdvanceTo(2)
	_, _ = c.RunEpoch(1, 0) // permits
	_ = c.SetWeights(1, "big", []uint16{2}, []uint16{1}, 0)
	_ = c.SetWeights(1, "small", []uint16{2}, []uint16{1}, 0)

	in, _ := c.EpochInput(1, 1_000_000)
	now, _ := yuma.Epoch(in)
	in.Neurons[1].Weights = []yuma.Cell{{UID: 3, Value: 65535}} // "small" backs miner-b instead
	alt, _ := yuma.Epoch(in)
	fmt.Println("agreeing:  trust", now.ValidatorTrust[1], "dividends", now.Dividends[1])
	fmt.Println("dissenting: trust", alt.ValidatorTrust[1], "dividends", alt.Dividends[1])
	// Output:
	// agreeing:  trust 65535 dividends 6553
	// dissenting: trust 0 dividends 0
}

// The seed-independent parts of a devnet block: its hash is a pure function of its number.
func ExampleBlockHash() {
	fmt.Println(devnet.BlockHash(1) == devnet.BlockHash(1), devnet.BlockHash(1) != devnet.BlockHash(2))
	// Output: true true
}

// A Node serves the devnet as a chain.Chain: writes are signed by a key pair (here //Alice), and a
// refused call fails with the pallet error a real chain gives, matched with chain's sentinels.
func ExampleNode() {
	ctx := context.Background()
	c := devnet.New(1)
	hp := devnet.DefaultHyperparameters()
	hp.Tempo, hp.MinAllowedWeights, hp.WeightsSetRateLimit = 10, 1, 5
	_ = c.CreateSubnet(1, devnet.SubnetConfig{Hyperparameters: hp})
	alice, _ := wallet.FromURI("//Alice")
	_, _ = c.AppendNeuron(1, alice.SS58(), 1)
	_, _ = c.AppendNeuron(1, "miner", 1)
	_ = c.SetStake(1, alice.SS58(), devnet.Stake{Alpha: 1_000_000_000})
	_, _ = c.RunEpoch(1, 0) // permits

	node := devnet.NewNode(c)
	_ = node.ServeAxon(1, "miner", "127.0.0.1", 8091)
	if _, err := node.Advance(10); err != nil {
		fmt.Println(err)
	}
	call := chain.WeightsCall{Netuid: 1, UIDs: []uint16{1}, Values: []uint16{65535}}
	res, err := node.SetWeights(ctx, alice, call)
	fmt.Println(res.Outcome(), err)
	res, err = node.SetWeights(ctx, alice, call) // the same block: inside the rate limit
	fmt.Println(res.Outcome(), errors.Is(err, chain.ErrSettingWeightsTooFast))
	mg, _ := node.Metagraph(ctx, 1)
	fmt.Println(mg.Neurons[0].Hotkey, mg.Neurons[1].Axon.Serving())
	// Output:
	// SubtensorModule.WeightsSet <nil>
	// SubtensorModule.SettingWeightsTooFast true
	// 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY true
}
