package timelock_test

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/subnetd/subnetd/chain/timelock"
)

// Encrypt a commit to quicknet round 1000 and open it with the round's
// published signature, as the chain does once the pulse is stored.
func Example() {
	// Deterministic randomness for the example; use crypto/rand.Reader in real use.
	rng := rand.NewChaCha8([32]byte{1})
	hotkey, _ := hex.DecodeString("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")

	commit, err := timelock.BuildCommit(rng, timelock.CommitRequest{
		Format:      timelock.FormatV4,
		Hotkey:      hotkey,
		Uids:        []uint16{0, 1, 2},
		Weights:     []uint16{100, 65535, 32768},
		RevealRound: 1000,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("commit bytes:", len(commit))

	sig, _ := hex.DecodeString("b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125e342b73a8dd2bacbe47e4b6b63ed5e39")
	plain, err := timelock.Quicknet().Decrypt(1000, sig, commit)
	if err != nil {
		fmt.Println(err)
		return
	}
	p, _ := timelock.DecodePayload(timelock.FormatV4, plain)
	fmt.Println("uids:", p.Uids, "values:", p.Values)
	// Output:
	// commit bytes: 299
	// uids: [0 1 2] values: [100 65535 32768]
}

// The round a commit made now at block 1000 of subnet 1 (tempo 360, reveal
// period 1) is encrypted to, with 12-second blocks.
func ExampleRevealRound() {
	now := time.Unix(timelock.QuicknetGenesisTime+3000, 0) // the caller passes time.Now()
	round := timelock.RevealRound(timelock.RevealSchedule{
		Netuid: 1, Tempo: 360, CurrentBlock: 1000, RevealPeriodEpochs: 1,
	}, now)
	fmt.Println(round)
	// Output: 1336
}
