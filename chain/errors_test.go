package chain

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func hexOf(b [32]byte) string { return hex.EncodeToString(b[:]) }

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func TestNewDispatchError(t *testing.T) {
	for _, tt := range []struct {
		pallet, name string
		want         error
	}{
		{"SubtensorModule", "SettingWeightsTooFast", ErrSettingWeightsTooFast},
		{"SubtensorModule", "NeuronNoValidatorPermit", ErrNeuronNoValidatorPermit},
		{"SubtensorModule", "IncorrectWeightVersionKey", ErrIncorrectWeightVersionKey},
		{"SubtensorModule", "CommitRevealEnabled", ErrCommitRevealEnabled},
		{"", "RevealTooEarly", ErrRevealTooEarly},
		{"Balances", "InsufficientBalance", nil},
		{"Balances", "SettingWeightsTooFast", nil}, // same name, other pallet: no sentinel
	} {
		err := NewDispatchError(tt.pallet, tt.name)
		if tt.want != nil {
			if !errors.Is(err, tt.want) || err.Hint == "" || !strings.HasPrefix(err.Error(), "SubtensorModule."+tt.name+": ") {
				t.Errorf("%s.%s: %v (hint %q), want %v with a hint", tt.pallet, tt.name, err, err.Hint, tt.want)
			}
			continue
		}
		if err.Unwrap() != nil || err.Error() != tt.pallet+"."+tt.name {
			t.Errorf("%s.%s: %v unwraps to %v", tt.pallet, tt.name, err, err.Unwrap())
		}
	}
}

func TestCustomCodeError(t *testing.T) {
	for _, tt := range []struct {
		code   uint8
		commit bool
		want   error
	}{
		{1, false, ErrNotEnoughStakeToSetWeights},
		{6, false, ErrSettingWeightsTooFast},
		{6, true, ErrCommittingWeightsTooFast},
		{15, true, ErrInvalidRevealRound},
		{16, false, ErrNoWeightsCommitFound},
		{17, false, ErrRevealTooEarly},
		{19, false, ErrHotKeyNotRegisteredInSubNet},
		{255, false, ErrInvalidTransaction},
	} {
		if err := CustomCodeError(tt.code, tt.commit); !errors.Is(err, tt.want) {
			t.Errorf("CustomCodeError(%d, %v) = %v, want %v", tt.code, tt.commit, err, tt.want)
		}
	}
}

func TestTxResult_Outcome(t *testing.T) {
	ok := TxResult{State: TxInBlock, Events: []string{"SubtensorModule.WeightsSet", "TransactionPayment.TransactionFeePaid", "System.ExtrinsicSuccess"}}
	if ok.Outcome() != "SubtensorModule.WeightsSet" {
		t.Errorf("Outcome = %s", ok.Outcome())
	}
	failed := TxResult{State: TxInBlock, Err: NewDispatchError("SubtensorModule", "SettingWeightsTooFast")}
	if failed.Outcome() != "SubtensorModule.SettingWeightsTooFast" {
		t.Errorf("Outcome = %s", failed.Outcome())
	}
	if (TxResult{State: TxPending}).Outcome() != "pending" {
		t.Error("pending outcome")
	}
}
