package subtensor_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/chain/subtensor"
	"github.com/subnetd/subnetd/wallet"
)

// Set weights on a local chain and branch on the pallet's errors.
func ExampleClient_SetWeights() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := subtensor.Dial(ctx, "ws://127.0.0.1:9944", subtensor.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	hotkey, err := wallet.LoadHotkey("~/.bittensor/wallets", "validator", "default")
	if err != nil {
		fmt.Println(err)
		return
	}
	hp, err := c.Hyperparams(ctx, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := c.SetWeights(ctx, hotkey, chain.WeightsCall{
		Netuid: 2, UIDs: []uint16{0, 1, 2}, Values: []uint16{65535, 32768, 100}, VersionKey: hp.WeightsVersionKey,
	})
	switch {
	case errors.Is(err, chain.ErrSettingWeightsTooFast):
		fmt.Println("too soon; wait", hp.WeightsRateLimit, "blocks")
	case errors.Is(err, chain.ErrTxPending):
		fmt.Println("not in a block yet; ask TxStatus later")
	case err != nil:
		fmt.Println(err)
	default:
		fmt.Println(res.Outcome(), "in block", res.Block)
	}
}

// The era bytes of a transaction valid for 64 blocks from block 42.
func ExampleMortalEra() {
	enc, birth := subtensor.MortalEra(64, 42)
	fmt.Printf("%x %d\n", enc, birth)
	// Output: a502 42
}
