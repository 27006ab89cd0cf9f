package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/subnetd/subnetd/runtime"
)

// Load a scorer, encode a Round canonically, score it in a fresh sandboxed instance.
func ExampleScorer_Score() {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Config{}) // wazero, default limits
	if err != nil {
		panic(err)
	}
	defer rt.Close(ctx)

	// A hand-written module with a fixed answer; a real one comes from
	// `subnetd plugin build`.
	s, err := rt.Load(ctx, "empty", rawScorer(`{"scores":[{"uid":3,"score":0.5}]}`, nil))
	if err != nil {
		panic(err)
	}
	round, meta, err := runtime.Round{Netuid: 1, Block: 100, Miners: []runtime.Miner{
		{UID: 3, Status: 200, LatencyMs: 20, Response: json.RawMessage(`{"answer":1}`)},
	}}.Encode()
	if err != nil {
		panic(err)
	}
	res, err := s.Score(ctx, round, meta)
	if err != nil {
		fmt.Println("refused:", err)
		return
	}
	fmt.Println(string(res.Scores.Canonical()))
	// Output: {"scores":[{"uid":3,"score":0.5}]}
}

// Screening refuses a module before any compiler sees it, naming every cause.
func ExampleScreen() {
	_, err := runtime.Screen([]byte("\x00asm\x01\x00\x00\x00"), runtime.Limits{})
	fmt.Println(err)
	// Output: invalid scorer module: missing export: "memory" (the guest's linear memory); missing export: function "subnetd_alloc" (i32) -> (i32); missing export: function "subnetd_score" (i32, i32) -> (i64)
}

// A scorer whose start-up (start function, _initialize) depends on nothing of the round runs it
// once, at load; every call starts from the snapshot it left, with the same output and gas.
func ExampleScorer_PreInitialised() {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Config{})
	if err != nil {
		panic(err)
	}
	defer rt.Close(ctx)
	// Its start function writes the first byte of its answer; _initialize sets a global.
	s, err := rt.Load(ctx, "hand-written", preinitScorer(nil, nil))
	if err != nil {
		panic(err)
	}
	ok, _ := s.PreInitialised()
	fmt.Println("pre-initialised:", ok)
	round, meta, err := runtime.Round{Netuid: 1, Block: 100}.Encode()
	if err != nil {
		panic(err)
	}
	res, err := s.Score(ctx, round, meta)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(res.Output), res.GasUsed)
	// Output:
	// pre-initialised: true
	// {"scores":[]} 12
}
