package chain

import (
	"errors"
	"fmt"
)

// Sentinel errors for the SubtensorModule pallet errors a validator branches on. A *DispatchError
// unwraps to one of these when the chain's error has that name, so errors.Is(err, ErrX) works for both
// chain/subtensor and chain/devnet.
var (
	// ErrSettingWeightsTooFast is SubtensorModule's SettingWeightsTooFast error.
	ErrSettingWeightsTooFast = errors.New("SettingWeightsTooFast")
	// ErrCommittingWeightsTooFast is SubtensorModule's CommittingWeightsTooFast error.
	ErrCommittingWeightsTooFast = errors.New("CommittingWeightsTooFast")
	// ErrNeuronNoValidatorPermit is SubtensorModule's NeuronNoValidatorPermit error.
	ErrNeuronNoValidatorPermit = errors.New("NeuronNoValidatorPermit")
	// ErrIncorrectWeightVersionKey is SubtensorModule's IncorrectWeightVersionKey error.
	ErrIncorrectWeightVersionKey = errors.New("IncorrectWeightVersionKey")
	// ErrCommitRevealEnabled is SubtensorModule's CommitRevealEnabled error.
	ErrCommitRevealEnabled = errors.New("CommitRevealEnabled")
	// ErrCommitRevealDisabled is SubtensorModule's CommitRevealDisabled error.
	ErrCommitRevealDisabled = errors.New("CommitRevealDisabled")
	// ErrHotKeyNotRegisteredInSubNet is SubtensorModule's HotKeyNotRegisteredInSubNet error.
	ErrHotKeyNotRegisteredInSubNet = errors.New("HotKeyNotRegisteredInSubNet")
	// ErrNotEnoughStakeToSetWeights is SubtensorModule's NotEnoughStakeToSetWeights error.
	ErrNotEnoughStakeToSetWeights = errors.New("NotEnoughStakeToSetWeights")
	// ErrWeightVecNotEqualSize is SubtensorModule's WeightVecNotEqualSize error.
	ErrWeightVecNotEqualSize = errors.New("WeightVecNotEqualSize")
	// ErrDuplicateUids is SubtensorModule's DuplicateUids error.
	ErrDuplicateUids = errors.New("DuplicateUids")
	// ErrUidVecContainInvalidOne is SubtensorModule's UidVecContainInvalidOne error.
	ErrUidVecContainInvalidOne = errors.New("UidVecContainInvalidOne")
	// ErrWeightVecLengthIsLow is SubtensorModule's WeightVecLengthIsLow error.
	ErrWeightVecLengthIsLow = errors.New("WeightVecLengthIsLow")
	// ErrMaxWeightExceeded is SubtensorModule's MaxWeightExceeded error.
	ErrMaxWeightExceeded = errors.New("MaxWeightExceeded")
	// ErrUidsLengthExceedUidsInSubNet is SubtensorModule's UidsLengthExceedUidsInSubNet error.
	ErrUidsLengthExceedUidsInSubNet = errors.New("UidsLengthExceedUidsInSubNet")
	// ErrSubNetworkDoesNotExist is SubtensorModule's SubNetworkDoesNotExist error.
	ErrSubNetworkDoesNotExist = errors.New("SubNetworkDoesNotExist")
	// ErrMechanismDoesNotExist is SubtensorModule's MechanismDoesNotExist error.
	ErrMechanismDoesNotExist = errors.New("MechanismDoesNotExist")
	// ErrTooManyUnrevealedCommits is SubtensorModule's TooManyUnrevealedCommits error.
	ErrTooManyUnrevealedCommits = errors.New("TooManyUnrevealedCommits")
	// ErrNoWeightsCommitFound is SubtensorModule's NoWeightsCommitFound error.
	ErrNoWeightsCommitFound = errors.New("NoWeightsCommitFound")
	// ErrRevealTooEarly is SubtensorModule's RevealTooEarly error.
	ErrRevealTooEarly = errors.New("RevealTooEarly")
	// ErrExpiredWeightCommit is SubtensorModule's ExpiredWeightCommit error.
	ErrExpiredWeightCommit = errors.New("ExpiredWeightCommit")
	// ErrInvalidRevealCommitHash is SubtensorModule's InvalidRevealCommitHashNotMatch error.
	ErrInvalidRevealCommitHash = errors.New("InvalidRevealCommitHashNotMatch")
	// ErrIncorrectCommitRevealVersion is SubtensorModule's IncorrectCommitRevealVersion error.
	ErrIncorrectCommitRevealVersion = errors.New("IncorrectCommitRevealVersion")
	// ErrInvalidRevealRound is SubtensorModule's InvalidRevealRound error.
	ErrInvalidRevealRound = errors.New("InvalidRevealRound")
	// ErrCanNotSetRootNetworkWeights is SubtensorModule's CanNotSetRootNetworkWeights error.
	ErrCanNotSetRootNetworkWeights = errors.New("CanNotSetRootNetworkWeights")
)

// Sentinel errors for transaction-level outcomes that are not pallet errors.
var (
	// ErrBadSignature: the node rejected the signature (InvalidTransaction::BadProof). Usually the
	// wrong genesis hash, spec/transaction version, or signed-extension data, or a wrong key.
	ErrBadSignature = errors.New("bad signature")
	// ErrStaleNonce: the nonce was already used (InvalidTransaction::Stale).
	ErrStaleNonce = errors.New("stale nonce")
	// ErrPriorityTooLow: a transaction with the same nonce is already in the pool (RPC 1014).
	ErrPriorityTooLow = errors.New("priority is too low")
	// ErrTxPending: the transaction was submitted but its outcome is not known yet. Do not resend:
	// ask TxStatus with its hash.
	ErrTxPending = errors.New("transaction pending")
	// ErrTxDropped: the transaction was dropped or expired without being included.
	ErrTxDropped = errors.New("transaction dropped")
	// ErrNotAvailable: the runtime or the build lacks what the call needs (e.g. no such call, or the
	// timelock encryption is not built in yet).
	ErrNotAvailable = errors.New("not available")
	// ErrInvalidTransaction: the node refused the transaction for a reason without a sentinel.
	ErrInvalidTransaction = errors.New("invalid transaction")
)

type palletError struct {
	err  error
	hint string
}

// knownErrors maps a SubtensorModule error name to its sentinel and a hint of what to do.
var knownErrors = map[string]palletError{
	"SettingWeightsTooFast":           {ErrSettingWeightsTooFast, "wait weights_rate_limit blocks after this uid's last_update, then try again"},
	"CommittingWeightsTooFast":        {ErrCommittingWeightsTooFast, "wait weights_rate_limit blocks after this uid's last commit (commits move last_update too)"},
	"NeuronNoValidatorPermit":         {ErrNeuronNoValidatorPermit, "this hotkey has no validator permit; permits are recomputed each epoch, so add stake and wait a tempo"},
	"IncorrectWeightVersionKey":       {ErrIncorrectWeightVersionKey, "send the subnet's weights_version (from the hyperparameters) or higher; the validator build may be outdated"},
	"CommitRevealEnabled":             {ErrCommitRevealEnabled, "commit-reveal is on for this subnet: commit (hash or timelocked) instead of set_weights"},
	"CommitRevealDisabled":            {ErrCommitRevealDisabled, "commit-reveal is off for this subnet: use set_weights"},
	"HotKeyNotRegisteredInSubNet":     {ErrHotKeyNotRegisteredInSubNet, "register this hotkey on the subnet first"},
	"NotEnoughStakeToSetWeights":      {ErrNotEnoughStakeToSetWeights, "the hotkey's stake is below the chain's StakeThreshold; add stake"},
	"WeightVecNotEqualSize":           {ErrWeightVecNotEqualSize, "give as many weights as uids"},
	"DuplicateUids":                   {ErrDuplicateUids, "each uid may appear once"},
	"UidVecContainInvalidOne":         {ErrUidVecContainInvalidOne, "a uid is not registered on the subnet; refresh the metagraph"},
	"WeightVecLengthIsLow":            {ErrWeightVecLengthIsLow, "set at least min_allowed_weights non-zero weights (process weights as the SDK does)"},
	"MaxWeightExceeded":               {ErrMaxWeightExceeded, "a weight exceeds max_weights_limit after normalisation; apply the max-weight cap"},
	"UidsLengthExceedUidsInSubNet":    {ErrUidsLengthExceedUidsInSubNet, "more uids than the subnet has; refresh the metagraph"},
	"SubNetworkDoesNotExist":          {ErrSubNetworkDoesNotExist, "check the netuid"},
	"MechanismDoesNotExist":           {ErrMechanismDoesNotExist, "check the mechanism id against the subnet's mechanism count"},
	"TooManyUnrevealedCommits":        {ErrTooManyUnrevealedCommits, "10 commits are pending; reveal (or let them expire) before committing again"},
	"NoWeightsCommitFound":            {ErrNoWeightsCommitFound, "no pending commit for this hotkey; it was revealed, expired, or never landed"},
	"RevealTooEarly":                  {ErrRevealTooEarly, "reveal only in the epoch commit_epoch + reveal period (see PendingCommits' reveal window)"},
	"ExpiredWeightCommit":             {ErrExpiredWeightCommit, "the reveal window has passed; commit again"},
	"InvalidRevealCommitHashNotMatch": {ErrInvalidRevealCommitHash, "uids, values, salt and version key must be exactly those committed"},
	"IncorrectCommitRevealVersion":    {ErrIncorrectCommitRevealVersion, "use the subnet's commit_reveal_version; the timelock library may be outdated"},
	"InvalidRevealRound":              {ErrInvalidRevealRound, "the drand reveal round is already past; compute it again"},
	"CanNotSetRootNetworkWeights":     {ErrCanNotSetRootNetworkWeights, "netuid 0 (root) takes no weights this way"},
}

// DispatchError is an error the runtime raised while applying (or validating) a transaction, with its
// pallet and name as the metadata gives them, and a hint of what to do.
type DispatchError struct {
	Pallet string // e.g. "SubtensorModule"; "" for non-module errors
	Name   string // e.g. "SettingWeightsTooFast", or the DispatchError variant ("BadOrigin", …)
	Hint   string
	err    error // the sentinel, when there is one
}

// NewDispatchError builds the error for a pallet and error name, attaching the sentinel and hint when
// the name is a known SubtensorModule error. chain/devnet uses it so both implementations fail alike.
func NewDispatchError(pallet, name string) *DispatchError {
	de := &DispatchError{Pallet: pallet, Name: name}
	if k, ok := knownErrors[name]; ok && (pallet == "SubtensorModule" || pallet == "") {
		de.err, de.Hint = k.err, k.hint
		if de.Pallet == "" {
			de.Pallet = "SubtensorModule"
		}
	}
	return de
}

// Error returns "Pallet.Name: hint".
func (e *DispatchError) Error() string {
	s := e.Name
	if e.Pallet != "" {
		s = e.Pallet + "." + e.Name
	}
	if e.Hint != "" {
		s += ": " + e.Hint
	}
	return s
}

// Unwrap returns the sentinel for the error's name, if any.
func (e *DispatchError) Unwrap() error { return e.err }

// customCodes maps the InvalidTransaction::Custom codes of subtensor's transaction extension (mempool
// rejections, common/src/transaction_error.rs) to error names.
var customCodes = map[uint8]string{
	1:  "NotEnoughStakeToSetWeights",
	6:  "SettingWeightsTooFast",
	15: "InvalidRevealRound",
	16: "NoWeightsCommitFound",
	17: "RevealTooEarly",
	18: "WeightVecNotEqualSize",
	19: "HotKeyNotRegisteredInSubNet",
}

// CustomCodeError maps an InvalidTransaction::Custom(code) from subtensor's transaction extension to a
// *DispatchError. Code 6 (rate limit) is reported as SettingWeightsTooFast, or as
// CommittingWeightsTooFast when commit is true. Unknown codes give ErrInvalidTransaction.
func CustomCodeError(code uint8, commit bool) error {
	name, ok := customCodes[code]
	if !ok {
		return fmt.Errorf("%w: custom error %d", ErrInvalidTransaction, code)
	}
	if code == 6 && commit {
		name = "CommittingWeightsTooFast"
	}
	return NewDispatchError("SubtensorModule", name)
}
