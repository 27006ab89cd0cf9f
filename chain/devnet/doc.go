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
// Not modelled yet: commit-reveal extrinsics (set_weights is refused with
// ErrCommitRevealEnabled while it is on), child/parent stake inheritance,
// multiple mechanisms per subnet, proof-of-work and burn costs, owner cut
// and root dividends in the emission distribution.
package devnet
