package validator_test

import (
	"fmt"

	"github.com/subnetd/subnetd/validator"
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
