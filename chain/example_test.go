package chain_test

import (
	"fmt"

	"github.com/subnetd/subnetd/chain"
)

// The commit-reveal v2 hash a validator commits, and the block range in which the chain accepts the
// reveal of a commit made at block 108 on subnet 2 (tempo 10, reveal period 1).
func ExampleCommitHash() {
	hotkey, _ := chain.ParseAccountID("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY")
	h := chain.CommitHash(hotkey, chain.NetuidIndex(2, 0),
		[]uint16{0, 1, 2}, []uint16{65535, 32768, 100}, []uint16{1, 2, 3, 4, 5, 6, 7, 8}, 7)
	first, last := chain.RevealWindow(2, 10, 1, 108)
	fmt.Printf("0x%x\n%d..%d\n", h, first, last)
	// Output:
	// 0x046a73578a0ee66e3235ab9e2f2b43e024db04e911ff14a887e645d58635ea44
	// 118..128
}
