// Package audit checks a validator's round records against the chain it ran on: the engine of
// `subnetd audit`.
//
// Run replays every recorded round in a block range exactly as `subnetd replay` does
// (records.Replay), then reads the chain's history (Chain: the weight settings it applied and the
// weight rows they left) and checks that
//
//   - every round whose record says its weights were accepted put exactly those uids and values
//     on chain (max-upscaled as the chain stores them) in the block the record names; for a hash
//     commit, its reveal; for a timelocked commit, the weights the chain revealed;
//   - every weight setting by the records' hotkeys on the subnet in the range has a record;
//   - when the chain serves commitments at past blocks (Pins), every round was scored by the
//     module of the scorer package pinned by the subnet owner (or a given publisher) at its block.
//
// Each disagreement is a Finding; the Summary counts them and OK says whether the audit passed.
// docs/AUDITING.md says what this proves and what it cannot.
package audit
