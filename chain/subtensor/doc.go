// Package subtensor is a chain.Chain for a real subtensor node, over Substrate JSON-RPC (ws://,
// wss://, http://, https://).
//
// Everything runtime-specific comes from the node's metadata (V14, fetched once per runtime version):
// call indices and argument types, storage prefixes, hashers and value types, error and event names,
// the extrinsic's address and signature types, and the list of signed extensions, whose extra and
// additional-signed data the client builds from their types (refusing, by name, an extension that
// needs data it cannot supply). Transactions are sr25519-signed v4 extrinsics with a mortal era.
//
// One Client owns one connection: calls are serialised on it, each has a deadline, and a broken
// connection is redialled with exponential backoff. The client tracks account nonces and never
// resends a transaction whose fate is unknown: it reports chain.ErrTxPending with the hash, and
// TxStatus tells later whether it landed. The one exception is a transaction the node dropped because
// the block was full: it provably never landed, and it is signed again with the same nonce, so at most
// one of the two can ever be included.
//
// Outcomes are decoded into chain's types: events by name, pallet errors into *chain.DispatchError
// (errors.Is with chain.ErrSettingWeightsTooFast and the like), and the node's refusals (invalid
// signature, stale nonce, subtensor's custom validity codes) into the matching sentinels.
//
// The metagraph is read from storage; see docs/CHAIN.md for why.
package subtensor
