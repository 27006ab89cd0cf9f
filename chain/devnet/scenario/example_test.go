package scenario_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/subnetd/subnetd/chain/devnet/scenario"
)

// A one-epoch scenario: no permits exist yet, so emission falls back to stake.
func Example() {
	const file = `{"format": "subnetd-yuma-scenario/1", "name": "tiny", "netuid": 1,
	 "hyperparameters": {"tempo": 100, "activity_cutoff": 5000, "max_allowed_validators": 8,
	   "max_allowed_uids": 8, "min_allowed_weights": 0, "weights_set_rate_limit": 0, "tao_weight": 0},
	 "genesis": {"block": 1, "owner_uid": null, "neurons": [
	   {"uid": 0, "hotkey": "a", "alpha_stake": 3, "tao_stake": 0, "registered": 1},
	   {"uid": 1, "hotkey": "b", "alpha_stake": 1, "tao_stake": 0, "registered": 1}]},
	 "steps": [{"block": 2, "epoch": true, "rao_emission": 1000}],
	 "expected": [{"step": 0, "field": "emission", "uids": [0, 1], "values": [750, 250], "tolerance": 0}]}`
	sc, err := scenario.Load(strings.NewReader(file))
	if err != nil {
		fmt.Println(err)
		return
	}
	lines, err := sc.Run(context.Background(), os.Stdout)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("mismatches:", len(sc.Check(lines)))
	// Output:
	// {"step":0,"block":2,"n":2,"consensus":[0,0],"incentive":[0,0],"dividends":[0,0],"validator_trust":[0,0],"stake_weight":[49151,16383],"active":[true,true],"validator_permit":[true,true],"emission":[750,250],"server_emission":[0,0],"validator_emission":[750,250],"bonds":[[],[]]}
	// mismatches: 0
}
