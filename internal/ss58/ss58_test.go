package ss58

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/decred/base58"
)

func mustHex32(t *testing.T, s string) [32]byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		t.Fatalf("bad hex %q", s)
	}
	return [32]byte(b)
}

func TestEncode(t *testing.T) {
	tests := []struct {
		name string
		pub  string
		want string
	}{
		// Public keys and addresses as printed by `subkey inspect //Alice` and `//Bob`.
		{"alice", "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d", "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"},
		{"bob", "8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48", "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pub := mustHex32(t, tt.pub)
			if got := Encode(pub); got != tt.want {
				t.Fatalf("Encode = %s, want %s", got, tt.want)
			}
			back, prefix, err := Decode(tt.want)
			if err != nil {
				t.Fatal(err)
			}
			if back != pub || prefix != 42 {
				t.Fatalf("Decode = %x prefix %d", back, prefix)
			}
		})
	}
}

func TestEncodeWithPrefix_roundTrip(t *testing.T) {
	pub := mustHex32(t, "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")
	for _, prefix := range []uint16{0, 2, 42, 63, 64, 255, 1284, 16383} {
		s, err := EncodeWithPrefix(pub, prefix)
		if err != nil {
			t.Fatal(err)
		}
		got, gp, err := Decode(s)
		if err != nil {
			t.Fatalf("prefix %d: %v", prefix, err)
		}
		if got != pub || gp != prefix {
			t.Fatalf("prefix %d: round trip gave prefix %d key %x", prefix, gp, got)
		}
	}
	// Polkadot (prefix 0) encodes Alice as this well-known address.
	if s, _ := EncodeWithPrefix(pub, 0); s != "15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5" {
		t.Fatalf("polkadot Alice = %s", s)
	}
	if _, err := EncodeWithPrefix(pub, 16384); !errors.Is(err, ErrInvalid) {
		t.Fatalf("prefix 16384: err = %v", err)
	}
}

func TestDecode_errors(t *testing.T) {
	alice := "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
	cut := checksum([]byte{64})
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"not base58", "0OIl" + alice[4:]},
		{"checksum", alice[:len(alice)-1] + "Z"},
		{"too short", alice[:20]},
		{"too long", alice + "1"},
		// A valid checksum over a lone two-byte-prefix byte: go-subkey's decoder panics on it.
		{"two-byte prefix cut short", base58.Encode([]byte{64, cut[0], cut[1]})},
		{"reserved prefix byte", base58.Encode(append([]byte{128}, make([]byte, 35)...))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := Decode(tt.in); !errors.Is(err, ErrInvalid) {
				t.Fatalf("Decode(%q) err = %v, want ErrInvalid", tt.in, err)
			}
		})
	}
}
