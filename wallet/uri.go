package wallet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	schnorrkel "github.com/ChainSafe/go-schnorrkel"
	"golang.org/x/crypto/blake2b"

	"github.com/subnetd/subnetd/internal/scale"
)

// DevPhrase is substrate's well-known development phrase; "//Alice" means DevPhrase + "//Alice".
// Keys derived from it are public knowledge: use them for tests and local networks only.
const DevPhrase = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"

// ErrBadURI is wrapped by FromURI failures.
var ErrBadURI = errors.New("invalid secret URI")

// FromURI builds a key pair from a substrate secret URI: `[PHRASE or 0xSEED][//hard|/soft]*[///password]`.
// An empty phrase means DevPhrase, so "//Alice" and "//Bob" are the usual dev accounts. Hard junctions
// ("//x") derive a new mini secret key; soft junctions ("/x") derive a secret key whose public key can
// also be derived from the parent's public key. A numeric junction is encoded as a little-endian u64,
// any other as a SCALE string, exactly as substrate's DeriveJunction does.
func FromURI(uri string) (*Keypair, error) {
	body, password, _ := strings.Cut(uri, "///")
	phrase := body
	path := ""
	if i := strings.Index(body, "/"); i >= 0 {
		phrase, path = body[:i], body[i:]
	}
	phrase = strings.TrimSpace(phrase)
	if phrase == "" {
		phrase = DevPhrase
	}
	var kp *Keypair
	var err error
	if strings.HasPrefix(phrase, "0x") {
		if password != "" {
			return nil, fmt.Errorf("%w: a password cannot be combined with a hex seed", ErrBadURI)
		}
		kp, err = FromSeedHex(phrase)
	} else {
		kp, err = FromMnemonic(phrase, password)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadURI, err)
	}
	for path != "" {
		hard := strings.HasPrefix(path, "//")
		rest := strings.TrimLeft(path, "/")
		if rest == "" || (!hard && strings.HasPrefix(path, "///")) {
			return nil, fmt.Errorf("%w: empty derivation junction", ErrBadURI)
		}
		name := rest
		path = ""
		if i := strings.Index(rest, "/"); i >= 0 {
			name, path = rest[:i], rest[i:]
		}
		kp, err = kp.derive(name, hard)
		if err != nil {
			return nil, fmt.Errorf("%w: junction %q: %w", ErrBadURI, name, err)
		}
	}
	return kp, nil
}

// junctionChainCode encodes a junction as substrate does: a u64 for a number, else a SCALE string;
// padded to 32 bytes, or blake2b-256 hashed when longer.
func junctionChainCode(name string) [32]byte {
	var enc []byte
	if n, err := strconv.ParseUint(name, 10, 64); err == nil {
		enc = binary.LittleEndian.AppendUint64(nil, n)
	} else {
		enc = scale.AppendCompact(nil, uint64(len(name)))
		enc = append(enc, name...)
	}
	var cc [32]byte
	if len(enc) > 32 {
		cc = blake2b.Sum256(enc)
	} else {
		copy(cc[:], enc)
	}
	return cc
}

func (k *Keypair) derive(name string, hard bool) (*Keypair, error) {
	cc := junctionChainCode(name)
	if hard {
		msk, _, err := k.secret.HardDeriveMiniSecretKey(nil, cc)
		if err != nil {
			return nil, err
		}
		return FromSeed(msk.Encode())
	}
	ek, err := schnorrkel.DeriveKeySimple(k.secret, nil, cc)
	if err != nil {
		return nil, err
	}
	sk, err := ek.Secret()
	if err != nil {
		return nil, err
	}
	return fromSecret(sk)
}
