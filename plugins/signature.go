package plugins

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/subnetd/subnetd/wallet"
)

// Signature schemes a publisher may sign a package with.
const (
	SchemeEd25519 = "ed25519"
	SchemeSr25519 = "sr25519"
)

// Signature is manifest.sig: a publisher's signature over the exact bytes of manifest.json.
type Signature struct {
	// Scheme is "ed25519" or "sr25519" (substrate signing context, as Bittensor hotkeys sign).
	Scheme string `json:"scheme"`
	// PublicKey is the signer's 32-byte key, 0x-hex.
	PublicKey string `json:"public_key"`
	// Signature is the 64-byte signature, 0x-hex.
	Signature string `json:"signature"`
}

// PublicKey is a publisher key a validator pins for a subnet.
type PublicKey struct {
	Scheme string
	Key    [32]byte
}

// String renders the key as "scheme:0xhex" (the config form).
func (k PublicKey) String() string { return k.Scheme + ":0x" + hex.EncodeToString(k.Key[:]) }

// ParsePublicKey reads a pinned key: "ed25519:0x<64 hex>", "sr25519:0x<64 hex>" or
// "sr25519:<SS58 address>".
func ParsePublicKey(s string) (PublicKey, error) {
	scheme, val, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || (scheme != SchemeEd25519 && scheme != SchemeSr25519) {
		return PublicKey{}, fmt.Errorf("publisher key %q: want ed25519:0xHEX, sr25519:0xHEX or sr25519:SS58", s)
	}
	var k PublicKey
	k.Scheme = scheme
	if b, err := hex.DecodeString(strings.TrimPrefix(val, "0x")); err == nil && len(b) == 32 {
		copy(k.Key[:], b)
		return k, nil
	}
	if scheme == SchemeSr25519 {
		if pub, _, err := wallet.DecodeSS58(val); err == nil {
			k.Key = pub
			return k, nil
		}
	}
	return PublicKey{}, fmt.Errorf("publisher key %q: not 32 bytes of hex (or an SS58 address for sr25519)", s)
}

// SignEd25519 signs a manifest with an ed25519 private key.
func SignEd25519(priv ed25519.PrivateKey, manifest []byte) *Signature {
	pub := priv.Public().(ed25519.PublicKey)
	return &Signature{Scheme: SchemeEd25519, PublicKey: "0x" + hex.EncodeToString(pub),
		Signature: "0x" + hex.EncodeToString(ed25519.Sign(priv, manifest))}
}

// SignSr25519 signs a manifest with an sr25519 key pair (e.g. a Bittensor hotkey).
func SignSr25519(kp *wallet.Keypair, manifest []byte) (*Signature, error) {
	sig, err := kp.Sign(manifest)
	if err != nil {
		return nil, fmt.Errorf("sign manifest: %w", err)
	}
	pub := kp.PublicKey()
	return &Signature{Scheme: SchemeSr25519, PublicKey: "0x" + hex.EncodeToString(pub[:]),
		Signature: "0x" + hex.EncodeToString(sig)}, nil
}

// Verify applies the signature rule of the acceptance policy (Accept):
//
//   - With pinned keys, the package must carry a signature by one of them that verifies over
//     the exact manifest bytes (ErrUnsigned without one, ErrBadSignature otherwise).
//   - With no pins, an unsigned package passes, but a signature that is there must verify
//     with the key it names: a broken signature means the manifest changed after signing,
//     and no validator runs that, pinned or not (ErrBadSignature).
func (p *Package) Verify(pins []PublicKey) error {
	id := p.Manifest.Name + " " + p.Manifest.Version
	if p.Signature == nil {
		if len(pins) == 0 {
			return nil
		}
		return fmt.Errorf("%s: %w (a publisher key is pinned for this subnet)", id, ErrUnsigned)
	}
	s := p.Signature
	pubB, err := hex.DecodeString(strings.TrimPrefix(s.PublicKey, "0x"))
	if err != nil || len(pubB) != 32 {
		return fmt.Errorf("%s: public key is not 32 bytes of hex: %w", id, ErrBadSignature)
	}
	sig, err := hex.DecodeString(strings.TrimPrefix(s.Signature, "0x"))
	if err != nil || len(sig) != 64 {
		return fmt.Errorf("%s: signature is not 64 bytes of hex: %w", id, ErrBadSignature)
	}
	if s.Scheme != SchemeEd25519 && s.Scheme != SchemeSr25519 {
		return fmt.Errorf("%s: unknown signature scheme %q: %w", id, s.Scheme, ErrBadSignature)
	}
	var pub [32]byte
	copy(pub[:], pubB)
	if len(pins) > 0 {
		pinned := false
		for _, k := range pins {
			if k.Scheme == s.Scheme && k.Key == pub {
				pinned = true
			}
		}
		if !pinned {
			return fmt.Errorf("%s: signed by %s:0x%x, which is not pinned: %w", id, s.Scheme, pub, ErrBadSignature)
		}
	}
	ok := false
	switch s.Scheme {
	case SchemeEd25519:
		ok = ed25519.Verify(ed25519.PublicKey(pub[:]), p.ManifestBytes, sig)
	case SchemeSr25519:
		ok = wallet.Verify(pub, p.ManifestBytes, sig)
	}
	if !ok {
		return fmt.Errorf("%s: %s signature does not verify over manifest.json: %w", id, s.Scheme, ErrBadSignature)
	}
	return nil
}

// SignedBy returns the signer's key as "scheme:0xhex", or "" for an unsigned package. It does
// not verify anything (Verify does).
func (p *Package) SignedBy() string {
	if p.Signature == nil {
		return ""
	}
	return p.Signature.Scheme + ":" + p.Signature.PublicKey
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
