package dendrite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"time"

	"github.com/subnetd/subnetd/dendrite"
	"github.com/subnetd/subnetd/wallet"
)

func Example() {
	// A miner: an axon with one synapse that sums "numbers".
	minerKey, _ := wallet.FromURI("//Bob")
	ax, _ := dendrite.NewAxon(dendrite.AxonConfig{Keypair: minerKey})
	_ = ax.Attach(dendrite.Synapse{Name: "Sum", Handler: func(_ context.Context, r *dendrite.AxonRequest) (json.RawMessage, error) {
		var in struct{ Numbers []int }
		if err := json.Unmarshal(r.Body, &in); err != nil {
			return nil, err
		}
		total := 0
		for _, n := range in.Numbers {
			total += n
		}
		return json.Marshal(map[string]int{"answer": total})
	}})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go ax.Serve(ctx, ln)

	// A validator: a dendrite signing with Alice's hotkey.
	validatorKey, _ := wallet.FromURI("//Alice")
	d, _ := dendrite.New(validatorKey, dendrite.Options{})
	defer d.Close()
	target := dendrite.Target{IP: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, Hotkey: minerKey.SS58()}
	resp, err := d.Query(ctx, target, dendrite.Request{
		Synapse: "Sum",
		Body:    json.RawMessage(`{"numbers":[1,2,3]}`),
		Timeout: 5 * time.Second,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Status, string(resp.Body))
	// Output: 200 {"numbers":[1,2,3],"answer":6}
}

func ExampleBodyHash() {
	h, _ := dendrite.BodyHash([]byte(`{"prompt":"hi","weights":[0.5,1.0],"final":true}`), []string{"weights", "final"})
	s, _ := dendrite.PyStr([]byte(`[0.5,1.0]`))
	fmt.Println(s)
	fmt.Println(len(h))
	// Output:
	// [0.5, 1.0]
	// 64
}
