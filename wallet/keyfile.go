package wallet

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Sentinel errors a caller can branch on with errors.Is.
var (
	// ErrKeyfileNotFound: the key file does not exist.
	ErrKeyfileNotFound = errors.New("key file not found")
	// ErrKeyfileUnreadable: the key file exists but cannot be read (permissions, a directory, I/O).
	ErrKeyfileUnreadable = errors.New("key file unreadable")
	// ErrKeyfileMalformed: the content is neither a keyfile JSON nor a hex seed, or its fields disagree.
	ErrKeyfileMalformed = errors.New("key file malformed")
	// ErrKeyfileEncrypted: the key file is encrypted (NaCl, Ansible vault or legacy Fernet); subnetd
	// reads unencrypted hotkeys only, as Bittensor hotkeys normally are.
	ErrKeyfileEncrypted = errors.New("key file is encrypted")
	// ErrNoSecret: the key file holds only a public key (like coldkeypub.txt) where a secret is needed.
	ErrNoSecret = errors.New("key file holds no secret key")
	// ErrWorldReadable is a warning, not a failure: other users can read the key file. The load
	// succeeds and the warning is reported through Keypair.Warnings and Wallet.Warnings.
	ErrWorldReadable = errors.New("key file is readable by other users")
)

// DefaultWalletPath is the Bittensor CLI's default --wallet.path.
const DefaultWalletPath = "~/.bittensor/wallets"

// keyfileJSON is the JSON layout btwallet writes for a keypair.
type keyfileJSON struct {
	AccountID    string `json:"accountId,omitempty"`
	PublicKey    string `json:"publicKey,omitempty"`
	PrivateKey   string `json:"privateKey,omitempty"`
	SecretPhrase string `json:"secretPhrase,omitempty"`
	SecretSeed   string `json:"secretSeed,omitempty"`
	SS58Address  string `json:"ss58Address,omitempty"`
}

// PublicAccount is a public key read from a file without a secret, such as coldkeypub.txt.
type PublicAccount struct {
	// PublicKey is the 32-byte account id.
	PublicKey [32]byte
	// SS58 is the address with prefix 42.
	SS58 string
}

// Wallet is a loaded Bittensor wallet: its hotkey and, when present, the coldkey's public half.
type Wallet struct {
	// Hotkey signs dendrite requests and extrinsics.
	Hotkey *Keypair
	// ColdkeyPub is read from NAME/coldkeypub.txt; nil when that file is absent.
	ColdkeyPub *PublicAccount
	// Warnings are non-fatal problems, such as a world-readable hotkey file (ErrWorldReadable).
	Warnings []error
}

// HotkeyPath returns PATH/NAME/hotkeys/HOTKEY with a leading "~/" expanded.
func HotkeyPath(path, name, hotkey string) (string, error) {
	p, err := expandHome(path)
	if err != nil {
		return "", err
	}
	return filepath.Join(p, name, "hotkeys", hotkey), nil
}

// ColdkeyPubPath returns PATH/NAME/coldkeypub.txt with a leading "~/" expanded.
func ColdkeyPubPath(path, name string) (string, error) {
	p, err := expandHome(path)
	if err != nil {
		return "", err
	}
	return filepath.Join(p, name, "coldkeypub.txt"), nil
}

// Load reads the hotkey at PATH/NAME/hotkeys/HOTKEY and, when it exists, PATH/NAME/coldkeypub.txt.
func Load(path, name, hotkey string) (*Wallet, error) {
	if name == "" || hotkey == "" {
		return nil, fmt.Errorf("load wallet: wallet name and hotkey name must not be empty (got name %q, hotkey %q)", name, hotkey)
	}
	kp, err := LoadHotkey(path, name, hotkey)
	if err != nil {
		return nil, err
	}
	w := &Wallet{Hotkey: kp, Warnings: kp.Warnings()}
	cpath, err := ColdkeyPubPath(path, name)
	if err != nil {
		return nil, err
	}
	if _, statErr := os.Stat(cpath); statErr == nil {
		acct, err := LoadPublicFile(cpath)
		if err != nil {
			return nil, err
		}
		w.ColdkeyPub = acct
	}
	return w, nil
}

// LoadHotkey reads the hotkey key pair at PATH/NAME/hotkeys/HOTKEY (PATH may start with "~/").
func LoadHotkey(path, name, hotkey string) (*Keypair, error) {
	file, err := HotkeyPath(path, name, hotkey)
	if err != nil {
		return nil, fmt.Errorf("load hotkey: %w", err)
	}
	kp, err := LoadKeyfile(file)
	if err != nil {
		return nil, fmt.Errorf("load hotkey %s/%s: %w", name, hotkey, err)
	}
	return kp, nil
}

// LoadKeyfile reads one key file holding a secret: btwallet's JSON (secretSeed, else secretPhrase,
// else privateKey; publicKey/accountId/ss58Address, when present, must match the derived key), or a
// bare hex seed ("0x" + 64 hex digits). A file others can read loads with an ErrWorldReadable warning.
func LoadKeyfile(file string) (*Keypair, error) {
	data, warns, err := readKeyfile(file)
	if err != nil {
		return nil, err
	}
	kp, err := parseSecretKeyfile(data)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", file, err)
	}
	kp.warnings = warns
	return kp, nil
}

// LoadPublicFile reads a key file for its public key only: coldkeypub.txt (JSON, or the bare SS58
// address or 0x-hex key older wallets wrote), or any keyfile.
func LoadPublicFile(file string) (*PublicAccount, error) {
	data, _, err := readKeyfile(file)
	if err != nil {
		return nil, err
	}
	if data[0] != '{' {
		// Older wallets: a bare SS58 address or 0x-hex public key.
		s := strings.Trim(string(data), `"`)
		if pub, _, err := DecodeSS58(s); err == nil {
			return &PublicAccount{PublicKey: pub, SS58: EncodeSS58(pub)}, nil
		}
		if b, err := decodeHex(s); err == nil && len(b) == 32 {
			return &PublicAccount{PublicKey: [32]byte(b), SS58: EncodeSS58([32]byte(b))}, nil
		}
		return nil, fmt.Errorf("key file %s: %w: neither keyfile JSON, an SS58 address nor a 32-byte hex key", file, ErrKeyfileMalformed)
	}
	var kf keyfileJSON
	if err := json.Unmarshal(data, &kf); err != nil {
		return nil, fmt.Errorf("key file %s: %w: not valid JSON (%s)", file, ErrKeyfileMalformed, jsonErrNoValue(err))
	}
	pub, err := kf.publicKey()
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", file, err)
	}
	if pub == nil {
		return nil, fmt.Errorf("key file %s: %w: no publicKey, accountId or ss58Address", file, ErrKeyfileMalformed)
	}
	return &PublicAccount{PublicKey: *pub, SS58: EncodeSS58(*pub)}, nil
}

func readKeyfile(file string) ([]byte, []error, error) {
	st, err := os.Stat(file)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("%w: %s", ErrKeyfileNotFound, file)
		}
		return nil, nil, fmt.Errorf("%w: %s: %v", ErrKeyfileUnreadable, file, err)
	}
	if st.IsDir() {
		return nil, nil, fmt.Errorf("%w: %s is a directory", ErrKeyfileUnreadable, file)
	}
	if st.Size() > 1<<20 {
		return nil, nil, fmt.Errorf("%w: %s is %d bytes, too large for a key file", ErrKeyfileMalformed, file, st.Size())
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %v", ErrKeyfileUnreadable, file, err)
	}
	var warns []error
	if st.Mode().Perm()&0o004 != 0 {
		warns = append(warns, fmt.Errorf("%w: %s has mode %04o; run chmod 600 on it", ErrWorldReadable, file, st.Mode().Perm()))
	}
	data = bytes.TrimSpace(data)
	for _, m := range []struct{ prefix, kind string }{
		{"$NACL", "NaCl"}, {"$ANSIBLE_VAULT", "Ansible vault"}, {"gAAAAA", "legacy Fernet"},
	} {
		if bytes.HasPrefix(data, []byte(m.prefix)) {
			return nil, nil, fmt.Errorf("%w (%s): %s; decrypt it with the Bittensor CLI or use an unencrypted hotkey", ErrKeyfileEncrypted, m.kind, file)
		}
	}
	if len(data) == 0 {
		return nil, nil, fmt.Errorf("%w: %s is empty", ErrKeyfileMalformed, file)
	}
	return data, warns, nil
}

// parseSecretKeyfile turns keyfile bytes into a key pair. Error messages never quote secret fields.
func parseSecretKeyfile(data []byte) (*Keypair, error) {
	if data[0] != '{' {
		// The hex-seed variant: the file is just "0x" + 64 hex digits (the seed), possibly quoted.
		s := strings.Trim(string(data), `"`)
		if b, err := decodeHex(s); err == nil && len(b) == 32 {
			return FromSeed([32]byte(b))
		}
		return nil, fmt.Errorf("%w: neither keyfile JSON nor a 32-byte hex seed", ErrKeyfileMalformed)
	}
	var kf keyfileJSON
	if err := json.Unmarshal(data, &kf); err != nil {
		return nil, fmt.Errorf("%w: not valid JSON (%s)", ErrKeyfileMalformed, jsonErrNoValue(err))
	}
	want, err := kf.publicKey()
	if err != nil {
		return nil, err
	}
	var kp *Keypair
	switch {
	case kf.SecretSeed != "":
		b, err := decodeHex(kf.SecretSeed)
		if err != nil || len(b) != 32 {
			return nil, fmt.Errorf("%w: secretSeed is not 32 bytes of hex", ErrKeyfileMalformed)
		}
		if kp, err = FromSeed([32]byte(b)); err != nil {
			return nil, fmt.Errorf("%w: secretSeed: %v", ErrKeyfileMalformed, err)
		}
	case kf.SecretPhrase != "":
		if kp, err = FromURI(kf.SecretPhrase); err != nil {
			return nil, fmt.Errorf("%w: secretPhrase is not a valid BIP-39 phrase or secret URI", ErrKeyfileMalformed)
		}
	case kf.PrivateKey != "":
		b, err := decodeHex(kf.PrivateKey)
		if err != nil || len(b) != 64 {
			return nil, fmt.Errorf("%w: privateKey is not 64 bytes of hex", ErrKeyfileMalformed)
		}
		if kp, err = fromPrivateKey(b); err != nil {
			return nil, fmt.Errorf("%w: privateKey: %v", ErrKeyfileMalformed, err)
		}
		if want != nil && kp.pub != *want {
			// Some tools write the Ed25519-compatible layout (scalar times the cofactor).
			if alt, err := fromPrivateKeyEd25519(b); err == nil && alt.pub == *want {
				kp = alt
			}
		}
	default:
		return nil, fmt.Errorf("%w: no secretSeed, secretPhrase or privateKey", ErrNoSecret)
	}
	if want != nil && kp.pub != *want {
		return nil, fmt.Errorf("%w: the public key in the file (%s) does not match the key derived from its secret (%s)",
			ErrKeyfileMalformed, EncodeSS58(*want), kp.ss58)
	}
	return kp, nil
}

// publicKey reads and cross-checks publicKey, accountId and ss58Address; nil when all are absent.
func (kf *keyfileJSON) publicKey() (*[32]byte, error) {
	var got *[32]byte
	check := func(field string, pub [32]byte) error {
		if got != nil && *got != pub {
			return fmt.Errorf("%w: %s disagrees with the other public key fields", ErrKeyfileMalformed, field)
		}
		got = &pub
		return nil
	}
	for _, f := range []struct{ name, val string }{{"publicKey", kf.PublicKey}, {"accountId", kf.AccountID}} {
		if f.val == "" {
			continue
		}
		b, err := hex.DecodeString(strings.TrimPrefix(f.val, "0x"))
		if err != nil || len(b) != 32 {
			return nil, fmt.Errorf("%w: %s %q is not 32 bytes of hex", ErrKeyfileMalformed, f.name, f.val)
		}
		if err := check(f.name, [32]byte(b)); err != nil {
			return nil, err
		}
	}
	if kf.SS58Address != "" {
		pub, _, err := DecodeSS58(kf.SS58Address)
		if err != nil {
			return nil, fmt.Errorf("%w: ss58Address: %v", ErrKeyfileMalformed, err)
		}
		if err := check("ss58Address", pub); err != nil {
			return nil, err
		}
	}
	return got, nil
}

// jsonErrNoValue describes a JSON error without echoing file content.
func jsonErrNoValue(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q has the wrong type", te.Field)
	}
	return "unexpected content"
}

// WriteKeyfile writes kp as btwallet's unencrypted JSON keyfile (accountId, publicKey, privateKey,
// secretPhrase when given, secretSeed, ss58Address) with mode 0600, creating parent directories with
// mode 0700. It refuses to overwrite an existing file. Only keys with a seed can be written.
func WriteKeyfile(file string, kp *Keypair, phrase string) error {
	seed, ok := kp.Seed()
	if !ok {
		return fmt.Errorf("write key file %s: key %s has no seed (soft-derived); cannot write it", file, kp.ss58)
	}
	sk := kp.secret.Encode()
	kf := keyfileJSON{
		AccountID:    "0x" + hex.EncodeToString(kp.pub[:]),
		PublicKey:    "0x" + hex.EncodeToString(kp.pub[:]),
		PrivateKey:   "0x" + hex.EncodeToString(sk[:]) + hex.EncodeToString(kp.nonce[:]),
		SecretPhrase: phrase,
		SecretSeed:   "0x" + hex.EncodeToString(seed[:]),
		SS58Address:  kp.ss58,
	}
	data, err := json.Marshal(kf)
	if err != nil {
		return fmt.Errorf("write key file %s: %w", file, err)
	}
	return writeNew(file, data, 0o600)
}

// WritePublicFile writes a public-only keyfile (the coldkeypub.txt layout) with mode 0644.
func WritePublicFile(file string, pub [32]byte) error {
	kf := keyfileJSON{
		AccountID:   "0x" + hex.EncodeToString(pub[:]),
		PublicKey:   "0x" + hex.EncodeToString(pub[:]),
		SS58Address: EncodeSS58(pub),
	}
	data, err := json.Marshal(kf)
	if err != nil {
		return fmt.Errorf("write public key file %s: %w", file, err)
	}
	return writeNew(file, data, 0o644)
}

// CreateWallet writes the hotkey to PATH/NAME/hotkeys/HOTKEY and, when coldkeyPub is not nil,
// PATH/NAME/coldkeypub.txt: the layout LoadHotkey and Load read.
func CreateWallet(path, name, hotkey string, kp *Keypair, coldkeyPub *[32]byte) error {
	hk, err := HotkeyPath(path, name, hotkey)
	if err != nil {
		return fmt.Errorf("create wallet: %w", err)
	}
	if err := WriteKeyfile(hk, kp, ""); err != nil {
		return fmt.Errorf("create wallet: %w", err)
	}
	if coldkeyPub != nil {
		cp, err := ColdkeyPubPath(path, name)
		if err != nil {
			return fmt.Errorf("create wallet: %w", err)
		}
		if err := WritePublicFile(cp, *coldkeyPub); err != nil {
			return fmt.Errorf("create wallet: %w", err)
		}
	}
	return nil
}

func writeNew(file string, data []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return fmt.Errorf("write key file %s: %w", file, err)
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("write key file %s: %w", file, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write key file %s: %w", file, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write key file %s: %w", file, err)
	}
	return nil
}

func expandHome(p string) (string, error) {
	if p == "" {
		p = DefaultWalletPath
	}
	if p == "~" || strings.HasPrefix(p, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("expand %s: %w", p, err)
		}
		return filepath.Join(home, strings.TrimPrefix(p, "~")), nil
	}
	return p, nil
}
