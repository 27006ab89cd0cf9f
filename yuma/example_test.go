package yuma_test

import (
	"fmt"

	"github.com/subnetd/subnetd/yuma"
)

// Two permitted validators agree on miner 2; miner 3 gets a weight from the
// smaller validator only, which consensus (kappa ≈ 0.5) clips away. The
// smaller validator's half-clipped row lowers its trust and its bond share
// (0.3·0.5 against 0.7·1), hence its dividends.
func ExampleEpoch() {
	p := yuma.DefaultParams()
	p.Tempo, p.ActivityCutoff = 10, 100
	in := &yuma.Input{Block: 20, RaoEmission: 1_000_000_000, Params: p, Neurons: []yuma.Neuron{
		{AlphaStake: 700, LastUpdate: 19, ValidatorPermit: true, Weights: []yuma.Cell{{UID: 2, Value: 65535}}},
		{AlphaStake: 300, LastUpdate: 19, ValidatorPermit: true, Weights: []yuma.Cell{{UID: 2, Value: 65535}, {UID: 3, Value: 65535}}},
		{LastUpdate: 19},
		{LastUpdate: 19},
	}}
	out, err := yuma.Epoch(in)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("consensus", out.Consensus)
	fmt.Println("incentive", out.Incentive)
	fmt.Println("trust    ", out.ValidatorTrust)
	fmt.Println("emission ", out.Emission)
	// Output:
	// consensus [0 0 65535 0]
	// incentive [0 0 65535 0]
	// trust     [65535 32767 0 0]
	// emission  [411764706 88235293 500000000 0]
}
