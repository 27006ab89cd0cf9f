package audit_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/subnetd/subnetd/audit"
	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/chain/devnet"
	"github.com/subnetd/subnetd/records"
	"github.com/subnetd/subnetd/wallet"
)

// A validator recorded one set_weights round; later it set weights again outside subnetd. The
// audit verifies the recorded round on chain and reports the other setting as unrecorded.
func ExampleRun() {
	ctx := context.Background()
	key, _ := wallet.FromURI("//Alice")
	dc := devnet.New(1)
	hp := devnet.DefaultHyperparameters()
	hp.MinAllowedWeights, hp.WeightsSetRateLimit = 1, 1
	_ = dc.CreateSubnet(1, devnet.SubnetConfig{Hyperparameters: hp, OwnerHotkey: key.SS58()})
	_, _ = dc.Register(1, key.SS58())
	_, _ = dc.Register(1, "miner")
	node := devnet.NewNode(dc)

	// The recorded round (its scorer failed before running, so replay has nothing to re-run; a
	// real record carries the Round, the Scores and the module).
	call := chain.WeightsCall{Netuid: 1, UIDs: []uint16{1}, Values: []uint16{65535}}
	_, _ = node.Advance(1)
	tx, err := node.SetWeights(ctx, key, call)
	if err != nil {
		fmt.Println(err)
		return
	}
	rec := &records.Round{ID: 1, Netuid: 1, Block: tx.Block, ValidatorHotkey: key.SS58(), RoundBytes: []byte{},
		Error: "encode round: example", Weights: &records.Weights{UIDs: call.UIDs, Weights: call.Values},
		Tx: &records.Tx{Kind: "set_weights", Result: tx}}
	rec.Seal()

	// A setting the records do not know of, still within the audited range.
	_, _ = node.Advance(1)
	if _, err := node.SetWeights(ctx, key, chain.WeightsCall{Netuid: 1, UIDs: []uint16{1}, Values: []uint16{1000}}); err != nil {
		fmt.Println(err)
		return
	}

	sum, err := audit.Run(ctx, &records.Set{Rounds: []*records.Round{rec}}, node, audit.Options{From: 1, To: tx.Block + 1},
		func(f audit.Finding) error {
			fmt.Println(f.Kind, f.Check, f.Block, f.Detail)
			return nil
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := json.Marshal(sum)
	fmt.Println(string(out), sum.OK())
	// Output:
	// unrecorded chain 3 WeightsSet for uid 0 (extrinsic 0) has no record
	// {"rounds":1,"replayed_identical":1,"chain_verified":1,"mismatched":0,"unrecorded":1,"unpinned":0} false
}
