package chain

import (
	"encoding/hex"
	"fmt"
	"testing"
)

var alicePub = mustHex32("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")

func mustHex32(s string) [32]byte {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		panic("bad hex")
	}
	return [32]byte(b)
}

// The expected digests were computed with Python's hashlib.blake2b(digest_size=32) over the SCALE
// bytes written out by hand from protocol.md §2.1; the integration test checks the same function
// against the runtime's own stored commit.
func TestCommitHash(t *testing.T) {
	tests := []struct {
		name        string
		netuidIndex uint16
		uids, vals  []uint16
		salt        []uint16
		version     uint64
		want        string
	}{
		{"netuid 2", 2, []uint16{0, 1, 2}, []uint16{65535, 32768, 100}, []uint16{1, 2, 3, 4, 5, 6, 7, 8}, 7,
			"046a73578a0ee66e3235ab9e2f2b43e024db04e911ff14a887e645d58635ea44"},
		{"mechanism 1 of netuid 2, empty salt", NetuidIndex(2, 1), []uint16{5}, []uint16{65535}, nil, 0,
			"907a60996128b313adea1fb22353dcaba8211073ee6a4db1910a4eaa12172ed7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CommitHash(alicePub, tt.netuidIndex, tt.uids, tt.vals, tt.salt, tt.version)
			if hex.EncodeToString(got[:]) != tt.want {
				t.Fatalf("CommitHash = %x, want %s", got, tt.want)
			}
		})
	}
	a := CommitHash(alicePub, 2, []uint16{1}, []uint16{1}, []uint16{1}, 0)
	b := CommitHash(alicePub, 2, []uint16{1}, []uint16{1}, []uint16{2}, 0)
	if a == b {
		t.Fatal("different salts gave the same hash")
	}
}

func TestNetuidIndex(t *testing.T) {
	for _, tt := range []struct {
		netuid uint16
		mecid  uint8
		want   uint16
	}{{2, 0, 2}, {2, 1, 4098}, {0, 0, 0}, {4095, 3, 4095 + 3*4096}} {
		if got := NetuidIndex(tt.netuid, tt.mecid); got != tt.want {
			t.Errorf("NetuidIndex(%d, %d) = %d, want %d", tt.netuid, tt.mecid, got, tt.want)
		}
	}
}

func TestRevealWindow(t *testing.T) {
	// netuid 2, tempo 10, reveal period 1: epoch = (block+3)/11.
	for _, tt := range []struct {
		block       uint64
		first, last uint64
	}{
		{0, 8, 18},      // epoch 0 → reveal epoch 1 = blocks 8..18
		{7, 8, 18},      // still epoch 0
		{8, 19, 29},     // epoch 1 starts at block 8
		{108, 118, 128}, // seen on the harness chain: commit at 108, window [118, 128]
	} {
		f, l := RevealWindow(2, 10, 1, tt.block)
		if f != tt.first || l != tt.last {
			t.Errorf("RevealWindow(block %d) = [%d, %d], want [%d, %d]", tt.block, f, l, tt.first, tt.last)
		}
		if EpochIndex(2, 10, f) != EpochIndex(2, 10, tt.block)+1 || EpochIndex(2, 10, l) != EpochIndex(2, 10, f) ||
			EpochIndex(2, 10, l+1) != EpochIndex(2, 10, f)+1 {
			t.Errorf("window [%d, %d] is not exactly the next epoch of block %d", f, l, tt.block)
		}
	}
}

func TestAccountID_String(t *testing.T) {
	a := AccountID(alicePub)
	if got := a.String(); got != "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY" {
		t.Fatalf("SS58 = %s", got)
	}
	for _, s := range []string{a.String(), "0x" + hex.EncodeToString(alicePub[:])} {
		back, err := ParseAccountID(s)
		if err != nil || back != a {
			t.Errorf("ParseAccountID(%s) = %v, %v", s, back, err)
		}
	}
	for _, bad := range []string{"", "5Grw", "0x12", "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ"} {
		if _, err := ParseAccountID(bad); err == nil {
			t.Errorf("ParseAccountID(%q) accepted", bad)
		}
	}
}

func TestAxonIP(t *testing.T) {
	if got := AxonIP(0, 0x01020304, 4); got != "1.2.3.4" {
		t.Errorf("v4 = %s", got)
	}
	if got := AxonIP(0x20010db800000000, 1, 6); got != "2001:db8::1" {
		t.Errorf("v6 = %s", got)
	}
	if (Axon{IP: "0.0.0.0"}).Serving() || !(Axon{IP: "1.2.3.4"}).Serving() {
		t.Error("Serving")
	}
}

func TestWeightsCall_Validate(t *testing.T) {
	for _, tt := range []struct {
		w    WeightsCall
		want error
	}{
		{WeightsCall{UIDs: []uint16{0, 1}, Values: []uint16{1, 2}}, nil},
		{WeightsCall{UIDs: []uint16{0, 1}, Values: []uint16{1}}, ErrWeightVecNotEqualSize},
		{WeightsCall{UIDs: []uint16{3, 3}, Values: []uint16{1, 2}}, ErrDuplicateUids},
	} {
		err := tt.w.Validate()
		if (tt.want == nil) != (err == nil) || (tt.want != nil && !errorsIs(err, tt.want)) {
			t.Errorf("Validate(%+v) = %v, want %v", tt.w, err, tt.want)
		}
	}
}

// TestTimelockWithHotkey: one rule for the CLI and the daemon; the legacy payload for the calls
// that carry no version and for versions before 4, v4 otherwise; version 0 is sent as 4.
func TestTimelockWithHotkey(t *testing.T) {
	tests := []struct {
		call    string
		version uint16
		want    bool
		sent    uint16
	}{
		{"commit_crv3_weights", 4, false, 4},
		{"commit_crv3_weights", 0, false, 4},
		{"commit_crv3_mechanism_weights", 4, false, 4},
		{"commit_timelocked_weights", 4, true, 4},
		{"commit_timelocked_weights", 0, true, 4},
		{"commit_timelocked_weights", 3, false, 3},
		{"commit_timelocked_mechanism_weights", 5, true, 5},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s v%d", tc.call, tc.version), func(t *testing.T) {
			v := TimelockVersion(tc.version)
			if got := TimelockWithHotkey(tc.call, v); got != tc.want || v != tc.sent {
				t.Fatalf("hotkey %v version %d, want %v %d", got, v, tc.want, tc.sent)
			}
		})
	}
}
