package audit_test

import (
	"slices"
	"testing"

	"github.com/subnetd/subnetd/audit"
	"github.com/subnetd/subnetd/chain"
)

// TestStored: the row the chain stores is the values max-upscaled, ordered by uid, zeros kept.
func TestStored(t *testing.T) {
	for _, tt := range []struct {
		uids, values []uint16
		want         []chain.UIDValue
	}{
		{[]uint16{2, 1}, []uint16{100, 50}, []chain.UIDValue{{UID: 1, Value: 32768}, {UID: 2, Value: 65535}}},
		{[]uint16{0, 3}, []uint16{65535, 0}, []chain.UIDValue{{UID: 0, Value: 65535}, {UID: 3, Value: 0}}},
		{[]uint16{5}, []uint16{0}, []chain.UIDValue{{UID: 5, Value: 0}}},
		{nil, nil, []chain.UIDValue{}},
	} {
		if got := audit.Stored(tt.uids, tt.values); !slices.Equal(got, tt.want) {
			t.Errorf("Stored(%v, %v) = %v, want %v", tt.uids, tt.values, got, tt.want)
		}
	}
}
