package timelock

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

// sig1000 is quicknet's published signature for round 1000.
const sig1000Hex = "b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125e342b73a8dd2bacbe47e4b6b63ed5e39"

// FuzzDecrypt feeds arbitrary bytes to the ciphertext parser and decryptor.
// Nothing may panic; whatever parses must re-encode to the same bytes; errors
// must be the package's sentinels. Run: go test -fuzz FuzzDecrypt ./chain/timelock
func FuzzDecrypt(f *testing.F) {
	sig, _ := hex.DecodeString(sig1000Hex)
	good, err := Quicknet().Encrypt(seeded(1), 1000, []byte("Hello, subnetd"))
	if err != nil {
		f.Fatal(err)
	}
	empty, _ := Quicknet().Encrypt(seeded(2), 1000, nil)
	f.Add(good)
	f.Add(empty)
	f.Add(good[:96])
	f.Add(good[:len(good)-1])
	f.Add(append(bytes.Clone(good), 0))
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0xff}, 300))
	bigLen := bytes.Clone(good)
	copy(bigLen[96:104], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add(bigLen)
	if v := loadVectorsIfPresent(); v != nil {
		for _, c := range v.Ciphertexts {
			if b, err := hex.DecodeString(c.Ciphertext); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ct, err := ParseCiphertext(data)
		if err != nil {
			if !errors.Is(err, ErrMalformedCiphertext) {
				t.Fatalf("parse error is not ErrMalformedCiphertext: %v", err)
			}
		} else if !bytes.Equal(ct.Bytes(), data) {
			t.Fatalf("parsed ciphertext re-encodes differently")
		}
		pt, err := DecryptWithSignature(sig, data)
		if err != nil {
			if !errors.Is(err, ErrMalformedCiphertext) && !errors.Is(err, ErrDecryptionFailed) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if ct == nil {
			t.Fatalf("decrypted %x from bytes that do not parse", pt)
		}
	})
}

// FuzzDecodePayload checks the SCALE payload decoder never panics and that
// what it decodes re-encodes to a prefix of the input.
func FuzzDecodePayload(f *testing.F) {
	p := Payload{Hotkey: bytes.Repeat([]byte{1}, 32), Uids: []uint16{0, 1, 2}, Values: []uint16{100, 65535, 32768}}
	v4, _ := p.Encode(FormatV4)
	legacy, _ := p.Encode(FormatLegacy)
	f.Add(true, v4)
	f.Add(false, legacy)
	f.Add(false, []byte{0x13, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add(true, []byte{0x03, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, isV4 bool, data []byte) {
		format := FormatLegacy
		if isV4 {
			format = FormatV4
		}
		got, err := DecodePayload(format, data)
		if err != nil {
			if !errors.Is(err, ErrInvalidPayload) {
				t.Fatalf("error kind: %v", err)
			}
			return
		}
		// Encode validates more (hotkey size, duplicates) than the decoder.
		if format == FormatV4 && len(got.Hotkey) != HotkeySize {
			return
		}
		if checkUids(got.Uids, got.Values) != nil {
			return
		}
		enc, err := got.Encode(format)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if !bytes.HasPrefix(data, enc) {
			t.Fatalf("re-encoding %x is not a prefix of the input %x", enc, data)
		}
	})
}
