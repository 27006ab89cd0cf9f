// Package chain defines what a validator needs from a Bittensor chain, independent of how the chain is
// reached: the Chain interface (metagraph snapshot, hyperparameters, current block, set weights,
// commit/reveal of hashed weights, timelocked commits, transaction status), the plain Go types it speaks,
// and the sentinel errors for the pallet errors a caller branches on.
//
// Two packages implement Chain: chain/subtensor, a client for a real subtensor node over Substrate
// JSON-RPC, and chain/devnet, an embedded state machine that follows the same rules. A validator cannot
// tell them apart: both return the same types and the same errors (compare with errors.Is).
//
// The package also holds what both sides must agree on bit for bit: the commit-reveal v2 hash
// (CommitHash), the netuid storage index of a mechanism (NetuidIndex), the epoch arithmetic of hash
// commits (EpochIndex, RevealWindow), the timelocked commit's version and payload rule
// (TimelockVersion, TimelockWithHotkey), and the one hash commit-reveal runner (HashCommitter) over a
// durable store for the salts of pending commits (SaltStore: FileSaltStore for the CLI, the records
// database for the daemon), so that a validator restarted between commit and reveal can still reveal.
package chain
