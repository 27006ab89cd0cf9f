package wallet

import (
	"errors"
	"testing"
)

// TestDecodeSS58 checks the wallet's names for the one codec (internal/ss58 holds its tests) on a
// known answer: `subkey inspect //Alice`.
func TestDecodeSS58(t *testing.T) {
	kp, err := FromURI("//Alice")
	if err != nil {
		t.Fatal(err)
	}
	const alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
	if kp.SS58() != alice || EncodeSS58(kp.PublicKey()) != alice {
		t.Fatalf("//Alice = %s, want %s", kp.SS58(), alice)
	}
	pub, prefix, err := DecodeSS58(alice)
	if err != nil || pub != kp.PublicKey() || prefix != BittensorSS58Prefix {
		t.Fatalf("DecodeSS58 = %x, %d, %v", pub, prefix, err)
	}
	if _, _, err := DecodeSS58(alice[:20]); !errors.Is(err, ErrInvalidSS58) {
		t.Fatalf("short address: %v, want ErrInvalidSS58", err)
	}
}
