package timelock

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
)

func TestQuicknet_MatchesVectors(t *testing.T) {
	v := loadVectors(t)
	if v.Quicknet.PublicKey != QuicknetPublicKeyHex {
		t.Errorf("public key constant differs from the vectors")
	}
	if v.Quicknet.ChainHash != QuicknetChainHash || v.Quicknet.GenesisTime != QuicknetGenesisTime ||
		v.Quicknet.Period != QuicknetPeriodSeconds || v.Quicknet.DST != SignatureDST {
		t.Errorf("quicknet constants differ from the vectors: %+v", v.Quicknet)
	}
	if got := hex.EncodeToString(Quicknet().PublicKey()); got != QuicknetPublicKeyHex {
		t.Errorf("re-encoded public key = %s", got)
	}
}

func TestRoundMessage(t *testing.T) {
	v := loadVectors(t)
	for _, s := range v.Signatures {
		m := RoundMessage(s.Round)
		if got := hex.EncodeToString(m[:]); got != s.Message {
			t.Errorf("round %d: message %s, want %s", s.Round, got, s.Message)
		}
	}
}

func TestBeacon_VerifySignature(t *testing.T) {
	v := loadVectors(t)
	b := Quicknet()
	for _, s := range v.Signatures {
		sig := mustHex(t, s.Signature)
		if err := b.VerifySignature(s.Round, sig); err != nil {
			t.Errorf("round %d: real signature rejected: %v", s.Round, err)
		}
		// drand's randomness is sha256 of the signature.
		if r := sha256.Sum256(sig); hex.EncodeToString(r[:]) != s.Randomness {
			t.Errorf("round %d: randomness mismatch", s.Round)
		}
		if err := b.VerifySignature(s.Round+1, sig); !errors.Is(err, ErrInvalidSignature) {
			t.Errorf("round %d signature accepted for round %d: %v", s.Round, s.Round+1, err)
		}
	}
	for _, s := range v.NegativeSignatures {
		err := b.VerifySignature(s.Round, mustHex(t, s.Signature))
		if !errors.Is(err, ErrInvalidSignature) {
			t.Errorf("negative (%s) accepted: err=%v", s.Why, err)
		}
	}
}

func TestBeacon_Decrypt_KnownAnswers(t *testing.T) {
	v := loadVectors(t)
	b := Quicknet()
	for _, c := range v.Ciphertexts {
		t.Run(c.ID, func(t *testing.T) {
			ct := mustHex(t, c.Ciphertext)
			if len(ct) != c.CiphertextLen || len(ct) != len(c.Plaintext)/2+Overhead {
				t.Fatalf("length %d, vector says %d, plaintext+overhead %d", len(ct), c.CiphertextLen, len(c.Plaintext)/2+Overhead)
			}
			pt, err := b.Decrypt(c.Round, mustHex(t, c.Signature), ct)
			if err != nil {
				t.Fatalf("decrypt: %v", err)
			}
			if got := hex.EncodeToString(pt); got != c.Plaintext {
				t.Fatalf("plaintext %s, want %s", got, c.Plaintext)
			}
			pt2, err := DecryptWithSignature(mustHex(t, c.Signature), ct)
			if err != nil || !bytes.Equal(pt, pt2) {
				t.Fatalf("DecryptWithSignature = %x, %v", pt2, err)
			}
			// Parsing and re-encoding is the identity on reference bytes.
			parsed, err := ParseCiphertext(ct)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if !bytes.Equal(parsed.Bytes(), ct) {
				t.Fatalf("re-encoding differs from the reference bytes")
			}
		})
	}
}
