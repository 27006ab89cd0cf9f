package timelock

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"testing"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
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

func TestBeacon_Encrypt_RoundTripRealSignatures(t *testing.T) {
	v := loadVectors(t)
	b := Quicknet()
	for i, s := range v.Signatures {
		sig := mustHex(t, s.Signature)
		for _, n := range []int{0, 1, 15, 55, 1071} {
			pt := bytes.Repeat([]byte{byte(i + n)}, n)
			ct, err := b.Encrypt(seeded(byte(n)), s.Round, pt)
			if err != nil {
				t.Fatalf("round %d: encrypt: %v", s.Round, err)
			}
			if len(ct) != n+Overhead {
				t.Errorf("round %d: %d-byte plaintext gave %d bytes, want %d", s.Round, n, len(ct), n+Overhead)
			}
			got, err := b.Decrypt(s.Round, sig, ct)
			if err != nil {
				t.Fatalf("round %d len %d: decrypt: %v", s.Round, n, err)
			}
			if !bytes.Equal(got, pt) {
				t.Fatalf("round %d len %d: round trip changed the plaintext", s.Round, n)
			}
		}
	}
}

func TestBeacon_Encrypt_Layout(t *testing.T) {
	pt := []byte("Hello, subnetd")
	ct, err := Quicknet().Encrypt(seeded(1), 1000, pt)
	if err != nil {
		t.Fatal(err)
	}
	le := func(off int) uint64 { return binary.LittleEndian.Uint64(ct[off:]) }
	n := uint64(len(pt))
	checks := []struct {
		name string
		off  int
		want uint64
	}{
		{"len(V)", 96, 32},
		{"len(W)", 136, 32},
		{"len(body)", 176, 8 + n + 16 + 8 + 12},
		{"len(ct||tag)", 184, n + 16},
		{"len(nonce)", 192 + int(n) + 16, 12},
		{"len(suite)", 212 + int(n) + 16, 8},
	}
	for _, c := range checks {
		if got := le(c.off); got != c.want {
			t.Errorf("%s at %d = %d, want %d", c.name, c.off, got, c.want)
		}
	}
	if suite := string(ct[len(ct)-8:]); suite != CipherSuiteAESGCM {
		t.Errorf("suite %q", suite)
	}
	if ct[0]&0x80 == 0 {
		t.Errorf("U is not flagged compressed")
	}
}

func TestBeacon_Encrypt_Randomized(t *testing.T) {
	b := Quicknet()
	pt := []byte("same input")
	a1, err := b.Encrypt(seeded(7), 1000, pt)
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := b.Encrypt(seeded(7), 1000, pt)
	c, _ := b.Encrypt(seeded(8), 1000, pt)
	if !bytes.Equal(a1, a2) {
		t.Errorf("same randomness gave different ciphertexts")
	}
	if bytes.Equal(a1, c) {
		t.Errorf("different randomness gave the same ciphertext")
	}
	// Every random input (key, scalar, nonce) changes the ciphertext.
	for _, field := range []struct {
		name     string
		from, to int
	}{{"U", 0, 96}, {"V", 104, 136}, {"W", 144, 176}} {
		if bytes.Equal(a1[field.from:field.to], c[field.from:field.to]) {
			t.Errorf("%s did not change with the randomness", field.name)
		}
	}
}

func TestBeacon_Encrypt_Errors(t *testing.T) {
	b := Quicknet()
	if _, err := b.Encrypt(seeded(1), 0, []byte("x")); !errors.Is(err, ErrInvalidRound) {
		t.Errorf("round 0: %v", err)
	}
	if _, err := b.Encrypt(bytes.NewReader(make([]byte, 40)), 1000, []byte("x")); err == nil {
		t.Errorf("short randomness accepted")
	}
}

func TestBeacon_Decrypt_WrongSignature(t *testing.T) {
	v := loadVectors(t)
	b := Quicknet()
	for _, c := range v.Ciphertexts {
		ct, wrong := mustHex(t, c.Ciphertext), mustHex(t, c.WrongSig)
		// The round-2000 signature, claimed for round 1000: fails verification.
		if _, err := b.Decrypt(c.Round, wrong, ct); !errors.Is(err, ErrInvalidSignature) {
			t.Errorf("%s: Decrypt with wrong signature: %v", c.ID, err)
		}
		// A valid signature of another round, used honestly: verifies, but the
		// ciphertext is for another identity.
		if _, err := b.Decrypt(2000, wrong, ct); !errors.Is(err, ErrDecryptionFailed) {
			t.Errorf("%s: Decrypt with round-2000 signature: %v", c.ID, err)
		}
		// The chain's path (no verification) still fails on the IBE check.
		if _, err := DecryptWithSignature(wrong, ct); !errors.Is(err, ErrDecryptionFailed) {
			t.Errorf("%s: DecryptWithSignature with wrong signature: %v", c.ID, err)
		}
	}
	for _, s := range v.NegativeSignatures {
		if _, err := DecryptWithSignature(mustHex(t, s.Signature), mustHex(t, v.Ciphertexts[0].Ciphertext)); err == nil {
			t.Errorf("negative signature (%s) decrypted", s.Why)
		}
	}
}

func TestBeacon_Decrypt_Tampered(t *testing.T) {
	v := loadVectors(t)
	c := v.Ciphertexts[0]
	ct, sig := mustHex(t, c.Ciphertext), mustHex(t, c.Signature)
	b := Quicknet()
	n := len(c.Plaintext) / 2
	regions := []struct {
		name     string
		from, to int
	}{
		{"U", 0, 96},
		{"V", 104, 136},
		{"W", 144, 176},
		{"AES ciphertext", 192, 192 + n},
		{"tag", 192 + n, 192 + n + 16},
		{"nonce", 192 + n + 16 + 8, 192 + n + 16 + 20},
		{"length prefixes", 96, 104},
	}
	for _, r := range regions {
		for i := r.from; i < r.to; i++ {
			for _, bit := range []byte{0x01, 0x80} {
				bad := bytes.Clone(ct)
				bad[i] ^= bit
				if pt, err := b.Decrypt(c.Round, sig, bad); err == nil {
					t.Fatalf("%s byte %d bit %#x flipped: decrypted to %x", r.name, i, bit, pt)
				}
			}
		}
	}
	for i := 0; i < len(ct); i++ {
		_, err := b.Decrypt(c.Round, sig, ct[:i])
		if !errors.Is(err, ErrMalformedCiphertext) {
			t.Fatalf("truncated to %d bytes: %v", i, err)
		}
	}
	if _, err := b.Decrypt(c.Round, sig, append(bytes.Clone(ct), 0)); !errors.Is(err, ErrMalformedCiphertext) {
		t.Errorf("trailing byte: %v", err)
	}
}

func TestBeacon_VerifySignature_Malformed(t *testing.T) {
	v := loadVectors(t)
	good := mustHex(t, v.Signatures[0].Signature)
	infinity := make([]byte, SignatureSize)
	infinity[0] = 0xc0
	uncompressedFlag := bytes.Clone(good)
	uncompressedFlag[0] &^= 0x80
	cases := map[string][]byte{
		"empty":              nil,
		"short":              good[:47],
		"long":               append(bytes.Clone(good), 0),
		"infinity":           infinity,
		"no compressed flag": uncompressedFlag,
		"all ones":           bytes.Repeat([]byte{0xff}, SignatureSize),
	}
	for name, sig := range cases {
		if err := Quicknet().VerifySignature(1000, sig); !errors.Is(err, ErrInvalidSignature) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestNewBeacon(t *testing.T) {
	pk, _ := hex.DecodeString(QuicknetPublicKeyHex)
	if _, err := NewBeacon(pk); err != nil {
		t.Fatalf("quicknet key: %v", err)
	}
	inf := make([]byte, PublicKeySize)
	inf[0] = 0xc0
	for name, k := range map[string][]byte{"short": pk[:95], "infinity": inf, "garbage": bytes.Repeat([]byte{0x9f}, PublicKeySize)} {
		if _, err := NewBeacon(k); err == nil {
			t.Errorf("%s key accepted", name)
		}
	}
}

func TestBeacon_ArbitraryRounds(t *testing.T) {
	// A beacon whose secret the test holds signs any round, so encryption and
	// decryption are checked beyond the three rounds with public signatures.
	tb := newTestBeacon(t, 0x5eed)
	other := newTestBeacon(t, 0x5eee)
	for _, round := range []uint64{1, 2, 255, 1 << 32, 1<<64 - 1} {
		sig := tb.sign(t, round)
		if err := tb.VerifySignature(round, sig); err != nil {
			t.Fatalf("round %d: own signature: %v", round, err)
		}
		pt := []byte("weights for round")
		ct, err := tb.Encrypt(seeded(byte(round)), round, pt)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tb.Decrypt(round, sig, ct)
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("round %d: got %q, %v", round, got, err)
		}
		if _, err := tb.Decrypt(round, other.sign(t, round), ct); !errors.Is(err, ErrInvalidSignature) {
			t.Errorf("round %d: other beacon's signature: %v", round, err)
		}
		if _, err := DecryptWithSignature(other.sign(t, round), ct); !errors.Is(err, ErrDecryptionFailed) {
			t.Errorf("round %d: other beacon's signature, unverified: %v", round, err)
		}
	}
}

func TestArkSerializeGT_Identity(t *testing.T) {
	// ark_ser(1) is 1 in the first little-endian coefficient, zero elsewhere.
	var one bls12381.GT
	one.SetOne()
	enc := arkSerializeGT(&one)
	want := make([]byte, gtSize)
	want[0] = 1
	if !bytes.Equal(enc[:], want) {
		t.Errorf("ark_ser(1) = %x…", enc[:8])
	}
}

func TestDecrypt_IdentityPoints(t *testing.T) {
	v := loadVectors(t)
	c := v.Ciphertexts[0]
	ct, sig := mustHex(t, c.Ciphertext), mustHex(t, c.Signature)
	// U replaced by the point at infinity: parses (ark accepts it too) but
	// can never pass the header check.
	infU := bytes.Clone(ct)
	infU[0] = 0xc0
	clear(infU[1:96])
	if _, err := DecryptWithSignature(sig, infU); !errors.Is(err, ErrDecryptionFailed) {
		t.Errorf("U at infinity: %v", err)
	}
	// The signature at infinity: rejected by Decrypt, fails the header check
	// in DecryptWithSignature.
	infSig := make([]byte, SignatureSize)
	infSig[0] = 0xc0
	if _, err := Quicknet().Decrypt(c.Round, infSig, ct); !errors.Is(err, ErrInvalidSignature) {
		t.Errorf("signature at infinity, Decrypt: %v", err)
	}
	if _, err := DecryptWithSignature(infSig, ct); !errors.Is(err, ErrDecryptionFailed) {
		t.Errorf("signature at infinity, DecryptWithSignature: %v", err)
	}
}
