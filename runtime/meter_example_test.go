package runtime_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/subnetd/subnetd/runtime"
)

// A scorer that never returns stops at its gas budget, at the same figure on every run,
// machine and engine; the figure is in the error and in Result.GasUsed.
func ExampleGasError() {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Config{Limits: runtime.Limits{Gas: 1000}})
	if err != nil {
		panic(err)
	}
	defer rt.Close(ctx)
	s, err := rt.Load(ctx, "spin", rawScorer(`{"scores":[]}`, loopingScore)) // loop br 0 end
	if err != nil {
		panic(err)
	}
	r := runtime.Round{Netuid: 1, Miners: []runtime.Miner{{UID: 0}}}
	round, meta, err := r.Encode()
	if err != nil {
		panic(err)
	}
	res, err := s.Score(ctx, round, meta)
	var g *runtime.GasError
	fmt.Println(errors.Is(err, runtime.ErrOutOfGas), errors.As(err, &g), g.Used, res.GasUsed)
	fmt.Println(err)
	// Output:
	// true true 1001 1001
	// scorer spin: score: gas budget exhausted: used 1001 gas, budget 1000
}
