package devnet

import (
	"errors"

	"github.com/subnetd/subnetd/chain"
)

// Errors named after subtensor's pallet errors, so that a caller (and a log
// reader) sees the same reason the chain would give.
var (
	// ErrSubnetNotExists: the netuid has no subnet.
	ErrSubnetNotExists = errors.New("SubnetNotExists")
	// ErrSubnetExists: CreateSubnet on a netuid that is taken.
	ErrSubnetExists = errors.New("SubnetExists")
	// ErrCommitRevealEnabled: plain set_weights while commit-reveal is on.
	ErrCommitRevealEnabled = errors.New("CommitRevealEnabled")
	// ErrWeightVecNotEqualSize: uids and values differ in length.
	ErrWeightVecNotEqualSize = errors.New("WeightVecNotEqualSize")
	// ErrUidsLengthExceedUidsInSubNet: more uids than the subnet has.
	ErrUidsLengthExceedUidsInSubNet = errors.New("UidsLengthExceedUidsInSubNet")
	// ErrHotKeyNotRegisteredInSubNet: the hotkey holds no uid on the subnet.
	ErrHotKeyNotRegisteredInSubNet = errors.New("HotKeyNotRegisteredInSubNet")
	// ErrNotEnoughStakeToSetWeights: total stake below StakeThreshold.
	ErrNotEnoughStakeToSetWeights = errors.New("NotEnoughStakeToSetWeights")
	// ErrIncorrectWeightVersionKey: version key below WeightsVersionKey.
	ErrIncorrectWeightVersionKey = errors.New("IncorrectWeightVersionKey")
	// ErrSettingWeightsTooFast: within WeightsSetRateLimit blocks of LastUpdate.
	ErrSettingWeightsTooFast = errors.New("SettingWeightsTooFast")
	// ErrNeuronNoValidatorPermit: non-self weights without a validator permit.
	ErrNeuronNoValidatorPermit = errors.New("NeuronNoValidatorPermit")
	// ErrDuplicateUids: a uid appears twice.
	ErrDuplicateUids = errors.New("DuplicateUids")
	// ErrUidVecContainInvalidOne: a uid is not registered.
	ErrUidVecContainInvalidOne = errors.New("UidVecContainInvalidOne")
	// ErrWeightVecLengthIsLow: fewer than min(MinAllowedWeights, n) weights.
	ErrWeightVecLengthIsLow = errors.New("WeightVecLengthIsLow")
	// ErrMaxWeightExceeded: the largest normalised weight exceeds MaxWeightsLimit.
	ErrMaxWeightExceeded = errors.New("MaxWeightExceeded")
	// ErrHotKeyAlreadyRegisteredInSubNet: the hotkey already holds a uid.
	ErrHotKeyAlreadyRegisteredInSubNet = errors.New("HotKeyAlreadyRegisteredInSubNet")
	// ErrNoNeuronIdAvailable: the subnet is full and no uid can be pruned.
	ErrNoNeuronIdAvailable = errors.New("NoNeuronIdAvailable")
	// ErrUidNotFound: a uid argument is not below SubnetworkN.
	ErrUidNotFound = errors.New("UidNotFound")
	// ErrBlockInPast: AdvanceTo a block before the current one.
	ErrBlockInPast = errors.New("block is before the current block")
	// ErrInvalidHyperparameter: a hyperparameter outside the chain's bounds.
	ErrInvalidHyperparameter = errors.New("invalid hyperparameter")
)

// Commit-reveal errors are chain's sentinels themselves (same values), so
// errors.Is works with either name.
var (
	// ErrCommitRevealDisabled: a commit or reveal while commit-reveal is off.
	ErrCommitRevealDisabled = chain.ErrCommitRevealDisabled
	// ErrCommittingWeightsTooFast: a commit within WeightsSetRateLimit blocks of LastUpdate.
	ErrCommittingWeightsTooFast = chain.ErrCommittingWeightsTooFast
	// ErrTooManyUnrevealedCommits: 10 commits are already pending.
	ErrTooManyUnrevealedCommits = chain.ErrTooManyUnrevealedCommits
	// ErrNoWeightsCommitFound: the hotkey has no pending hash commit.
	ErrNoWeightsCommitFound = chain.ErrNoWeightsCommitFound
	// ErrRevealTooEarly: the matching commit's reveal epoch has not come.
	ErrRevealTooEarly = chain.ErrRevealTooEarly
	// ErrExpiredWeightCommit: the matching commit's reveal epoch has passed.
	ErrExpiredWeightCommit = chain.ErrExpiredWeightCommit
	// ErrInvalidRevealCommitHashNotMatch: the reveal matches no pending commit.
	ErrInvalidRevealCommitHashNotMatch = chain.ErrInvalidRevealCommitHash
	// ErrIncorrectCommitRevealVersion: a timelocked commit with another version
	// than CommitRevealWeightsVersion.
	ErrIncorrectCommitRevealVersion = chain.ErrIncorrectCommitRevealVersion
	// ErrInvalidRevealRound: a timelocked commit to a round before the last stored pulse.
	ErrInvalidRevealRound = chain.ErrInvalidRevealRound
)

// Errors of the devnet's timelock model that are not pallet errors.
var (
	// ErrTimelockNotAvailable: CommitTimelocked while the devnet models a
	// runtime without timelocked commits (SetCommitRevealVersion 0).
	ErrTimelockNotAvailable = errors.New("timelocked commits are not enabled on this devnet")
	// ErrInvalidPulse: InjectPulse with a signature that does not verify
	// under the devnet's drand beacon key.
	ErrInvalidPulse = errors.New("invalid drand pulse")
)
