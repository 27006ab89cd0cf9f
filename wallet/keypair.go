package wallet

import (
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	schnorrkel "github.com/ChainSafe/go-schnorrkel"
)

// SigningContext is the schnorrkel signing context substrate (and so Bittensor) uses for sr25519.
const SigningContext = "substrate"

// ErrBadSignature is returned by VerifyErr when a signature does not check out.
var ErrBadSignature = errors.New("sr25519 signature does not verify")

// Keypair is an sr25519 key pair. Its String and Format methods print only the public SS58 address;
// the secret never leaves the value except through WriteKeyfile.
type Keypair struct {
	secret *schnorrkel.SecretKey
	pub    [32]byte
	ss58   string
	// seed is the 32-byte mini secret key when known (keys from a seed, a phrase or hard derivation).
	seed *[32]byte
	// nonce is the second half of the expanded secret, kept for writing privateKey.
	nonce [32]byte
	// warnings are non-fatal problems found while loading (e.g. a world-readable key file).
	warnings []error
}

// FromSeed builds a key pair from a 32-byte mini secret key (a keyfile's secretSeed), expanded
// Ed25519-style exactly as substrate's sr25519::Pair::from_seed does.
func FromSeed(seed [32]byte) (*Keypair, error) {
	msk, err := schnorrkel.NewMiniSecretKeyFromRaw(seed)
	if err != nil {
		return nil, fmt.Errorf("sr25519 seed: %w", err)
	}
	sk := msk.ExpandEd25519()
	kp, err := fromSecret(sk)
	if err != nil {
		return nil, err
	}
	s := seed
	kp.seed = &s
	h := sha512.Sum512(seed[:])
	copy(kp.nonce[:], h[32:])
	return kp, nil
}

// FromSeedHex is FromSeed for a hex string, with or without a 0x prefix.
func FromSeedHex(s string) (*Keypair, error) {
	b, err := decodeHex(s)
	if err != nil {
		return nil, fmt.Errorf("sr25519 seed: %w", err)
	}
	if len(b) != 32 {
		return nil, fmt.Errorf("sr25519 seed: %d bytes, want 32", len(b))
	}
	return FromSeed([32]byte(b))
}

// FromMnemonic builds a key pair from a BIP-39 phrase the way substrate does: the phrase's entropy
// (not the BIP-39 seed) goes through PBKDF2-HMAC-SHA512 with salt "mnemonic"+password, 2048 rounds, and
// the first 32 bytes are the mini secret key.
func FromMnemonic(phrase, password string) (*Keypair, error) {
	norm := strings.Join(strings.Fields(phrase), " ")
	seed, err := schnorrkel.SeedFromMnemonic(norm, password)
	if err != nil {
		// The library error may quote the phrase; keep it out of messages.
		return nil, errors.New("sr25519 mnemonic: not a valid BIP-39 English phrase")
	}
	return FromSeed([32]byte(seed[:32]))
}

// fromPrivateKey builds a key pair from a 64-byte schnorrkel secret (key scalar || nonce), the
// privateKey field of a keyfile.
func fromPrivateKey(b []byte) (*Keypair, error) {
	if len(b) != 64 {
		return nil, fmt.Errorf("sr25519 private key: %d bytes, want 64", len(b))
	}
	var key, nonce [32]byte
	copy(key[:], b[:32])
	copy(nonce[:], b[32:])
	kp, err := fromSecret(schnorrkel.NewSecretKey(key, nonce))
	if err != nil {
		return nil, err
	}
	kp.nonce = nonce
	return kp, nil
}

// fromPrivateKeyEd25519 reads a 64-byte secret in the "ed25519 bytes" layout (scalar times cofactor).
func fromPrivateKeyEd25519(b []byte) (*Keypair, error) {
	if len(b) != 64 {
		return nil, fmt.Errorf("sr25519 private key: %d bytes, want 64", len(b))
	}
	var all [64]byte
	copy(all[:], b)
	kp, err := fromSecret(schnorrkel.NewSecretKeyFromEd25519Bytes(all))
	if err != nil {
		return nil, err
	}
	copy(kp.nonce[:], b[32:])
	return kp, nil
}

func fromSecret(sk *schnorrkel.SecretKey) (*Keypair, error) {
	pk, err := sk.Public()
	if err != nil {
		return nil, fmt.Errorf("sr25519 public key: %w", err)
	}
	pub := pk.Encode()
	return &Keypair{secret: sk, pub: pub, ss58: EncodeSS58(pub)}, nil
}

// Sign signs msg with sr25519 under the "substrate" signing context (as sp_core's sr25519::Pair::sign)
// and returns the 64-byte signature. Signatures are randomized, so two calls give different bytes.
func (k *Keypair) Sign(msg []byte) ([]byte, error) {
	if k == nil || k.secret == nil {
		return nil, errors.New("sr25519 sign: no secret key")
	}
	sig, err := k.secret.Sign(schnorrkel.NewSigningContext([]byte(SigningContext), msg))
	if err != nil {
		return nil, fmt.Errorf("sr25519 sign: %w", err)
	}
	out := sig.Encode()
	return out[:], nil
}

// PublicKey returns the 32-byte sr25519 public key (the account id).
func (k *Keypair) PublicKey() [32]byte { return k.pub }

// SS58 returns the public key as an SS58 address with prefix 42.
func (k *Keypair) SS58() string { return k.ss58 }

// Seed returns the 32-byte mini secret key and true when the key pair has one (it was built from a
// seed, a phrase or a hard derivation). Handle the result as a secret.
func (k *Keypair) Seed() ([32]byte, bool) {
	if k.seed == nil {
		return [32]byte{}, false
	}
	return *k.seed, true
}

// Warnings returns the non-fatal problems found when the key pair was loaded from a file, such as
// ErrWorldReadable. It is empty for keys built in memory.
func (k *Keypair) Warnings() []error { return append([]error(nil), k.warnings...) }

// String prints the SS58 address only.
func (k *Keypair) String() string {
	if k == nil {
		return "Keypair(<nil>)"
	}
	return "Keypair(" + k.ss58 + ")"
}

// Format prints the SS58 address only, whatever the verb, so %v, %+v, %#v and %x never reveal the secret.
func (k *Keypair) Format(f fmt.State, _ rune) { fmt.Fprint(f, k.String()) }

// GoString prints the SS58 address only.
func (k *Keypair) GoString() string { return k.String() }

// Verify reports whether sig is a valid sr25519 signature of msg by pub under the "substrate" context.
func Verify(pub [32]byte, msg, sig []byte) bool {
	return VerifyErr(pub, msg, sig) == nil
}

// VerifyErr is Verify with a reason: a malformed key or signature, or ErrBadSignature.
func VerifyErr(pub [32]byte, msg, sig []byte) error {
	if len(sig) != 64 {
		return fmt.Errorf("sr25519 signature: %d bytes, want 64", len(sig))
	}
	pk, err := schnorrkel.NewPublicKey(pub)
	if err != nil {
		return fmt.Errorf("sr25519 public key: %w", err)
	}
	var s schnorrkel.Signature
	if err := s.Decode([64]byte(sig)); err != nil {
		return fmt.Errorf("sr25519 signature: %w", err)
	}
	ok, err := pk.Verify(&s, schnorrkel.NewSigningContext([]byte(SigningContext), msg))
	if err != nil {
		return fmt.Errorf("sr25519 verify: %w", err)
	}
	if !ok {
		return ErrBadSignature
	}
	return nil
}

func decodeHex(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, errors.New("not valid hex")
	}
	return b, nil
}
