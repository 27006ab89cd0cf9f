// Package devnet is an embedded chain state machine for one or more subnets
// that follows subtensor's rules for what the Yuma epoch reads and writes:
// registration and re-registration (and what a re-registration clears),
// stake per hotkey, set_weights with the chain's checks, error names and
// max-upscaling, LastUpdate, validator permits carried between epochs, bonds
// stored as u16, and epochs at the blocks the tempo schedules.
//
// It is a real component (the daemon's demo and the Yuma scenario runner run
// on it), not a test double. A Chain is safe for concurrent use: every method
// takes one mutex, and nothing in it reads the clock or randomness, so the
// same calls give the same state.
//
// # Commit-reveal
//
// While CommitRevealEnabled is on, set_weights is refused with
// ErrCommitRevealEnabled and weights arrive through commits, with the rules
// and error names of subtensor's pallet (the errors are chain's sentinels):
//
//   - CommitWeights (commit_weights, commit-reveal v2) stores (hash, commit
//     block, reveal window) per hotkey and subnet after the pool's stake check
//     (NotEnoughStakeToSetWeights), CommitRevealDisabled,
//     HotKeyNotRegisteredInSubNet and the rate limit as the chain applies it
//     to commits (CommittingWeightsTooFast: WeightsSetRateLimit blocks since
//     LastUpdate, which a commit moves). Expired commits are dropped from the
//     front of the queue first, then at most 10 may remain
//     (TooManyUnrevealedCommits).
//   - RevealWeights recomputes chain.CommitHash over the hotkey's account,
//     the uids, values, salt and version key, and accepts it only in epoch
//     commit_epoch + RevealPeriod (chain.EpochIndex; the window
//     chain.RevealWindow gives): RevealTooEarly before, ExpiredWeightCommit
//     after, NoWeightsCommitFound with no commit left,
//     InvalidRevealCommitHashNotMatch when the hash matches none. A reveal
//     removes its commit and every older one, then sets the weights with
//     set_weights' checks (no rate limit, LastUpdate unchanged, as on chain).
//     A failed reveal changes nothing, like a failed extrinsic.
//   - CommitTimelocked (commit_timelocked_weights) stores the ciphertext
//     under its commit epoch with its drand round. At the start of each block
//     of epoch commit_epoch + RevealPeriod the devnet decrypts the commits
//     whose round's pulse it holds (timelock.DecryptWithSignature), decodes
//     the payload (v4 with the committer's hotkey, or legacy) and applies it
//     as the committer's set_weights; failures vanish without an error, as on
//     chain. The devnet fetches no drand pulses: InjectPulse stores one after
//     checking its signature against the beacon (quicknet, or SetBeacon's). A
//     commit whose pulse never comes is deleted when its reveal epoch ends.
//     Timelocked commits are off until SetCommitRevealVersion (0, the
//     default, models a runtime without them so validators use hash commits).
//   - The epoch input carries each uid's earliest live commit block
//     (yuma.Neuron.CommitBlock) for the commit-reveal column mask.
//
// Rationale: commit-reveal epochs use the tempo formula (block+netuid+1) /
// (tempo+1) of chain.EpochIndex, as the SDK, bittensor-drand, the subtensor
// client and the spec-300 runtime of the test harness do; runtimes from
// v3.4.8 count epochs with the stateful SubnetEpochIndex instead, which the
// devnet does not model. A devnet transaction is applied at the current block
// (a chain applies it in the next one), so windows are judged at
// Chain.Block(). Reveal errors are those of the pallet's dispatch (spec 300);
// newer runtimes also pre-check a reveal in the transaction pool, where a
// mismatched hash gives NoWeightsCommitFound and any reveal outside its epoch
// RevealTooEarly. The devnet keeps commits by hotkey name; commit hashes use
// AccountID(hotkey).
//
// Not modelled yet: child/parent stake inheritance, multiple mechanisms per
// subnet (and so the *_mechanism_* and batch calls), proof-of-work and burn
// costs, owner cut and root dividends in the emission distribution.
package devnet
