package timelock

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/subnetd/subnetd/internal/testvectors"
)

// vectorFile mirrors the parts of shared/testdata/timelock/vectors.json the
// tests use.
type vectorFile struct {
	Quicknet struct {
		PublicKey   string `json:"public_key_g2_compressed"`
		ChainHash   string `json:"chain_hash"`
		GenesisTime int64  `json:"genesis_time"`
		Period      int64  `json:"period_s"`
		DST         string `json:"hash_to_curve_dst"`
	} `json:"quicknet"`
	Signatures []struct {
		Round      uint64 `json:"round"`
		Signature  string `json:"signature"`
		Message    string `json:"message"`
		Randomness string `json:"randomness"`
	} `json:"signatures"`
	NegativeSignatures []struct {
		Round     uint64 `json:"round"`
		Signature string `json:"signature"`
		Why       string `json:"why"`
	} `json:"negative_signatures"`
	Ciphertexts []struct {
		ID            string `json:"id"`
		Round         uint64 `json:"round"`
		Plaintext     string `json:"plaintext"`
		Ciphertext    string `json:"ciphertext"`
		CiphertextLen int    `json:"ciphertext_len"`
		Signature     string `json:"decrypt_with_signature"`
		WrongSig      string `json:"wrong_signature_must_fail"`
	} `json:"ciphertexts_generated"`
}

// loadVectorsIfPresent returns the parsed vectors (for the fuzz seed corpus), or nil when bad.
func loadVectorsIfPresent() *vectorFile {
	raw, err := os.ReadFile(filepath.Join(testvectors.Root(), "timelock", "vectors.json"))
	if err != nil {
		return nil
	}
	var v vectorFile
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	return &v
}

// loadVectors reads testdata/timelock/vectors.json (the repository's copy of the external
// vectors) and fails the test when it is missing or malformed.
func loadVectors(t testing.TB) *vectorFile {
	t.Helper()
	p := testvectors.Path(t, "timelock/vectors.json")
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read %s: %v", p, err)
	}
	var v vectorFile
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("parse %s: %v", p, err)
	}
	if len(v.Signatures) == 0 || len(v.Ciphertexts) == 0 {
		t.Fatalf("%s holds no signatures or ciphertexts", p)
	}
	return &v
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex in vectors: %v", err)
	}
	return b
}
