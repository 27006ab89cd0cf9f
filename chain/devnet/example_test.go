package devnet_test

import (
	"fmt"

	"github.com/subnetd/subnetd/chain/devnet"
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
