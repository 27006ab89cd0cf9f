package subtensor_test

import (
	"context"
	"fmt"
	"time"

	"github.com/subnetd/subnetd/chain/subtensor"
)

// Read what the subnet's last epoch stored, and the hyperparameters its next one reads.
func ExampleClient_EpochTerms() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := subtensor.Dial(ctx, "ws://127.0.0.1:9944", subtensor.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	mg, err := c.Metagraph(ctx, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	hp := mg.Hyperparams
	fmt.Printf("kappa %d/65535, bonds moving average %d/1e6, Yuma3 %v, exact epoch rules: %v\n",
		hp.Kappa, hp.BondsMovingAverage, hp.Yuma3On, mg.Epoch != nil)
	t, err := c.EpochTerms(ctx, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	for uid, inc := range t.Incentive {
		fmt.Printf("uid %d: incentive %d/65535, dividends %d/65535\n", uid, inc, t.Dividends[uid])
	}
}
