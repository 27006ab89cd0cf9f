package devnet

import (
	"errors"
	"fmt"

	"github.com/subnetd/subnetd/chain"
)

// pallet is the error subtensor's SubtensorModule raises under name, as chain
// reports it: a *chain.DispatchError that prints "SubtensorModule.name: hint"
// and unwraps to chain's sentinel for that name.
func pallet(name string) error { return chain.NewDispatchError("SubtensorModule", name) }

// Pallet errors the validator meets through chain.Chain are chain's own: each
// is the *chain.DispatchError a real chain gives (errors.As finds it, so
// chain.TxResult.Outcome names it) and unwraps to chain's sentinel, so
// errors.Is matches both the devnet name and the chain name (ErrX here and
// chain.ErrX), and nothing between the devnet and the validator translates.
var (
	// ErrSubnetNotExists: the netuid has no subnet (chain.ErrSubNetworkDoesNotExist).
	ErrSubnetNotExists = pallet("SubNetworkDoesNotExist")
	// ErrCommitRevealEnabled: plain set_weights while commit-reveal is on.
	ErrCommitRevealEnabled = pallet("CommitRevealEnabled")
	// ErrWeightVecNotEqualSize: uids and values differ in length.
	ErrWeightVecNotEqualSize = pallet("WeightVecNotEqualSize")
	// ErrUidsLengthExceedUidsInSubNet: more uids than the subnet has.
	ErrUidsLengthExceedUidsInSubNet = pallet("UidsLengthExceedUidsInSubNet")
	// ErrHotKeyNotRegisteredInSubNet: the hotkey holds no uid on the subnet.
	ErrHotKeyNotRegisteredInSubNet = pallet("HotKeyNotRegisteredInSubNet")
	// ErrNotEnoughStakeToSetWeights: total stake below StakeThreshold.
	ErrNotEnoughStakeToSetWeights = pallet("NotEnoughStakeToSetWeights")
	// ErrIncorrectWeightVersionKey: version key below WeightsVersionKey.
	ErrIncorrectWeightVersionKey = pallet("IncorrectWeightVersionKey")
	// ErrSettingWeightsTooFast: within WeightsSetRateLimit blocks of LastUpdate.
	ErrSettingWeightsTooFast = pallet("SettingWeightsTooFast")
	// ErrNeuronNoValidatorPermit: non-self weights without a validator permit.
	ErrNeuronNoValidatorPermit = pallet("NeuronNoValidatorPermit")
	// ErrDuplicateUids: a uid appears twice.
	ErrDuplicateUids = pallet("DuplicateUids")
	// ErrUidVecContainInvalidOne: a uid is not registered.
	ErrUidVecContainInvalidOne = pallet("UidVecContainInvalidOne")
	// ErrWeightVecLengthIsLow: fewer than min(MinAllowedWeights, n) weights.
	ErrWeightVecLengthIsLow = pallet("WeightVecLengthIsLow")
	// ErrMaxWeightExceeded: the largest normalised weight exceeds MaxWeightsLimit.
	ErrMaxWeightExceeded = pallet("MaxWeightExceeded")
	// ErrCommitRevealDisabled: a commit or reveal while commit-reveal is off.
	ErrCommitRevealDisabled = pallet("CommitRevealDisabled")
	// ErrCommittingWeightsTooFast: a commit within WeightsSetRateLimit blocks of LastUpdate.
	ErrCommittingWeightsTooFast = pallet("CommittingWeightsTooFast")
	// ErrTooManyUnrevealedCommits: 10 commits are already pending.
	ErrTooManyUnrevealedCommits = pallet("TooManyUnrevealedCommits")
	// ErrNoWeightsCommitFound: the hotkey has no pending hash commit.
	ErrNoWeightsCommitFound = pallet("NoWeightsCommitFound")
	// ErrRevealTooEarly: the matching commit's reveal epoch has not come.
	ErrRevealTooEarly = pallet("RevealTooEarly")
	// ErrExpiredWeightCommit: the matching commit's reveal epoch has passed.
	ErrExpiredWeightCommit = pallet("ExpiredWeightCommit")
	// ErrInvalidRevealCommitHashNotMatch: the reveal matches no pending commit
	// (chain.ErrInvalidRevealCommitHash).
	ErrInvalidRevealCommitHashNotMatch = pallet("InvalidRevealCommitHashNotMatch")
	// ErrIncorrectCommitRevealVersion: a timelocked commit with another version
	// than CommitRevealWeightsVersion.
	ErrIncorrectCommitRevealVersion = pallet("IncorrectCommitRevealVersion")
	// ErrInvalidRevealRound: a timelocked commit to a round before the last stored pulse.
	ErrInvalidRevealRound = pallet("InvalidRevealRound")
)

// Pallet errors of calls chain.Chain does not have (registration), named after
// subtensor's, so that a caller (and a log reader) sees the reason the chain
// would give.
var (
	// ErrSubnetExists: CreateSubnet on a netuid that is taken.
	ErrSubnetExists = errors.New("SubnetExists")
	// ErrHotKeyAlreadyRegisteredInSubNet: the hotkey already holds a uid.
	ErrHotKeyAlreadyRegisteredInSubNet = errors.New("HotKeyAlreadyRegisteredInSubNet")
	// ErrNoNeuronIdAvailable: the subnet is full and no uid can be pruned.
	ErrNoNeuronIdAvailable = errors.New("NoNeuronIdAvailable")
	// ErrUidNotFound: a uid argument is not below SubnetworkN.
	ErrUidNotFound = errors.New("UidNotFound")
)

// Errors of the devnet itself, not the chain's.
var (
	// ErrBlockInPast: AdvanceTo a block before the current one.
	ErrBlockInPast = errors.New("block is before the current block")
	// ErrInvalidHyperparameter: a hyperparameter outside the chain's bounds.
	ErrInvalidHyperparameter = errors.New("invalid hyperparameter")
	// ErrTimelockNotAvailable: CommitTimelocked while the devnet models a
	// runtime without timelocked commits (SetCommitRevealVersion 0). It wraps
	// chain.ErrNotAvailable, what a real runtime without the call gives.
	ErrTimelockNotAvailable = fmt.Errorf("timelocked commits are not enabled on this devnet: %w", chain.ErrNotAvailable)
	// ErrInvalidPulse: InjectPulse with a signature that does not verify
	// under the devnet's drand beacon key.
	ErrInvalidPulse = errors.New("invalid drand pulse")
)
