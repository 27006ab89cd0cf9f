// Package wallet reads Bittensor wallet files and signs with sr25519 keys.
//
// A Bittensor wallet lives at PATH/NAME: the hotkey that validators and miners sign with is the
// JSON keyfile PATH/NAME/hotkeys/HOTKEY (fields secretSeed, secretPhrase, privateKey, publicKey,
// accountId, ss58Address), and the coldkey's public half is PATH/NAME/coldkeypub.txt. LoadHotkey and
// Load read that layout; CreateWallet and WriteKeyfile write it (mode 0600) for tests, demos and miners.
//
// Keys are sr25519 (schnorrkel over ristretto255, via github.com/ChainSafe/go-schnorrkel), derived
// from a 32-byte seed with Ed25519-style expansion and used with the "substrate" signing context,
// exactly as substrate's sp_core and Bittensor's btwallet do, so signatures made here verify on chain
// and in Python axons and vice versa. FromURI understands substrate secret URIs, including the
// development accounts "//Alice", "//Bob" and so on.
//
// Addresses are SS58 with Bittensor's prefix 42 (EncodeSS58, DecodeSS58).
//
// A Keypair never prints its secret: String, Format and GoString show only the SS58 address, and
// error messages never quote secret fields of a key file.
package wallet
