package devnet_test

import (
	"fmt"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/chain/devnet"
)

// A hash commit made in epoch 0 of subnet 1 (tempo 10: epoch (block+2)/11)
// can be revealed only in epoch 1, blocks 9..19.
func ExampleChain_CommitWeights() {
	c := devnet.New(1)
	hp := devnet.DefaultHyperparameters()
	hp.Tempo, hp.MinAllowedWeights, hp.WeightsSetRateLimit = 10, 1, 0
	hp.CommitRevealEnabled = true
	_ = c.CreateSubnet(1, devnet.SubnetConfig{Hyperparameters: hp})
	_, _ = c.AppendNeuron(1, "validator", 1)
	_, _ = c.AppendNeuron(1, "miner", 1)
	_ = c.SetStake(1, "validator", devnet.Stake{Alpha: 1000})
	_, _ = c.RunEpoch(1, 0) // the validator gets its permit

	uids, values, salt := []uint16{1}, []uint16{65535}, []uint16{42, 7}
	hash := chain.CommitHash(devnet.AccountID("validator"), 1, uids, values, salt, 0)
	_, _ = c.AdvanceTo(5)
	fmt.Println("commit:", c.CommitWeights(1, "validator", hash))
	pend, _ := c.PendingCommits(1, "validator")
	fmt.Println("window:", pend[0].FirstRevealBlock, pend[0].LastRevealBlock)

	fmt.Println("reveal at 5:", c.RevealWeights(1, "validator", uids, values, salt, 0))
	_, _ = c.AdvanceTo(12)
	fmt.Println("reveal at 12:", c.RevealWeights(1, "validator", uids, values, salt, 0))
	ns, _ := c.Neurons(1)
	fmt.Println("weights:", ns[0].Weights)
	// Output:
	// commit: <nil>
	// window: 9 19
	// reveal at 5: reveal_weights by "validator" on subnet 1: SubtensorModule.RevealTooEarly: reveal only in the epoch commit_epoch + reveal period (see PendingCommits' reveal window)
	// reveal at 12: <nil>
	// weights: [{1 65535}]
}
