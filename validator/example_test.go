package validator_test

import (
	"fmt"

	"github.com/subnetd/subnetd/runtime"
	"github.com/subnetd/subnetd/validator"
	"github.com/subnetd/subnetd/weights"
)

// Parse a daemon config: one subnet on the embedded devnet.
func ExampleParseConfig() {
	cfg, err := validator.ParseConfig([]byte(`
chain: {endpoint: devnet}
wallet: {uri: //Alice}
subnets:
  - netuid: 1
    scorer: quality.wasm
  - netuid: 2
    scorer: latency.wasm
    synapse: Ping
    body: {}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Chain.Endpoint, len(cfg.Subnets), cfg.Subnets[1].Synapse)
	// Output: devnet 2 Ping
}

// Turn a round's scores into the weights it emits: every uid of a 4-neuron subnet, uid 3 left
// out by the scorer (so 0), max-upscaled u16 as the SDK emits them.
func ExampleEmit() {
	scores := runtime.Scores{Scores: []runtime.Score{{UID: 1, Score: 0.5}, {UID: 2, Score: 1}}}
	e := validator.Emit(scores, weights.Params{NumNeurons: 4, MinAllowedWeights: 1, MaxWeightLimit: 1})
	fmt.Println(e.Dense, e.Emitted.UIDs, e.Emitted.Weights, e.Err)
	// Output: [0 0.5 1 0] [1 2] [32768 65535] <nil>
}
