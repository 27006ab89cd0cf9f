package wallet_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/subnetd/subnetd/wallet"
)

func Example() {
	dir, _ := os.MkdirTemp("", "wallets")
	defer os.RemoveAll(dir)

	// A dev key, written in the Bittensor wallet layout, then loaded back the way validators do.
	alice, _ := wallet.FromURI("//Alice")
	if err := wallet.CreateWallet(dir, "demo", "default", alice, nil); err != nil {
		fmt.Println(err)
		return
	}
	hk, err := wallet.LoadHotkey(dir, "demo", "default")
	if err != nil {
		fmt.Println(err)
		return
	}
	sig, _ := hk.Sign([]byte("hello"))
	fmt.Println(hk.SS58())
	fmt.Println(wallet.Verify(alice.PublicKey(), []byte("hello"), sig))
	fmt.Println(filepath.Base(filepath.Dir(filepath.Join(dir, "demo", "hotkeys", "default"))))
	// Output:
	// 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY
	// true
	// hotkeys
}

func ExampleDecodeSS58() {
	pub, prefix, err := wallet.DecodeSS58("5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty")
	fmt.Printf("%x %d %v\n", pub[:4], prefix, err)
	// Output: 8eaf0415 42 <nil>
}
