package scale

import (
	"encoding/hex"
	"testing"
)

func TestAppendCompact(t *testing.T) {
	// Known answers from the SCALE specification.
	tests := []struct {
		n    uint64
		want string
	}{
		{0, "00"}, {1, "04"}, {42, "a8"}, {63, "fc"}, {64, "0101"}, {69, "1501"}, {16383, "fdff"}, {16384, "02000100"},
		{1<<30 - 1, "feffffff"}, {1 << 30, "0300000040"}, {1<<32 - 1, "03ffffffff"},
		{1 << 32, "070000000001"}, {1<<64 - 1, "13ffffffffffffffff"},
	}
	for _, tc := range tests {
		if got := hex.EncodeToString(AppendCompact(nil, tc.n)); got != tc.want {
			t.Errorf("AppendCompact(%d) = %s, want %s", tc.n, got, tc.want)
		}
	}
}

func TestAppendU16s(t *testing.T) {
	if got := hex.EncodeToString(AppendU16s([]byte{0xaa}, []uint16{1, 0xffff})); got != "aa080100ffff" {
		t.Fatalf("AppendU16s = %s", got)
	}
}
