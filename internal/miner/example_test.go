package miner_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/subnetd/subnetd/dendrite"
	"github.com/subnetd/subnetd/internal/miner"
	"github.com/subnetd/subnetd/wallet"
)

func Example() {
	ctx := context.Background()
	bob, _ := wallet.FromURI("//Bob")
	cfg, _ := miner.Profile("good", bob)
	m, err := miner.Start(ctx, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()

	alice, _ := wallet.FromURI("//Alice")
	d, _ := dendrite.New(alice, dendrite.Options{})
	defer d.Close()
	resp, _ := d.Query(ctx, m.Target(0), dendrite.Request{
		Synapse: "SumTask",
		Body:    json.RawMessage(`{"task":"sum","id":"x","numbers":[1,2,3.5]}`),
		Timeout: 5 * time.Second,
	})
	fmt.Println(resp.Status, string(resp.Body))
	// Output: 200 {"task":"sum","id":"x","numbers":[1,2,3.5],"answer":6.5}
}
