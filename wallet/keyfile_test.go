package wallet

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const aliceSeedHex = "0xe5be9a5092b81bca64be81d212e7f2f9eba183bb7a90954f7b76361f6edb5c0a"
const alicePubHex = "0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"
const aliceSS58 = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"

func writeFile(t *testing.T, dir, name, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // umask-proof
		t.Fatal(err)
	}
	return p
}

func TestLoadKeyfile(t *testing.T) {
	alice, _ := FromURI("//Alice")
	dir := t.TempDir()
	// Write a real keyfile to learn its privateKey for the privateKey-only case.
	full := filepath.Join(dir, "full")
	if err := WriteKeyfile(full, alice, ""); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		content string
		want    string
		wantErr error
	}{
		{"btwallet json", `{"accountId":"` + alicePubHex + `","publicKey":"` + alicePubHex + `","secretPhrase":null,"secretSeed":"` + aliceSeedHex + `","ss58Address":"` + aliceSS58 + `"}`, aliceSS58, nil},
		{"seed without 0x", `{"secretSeed":"` + aliceSeedHex[2:] + `"}`, aliceSS58, nil},
		{"phrase", `{"secretPhrase":"` + DevPhrase + `","ss58Address":"5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV"}`, "5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV", nil},
		{"bare hex seed", aliceSeedHex + "\n", aliceSS58, nil},
		{"quoted hex seed", `"` + aliceSeedHex + `"`, aliceSS58, nil},
		{"not json", "hello", "", ErrKeyfileMalformed},
		{"broken json", `{"secretSeed":`, "", ErrKeyfileMalformed},
		{"short seed", `{"secretSeed":"0x1234"}`, "", ErrKeyfileMalformed},
		{"public mismatch", `{"secretSeed":"` + aliceSeedHex + `","ss58Address":"5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"}`, "", ErrKeyfileMalformed},
		{"bad ss58", `{"secretSeed":"` + aliceSeedHex + `","ss58Address":"5Grwva"}`, "", ErrKeyfileMalformed},
		{"public only", `{"publicKey":"` + alicePubHex + `"}`, "", ErrNoSecret},
		{"nacl", "$NACL" + strings.Repeat("x", 40), "", ErrKeyfileEncrypted},
		{"ansible", "$ANSIBLE_VAULT;1.1;AES256\n3131", "", ErrKeyfileEncrypted},
		{"fernet", "gAAAAABkabc", "", ErrKeyfileEncrypted},
		{"empty", "  \n", "", ErrKeyfileMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, dir, tt.name, tt.content, 0o600)
			kp, err := LoadKeyfile(p)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), aliceSeedHex[2:]) {
					t.Fatalf("error leaks the seed: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if kp.SS58() != tt.want {
				t.Fatalf("loaded %s, want %s", kp.SS58(), tt.want)
			}
			if len(kp.Warnings()) != 0 {
				t.Fatalf("unexpected warnings %v", kp.Warnings())
			}
		})
	}
}

func TestLoadKeyfile_privateKeyOnly(t *testing.T) {
	alice, _ := FromURI("//Alice")
	dir := t.TempDir()
	full := filepath.Join(dir, "full")
	if err := WriteKeyfile(full, alice, ""); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(full)
	// Keep only privateKey: rebuild the JSON from the written file's field.
	s := string(data)
	i := strings.Index(s, `"privateKey":"`)
	priv := s[i+len(`"privateKey":"`):]
	priv = priv[:strings.Index(priv, `"`)]
	p := writeFile(t, dir, "priv", `{"privateKey":"`+priv+`"}`, 0o600)
	kp, err := LoadKeyfile(p)
	if err != nil {
		t.Fatal(err)
	}
	if kp.SS58() != aliceSS58 {
		t.Fatalf("privateKey-only load = %s", kp.SS58())
	}
	msg := []byte("m")
	sig, err := kp.Sign(msg)
	if err != nil || !Verify(alice.PublicKey(), msg, sig) {
		t.Fatalf("privateKey-only key cannot sign for Alice: %v", err)
	}
}

func TestLoadKeyfile_fileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadKeyfile(filepath.Join(dir, "nope")); !errors.Is(err, ErrKeyfileNotFound) {
		t.Errorf("missing: %v", err)
	}
	if _, err := LoadKeyfile(dir); !errors.Is(err, ErrKeyfileUnreadable) {
		t.Errorf("directory: %v", err)
	}
	if os.Geteuid() != 0 { // root reads mode 000 files
		p := writeFile(t, dir, "locked", aliceSeedHex, 0o000)
		if _, err := LoadKeyfile(p); !errors.Is(err, ErrKeyfileUnreadable) {
			t.Errorf("mode 000: %v", err)
		}
	}
	p := writeFile(t, dir, "open", aliceSeedHex, 0o644)
	kp, err := LoadKeyfile(p)
	if err != nil {
		t.Fatalf("world-readable key must still load: %v", err)
	}
	w := kp.Warnings()
	if len(w) != 1 || !errors.Is(w[0], ErrWorldReadable) || !strings.Contains(w[0].Error(), "0644") {
		t.Fatalf("warnings = %v", w)
	}
}

func TestLoad_walletLayout(t *testing.T) {
	dir := t.TempDir()
	alice, _ := FromURI("//Alice")
	bob, _ := FromURI("//Bob")
	cold := bob.PublicKey()
	if err := CreateWallet(dir, "validator", "default", alice, &cold); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, "validator", "hotkeys", "default"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("hotkey mode: %v %v", st.Mode(), err)
	}
	w, err := Load(dir, "validator", "default")
	if err != nil {
		t.Fatal(err)
	}
	if w.Hotkey.SS58() != aliceSS58 || w.ColdkeyPub == nil || w.ColdkeyPub.SS58 != bob.SS58() || len(w.Warnings) != 0 {
		t.Fatalf("wallet = %+v", w)
	}
	if err := CreateWallet(dir, "validator", "default", alice, nil); err == nil {
		t.Fatal("CreateWallet overwrote an existing hotkey")
	}
	kp, err := LoadHotkey(dir, "validator", "default")
	if err != nil || kp.SS58() != aliceSS58 {
		t.Fatalf("LoadHotkey = %v %v", kp, err)
	}
	if _, err := LoadHotkey(dir, "validator", "missing"); !errors.Is(err, ErrKeyfileNotFound) || !strings.Contains(err.Error(), "validator/missing") {
		t.Fatalf("missing hotkey: %v", err)
	}
	if _, err := Load(dir, "", "default"); err == nil {
		t.Fatal("empty wallet name accepted")
	}
	// No coldkeypub.txt: still loads.
	if err := CreateWallet(dir, "miner", "m1", bob, nil); err != nil {
		t.Fatal(err)
	}
	w, err = Load(dir, "miner", "m1")
	if err != nil || w.ColdkeyPub != nil {
		t.Fatalf("wallet without coldkeypub = %+v %v", w, err)
	}
}

func TestWriteKeyfile_softKey(t *testing.T) {
	soft, _ := FromURI("//Alice/soft")
	if err := WriteKeyfile(filepath.Join(t.TempDir(), "k"), soft, ""); err == nil {
		t.Fatal("wrote a key without a seed")
	}
}

func TestLoadPublicFile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, content string
		wantErr       error
	}{
		{"json", `{"accountId":"` + alicePubHex + `","publicKey":"` + alicePubHex + `","ss58Address":"` + aliceSS58 + `"}`, nil},
		{"bare ss58", aliceSS58 + "\n", nil},
		{"bare hex", alicePubHex, nil},
		{"full keyfile", `{"secretSeed":"` + aliceSeedHex + `","ss58Address":"` + aliceSS58 + `"}`, nil},
		{"garbage", "hello", ErrKeyfileMalformed},
		{"no key", `{"secretPhrase":"x"}`, ErrKeyfileMalformed},
		{"disagreeing", `{"publicKey":"` + alicePubHex + `","ss58Address":"5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"}`, ErrKeyfileMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, dir, tt.name, tt.content, 0o644)
			acct, err := LoadPublicFile(p)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || acct.SS58 != aliceSS58 {
				t.Fatalf("LoadPublicFile = %+v, %v", acct, err)
			}
		})
	}
}
