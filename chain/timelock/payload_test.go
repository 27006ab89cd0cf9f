package timelock

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/subnetd/subnetd/internal/scale"
)

// alice is the well-known dev account //Alice's sr25519 public key, the hotkey
// in the ct_v4_1000 vector.
var alice, _ = hex.DecodeString("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")

func TestPayload_Encode_MatchesVectors(t *testing.T) {
	v := loadVectors(t)
	var v4 string
	for _, c := range v.Ciphertexts {
		if c.ID == "ct_v4_1000" {
			v4 = c.Plaintext
		}
	}
	if v4 == "" {
		t.Skip("vector ct_v4_1000 not in vectors.json")
	}
	p, err := NewPayload(FormatV4, alice, []uint16{0, 1, 2}, []uint16{100, 65535, 32768}, 0)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := p.Encode(FormatV4)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(enc); got != v4 {
		t.Fatalf("v4 payload\n got %s\nwant %s", got, v4)
	}
	// The legacy struct is the v4 struct without its first field.
	legacy, err := p.Encode(FormatLegacy)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(legacy, enc[1+HotkeySize:]) {
		t.Fatalf("legacy payload %x is not the v4 payload without the hotkey", legacy)
	}
	// Decoding the reference plaintext gives the values back.
	dec, err := DecodePayload(FormatV4, mustHex(t, v4))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(dec.Hotkey, alice) || !slices.Equal(dec.Uids, []uint16{0, 1, 2}) ||
		!slices.Equal(dec.Values, []uint16{100, 65535, 32768}) || dec.VersionKey != 0 {
		t.Fatalf("decoded %+v", dec)
	}
}

func TestPayload_Encode(t *testing.T) {
	hk := bytes.Repeat([]byte{0xab}, HotkeySize)
	cases := []struct {
		name  string
		f     Format
		p     Payload
		want  string
		errIs error
	}{
		{"legacy empty", FormatLegacy, Payload{}, "0000" + "0000000000000000", nil},
		{"legacy one", FormatLegacy, Payload{Uids: []uint16{7}, Values: []uint16{65535}, VersionKey: 0x0102030405060708},
			"04" + "0700" + "04" + "ffff" + "0807060504030201", nil},
		{"v4", FormatV4, Payload{Hotkey: hk, Uids: []uint16{258}, Values: []uint16{1}, VersionKey: 1},
			"80" + hex.EncodeToString(hk) + "04" + "0201" + "04" + "0100" + "0100000000000000", nil},
		{"v4 short hotkey", FormatV4, Payload{Hotkey: hk[:31]}, "", ErrInvalidPayload},
		{"length mismatch", FormatLegacy, Payload{Uids: []uint16{1, 2}, Values: []uint16{1}}, "", ErrInvalidPayload},
		{"duplicate uid", FormatLegacy, Payload{Uids: []uint16{1, 1}, Values: []uint16{1, 2}}, "", ErrInvalidPayload},
		{"unknown format", Format(9), Payload{}, "", ErrInvalidPayload},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.p.Encode(c.f)
			if c.errIs != nil {
				if !errors.Is(err, c.errIs) {
					t.Fatalf("err = %v, want %v", err, c.errIs)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(got) != c.want {
				t.Fatalf("got %x, want %s", got, c.want)
			}
			back, err := DecodePayload(c.f, got)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(back.Hotkey, c.p.Hotkey) || !slices.Equal(back.Uids, c.p.Uids) ||
				!slices.Equal(back.Values, c.p.Values) || back.VersionKey != c.p.VersionKey {
				t.Fatalf("decoded %+v, want %+v", back, c.p)
			}
		})
	}
}

func TestDecodePayload_Malformed(t *testing.T) {
	good, _ := Payload{Hotkey: alice, Uids: []uint16{1, 2}, Values: []uint16{3, 4}}.Encode(FormatV4)
	for i := 0; i < len(good); i++ {
		if _, err := DecodePayload(FormatV4, good[:i]); !errors.Is(err, ErrInvalidPayload) {
			t.Fatalf("truncated to %d: %v", i, err)
		}
	}
	// Trailing bytes are ignored, as the chain's Decode::decode does.
	if _, err := DecodePayload(FormatV4, append(bytes.Clone(good), 1, 2, 3)); err != nil {
		t.Errorf("trailing bytes: %v", err)
	}
	// A huge declared length must fail without allocating it.
	huge := []byte{0x13, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	if _, err := DecodePayload(FormatLegacy, huge); !errors.Is(err, ErrInvalidPayload) {
		t.Errorf("huge length: %v", err)
	}
}

func TestCompact(t *testing.T) {
	// Reference encodings from the SCALE codec specification.
	cases := []struct {
		n    uint64
		want string
	}{
		{0, "00"}, {1, "04"}, {42, "a8"}, {63, "fc"},
		{64, "0101"}, {69, "1501"}, {16383, "fdff"},
		{16384, "02000100"}, {1<<30 - 1, "feffffff"},
		{1 << 30, "0300000040"}, {1<<32 - 1, "03ffffffff"},
		{1 << 32, "070000000001"}, {math.MaxUint64, "13ffffffffffffffff"},
	}
	for _, c := range cases {
		got := hex.EncodeToString(scale.AppendCompact(nil, c.n))
		if got != c.want {
			t.Errorf("compact(%d) = %s, want %s", c.n, got, c.want)
		}
		r := reader{buf: scale.AppendCompact(nil, c.n)}
		back, err := r.compact("n")
		if err != nil || back != c.n || r.remaining() != 0 {
			t.Errorf("decode compact(%d) = %d, %v", c.n, back, err)
		}
	}
	for _, bad := range []string{"0100", "02000000", "0300000000", "07000000000000", "17ffffffffffffffffff"} {
		b, _ := hex.DecodeString(bad)
		r := reader{buf: b}
		if n, err := r.compact("n"); err == nil {
			t.Errorf("non-canonical or oversized %s decoded to %d", bad, n)
		}
	}
}

func TestMaxUpscale(t *testing.T) {
	cases := []struct {
		name            string
		uids, w         []uint16
		wantUids, wantW []uint16
		errIs           error
	}{
		{"already upscaled", []uint16{0, 1, 2}, []uint16{100, 65535, 32768}, []uint16{0, 1, 2}, []uint16{100, 65535, 32768}, nil},
		{"single", []uint16{5}, []uint16{3}, []uint16{5}, []uint16{65535}, nil},
		// 1/2*65535 = 32767.5 rounds half to even: 32768.
		{"half to even", []uint16{0, 1}, []uint16{1, 2}, []uint16{0, 1}, []uint16{32768, 65535}, nil},
		// 3/6*65535 = 32767.5 as well; 1/6*65535 = 10922.5 rounds to 10922.
		{"half to even low", []uint16{0, 1, 2}, []uint16{1, 3, 6}, []uint16{0, 1, 2}, []uint16{10922, 32768, 65535}, nil},
		{"zeros dropped with their uid", []uint16{9, 8, 7}, []uint16{0, 10, 0}, []uint16{8}, []uint16{65535}, nil},
		// 1/65535*65535 survives; nothing smaller than 1 exists in u16 input.
		{"smallest survives", []uint16{1, 2}, []uint16{1, 65535}, []uint16{1, 2}, []uint16{1, 65535}, nil},
		{"all zero", []uint16{1, 2}, []uint16{0, 0}, nil, nil, ErrNoWeights},
		{"empty", nil, nil, nil, nil, ErrNoWeights},
		{"mismatch", []uint16{1}, []uint16{1, 2}, nil, nil, ErrInvalidPayload},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u, w, err := MaxUpscale(c.uids, c.w)
			if c.errIs != nil {
				if !errors.Is(err, c.errIs) {
					t.Fatalf("err = %v, want %v", err, c.errIs)
				}
				return
			}
			if err != nil || !slices.Equal(u, c.wantUids) || !slices.Equal(w, c.wantW) {
				t.Fatalf("got %v %v %v, want %v %v", u, w, err, c.wantUids, c.wantW)
			}
		})
	}
}

func TestMaxUpscale_Idempotent(t *testing.T) {
	// Every u16 value next to a 65535 maximum is left unchanged, so running the
	// weights package's output through MaxUpscale again is a no-op.
	uids := []uint16{0, 1}
	for v := 1; v <= math.MaxUint16; v++ {
		_, w, err := MaxUpscale(uids, []uint16{uint16(v), math.MaxUint16})
		if err != nil || w[0] != uint16(v) {
			t.Fatalf("value %d became %v (%v)", v, w, err)
		}
	}
}

func TestNewPayload(t *testing.T) {
	if _, err := NewPayload(FormatV4, alice[:16], []uint16{1}, []uint16{1}, 0); !errors.Is(err, ErrInvalidPayload) {
		t.Errorf("16-byte hotkey: %v", err)
	}
	if _, err := NewPayload(FormatLegacy, nil, []uint16{1, 1}, []uint16{1, 1}, 0); !errors.Is(err, ErrInvalidPayload) {
		t.Errorf("duplicate uids: %v", err)
	}
	p, err := NewPayload(FormatLegacy, alice, []uint16{4, 2}, []uint16{10, 20}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if p.Hotkey != nil || !slices.Equal(p.Values, []uint16{32768, 65535}) || !slices.Equal(p.Uids, []uint16{4, 2}) {
		t.Errorf("legacy payload %+v", p)
	}
}
