package devnet

import (
	"errors"
	"fmt"
	"testing"

	"github.com/subnetd/subnetd/chain"
)

// TestPalletErrors: each pallet error the devnet raises through chain.Chain is the
// *chain.DispatchError of its name and unwraps to chain's sentinel, wrapped or not, so nothing
// between the devnet and a validator has to translate.
func TestPalletErrors(t *testing.T) {
	tests := []struct {
		devnet, chain error
		name          string
	}{
		{ErrSubnetNotExists, chain.ErrSubNetworkDoesNotExist, "SubNetworkDoesNotExist"},
		{ErrCommitRevealEnabled, chain.ErrCommitRevealEnabled, "CommitRevealEnabled"},
		{ErrWeightVecNotEqualSize, chain.ErrWeightVecNotEqualSize, "WeightVecNotEqualSize"},
		{ErrUidsLengthExceedUidsInSubNet, chain.ErrUidsLengthExceedUidsInSubNet, "UidsLengthExceedUidsInSubNet"},
		{ErrHotKeyNotRegisteredInSubNet, chain.ErrHotKeyNotRegisteredInSubNet, "HotKeyNotRegisteredInSubNet"},
		{ErrNotEnoughStakeToSetWeights, chain.ErrNotEnoughStakeToSetWeights, "NotEnoughStakeToSetWeights"},
		{ErrIncorrectWeightVersionKey, chain.ErrIncorrectWeightVersionKey, "IncorrectWeightVersionKey"},
		{ErrSettingWeightsTooFast, chain.ErrSettingWeightsTooFast, "SettingWeightsTooFast"},
		{ErrNeuronNoValidatorPermit, chain.ErrNeuronNoValidatorPermit, "NeuronNoValidatorPermit"},
		{ErrDuplicateUids, chain.ErrDuplicateUids, "DuplicateUids"},
		{ErrUidVecContainInvalidOne, chain.ErrUidVecContainInvalidOne, "UidVecContainInvalidOne"},
		{ErrWeightVecLengthIsLow, chain.ErrWeightVecLengthIsLow, "WeightVecLengthIsLow"},
		{ErrMaxWeightExceeded, chain.ErrMaxWeightExceeded, "MaxWeightExceeded"},
		{ErrCommitRevealDisabled, chain.ErrCommitRevealDisabled, "CommitRevealDisabled"},
		{ErrCommittingWeightsTooFast, chain.ErrCommittingWeightsTooFast, "CommittingWeightsTooFast"},
		{ErrTooManyUnrevealedCommits, chain.ErrTooManyUnrevealedCommits, "TooManyUnrevealedCommits"},
		{ErrNoWeightsCommitFound, chain.ErrNoWeightsCommitFound, "NoWeightsCommitFound"},
		{ErrRevealTooEarly, chain.ErrRevealTooEarly, "RevealTooEarly"},
		{ErrExpiredWeightCommit, chain.ErrExpiredWeightCommit, "ExpiredWeightCommit"},
		{ErrInvalidRevealCommitHashNotMatch, chain.ErrInvalidRevealCommitHash, "InvalidRevealCommitHashNotMatch"},
		{ErrIncorrectCommitRevealVersion, chain.ErrIncorrectCommitRevealVersion, "IncorrectCommitRevealVersion"},
		{ErrInvalidRevealRound, chain.ErrInvalidRevealRound, "InvalidRevealRound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wrapped := fmt.Errorf("set_weights by %q on subnet 1: %w", "hk", tt.devnet)
			var de *chain.DispatchError
			if !errors.As(wrapped, &de) || de.Pallet != "SubtensorModule" || de.Name != tt.name || de.Hint == "" {
				t.Fatalf("%v is not SubtensorModule.%s with a hint", wrapped, tt.name)
			}
			if !errors.Is(wrapped, tt.chain) || !errors.Is(wrapped, tt.devnet) {
				t.Fatalf("%v does not match both sentinels", wrapped)
			}
			if got := (chain.TxResult{Err: wrapped}).Outcome(); got != "SubtensorModule."+tt.name {
				t.Fatalf("Outcome = %q", got)
			}
		})
	}
	if !errors.Is(ErrTimelockNotAvailable, chain.ErrNotAvailable) {
		t.Fatal("ErrTimelockNotAvailable does not wrap chain.ErrNotAvailable")
	}
}
