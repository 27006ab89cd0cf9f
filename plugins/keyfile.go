package plugins

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
)

// KeyFile is a publisher key file, the ed25519 key `plugin sign --key` signs with:
//
//	{"scheme":"ed25519","seed":"0x<32 bytes hex>","public_key":"0x<32 bytes hex>"}
//
// It is written with mode 0600 and never printed.
type KeyFile struct {
	// Scheme is always "ed25519".
	Scheme string `json:"scheme"`
	// Seed is the 32-byte private seed, 0x-hex.
	Seed string `json:"seed"`
	// PublicKey is the matching public key, 0x-hex (informative: the seed decides).
	PublicKey string `json:"public_key"`
}

// ErrNoKeyFile is returned by LoadKeyFile when the file does not exist.
var ErrNoKeyFile = errors.New("no publisher key file")

// LoadKeyFile reads the publisher key file at path.
func LoadKeyFile(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read key %s: %w", path, ErrNoKeyFile)
	}
	if err != nil {
		return nil, fmt.Errorf("read key %s: %w", path, err)
	}
	var kf KeyFile
	if err := json.Unmarshal(b, &kf); err != nil || kf.Scheme != SchemeEd25519 {
		return nil, fmt.Errorf("key %s: not a publisher key file ({\"scheme\":\"ed25519\",\"seed\":\"0x…\"})", path)
	}
	seed, err := hex.DecodeString(strings.TrimPrefix(kf.Seed, "0x"))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("key %s: seed is not 32 bytes of hex", path)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// CreateKeyFile generates a new ed25519 key and writes it to path (mode 0600), refusing to
// overwrite an existing file.
func CreateKeyFile(path string) (ed25519.PrivateKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	kf := KeyFile{Scheme: SchemeEd25519, Seed: "0x" + hex.EncodeToString(priv.Seed()), PublicKey: "0x" + hex.EncodeToString(pub)}
	out, err := json.MarshalIndent(kf, "", "  ")
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create key %s: %w", path, err)
	}
	if _, err := f.Write(append(out, '\n')); err != nil {
		f.Close()
		return nil, fmt.Errorf("create key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("create key %s: %w", path, err)
	}
	return priv, nil
}
