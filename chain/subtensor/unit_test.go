package subtensor

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/centrifuge/go-substrate-rpc-client/v4/types"
	"golang.org/x/crypto/blake2b"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/chain/subtensor/internal/rpc"

	"github.com/subnetd/subnetd/internal/scale"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(strings.TrimPrefix(s, "0x"), " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRuntimeMeta_EncodeCall(t *testing.T) {
	rm := testMeta()
	var h [32]byte
	for i := range h {
		h[i] = 0x11
	}
	tests := []struct {
		call string
		args []any
		want string
	}{
		// The first is what polkadot.js encodes for the same call (chain-harness setup log).
		{"set_weights", []any{uint64(2), []uint16{0, 1, 2}, []uint16{65535, 32768, 100}, uint64(0)},
			"0700 0200 0c 0000 0100 0200 0c ffff 0080 6400 0000000000000000"},
		{"commit_weights", []any{uint64(2), h}, "0760 0200" + strings.Repeat("11", 32)},
		{"reveal_weights", []any{uint64(2), []uint16{1}, []uint16{65535}, []uint16{7, 8}, uint64(5)},
			"0761 0200 04 0100 04 ffff 08 0700 0800 0500000000000000"},
		{"set_mechanism_weights", []any{uint64(2), uint64(1), []uint16{3}, []uint16{9}, uint64(1)},
			"0777 0200 01 04 0300 04 0900 0100000000000000"},
		{"commit_crv3_weights", []any{uint64(2), []byte{0xaa, 0xbb}, uint64(12345)}, "0763 0200 08 aabb 3930000000000000"},
		{"commit_timelocked_weights", []any{uint64(2), []byte{0xaa}, uint64(7), uint64(4)}, "0771 0200 04 aa 0700000000000000 0400"},
	}
	for _, tt := range tests {
		t.Run(tt.call, func(t *testing.T) {
			got, err := rm.encodeCall("SubtensorModule", tt.call, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			if want := unhex(t, tt.want); !bytes.Equal(got, want) {
				t.Fatalf("encoded %x, want %x", got, want)
			}
		})
	}
	for _, bad := range []struct {
		call string
		args []any
	}{
		{"set_weights", []any{uint64(70000), []uint16{0}, []uint16{1}, uint64(0)}}, // netuid overflows u16
		{"set_weights", []any{uint64(2), []uint16{0}, []uint16{1}}},                // missing argument
		{"commit_weights", []any{uint64(2), []byte{1, 2}}},                         // not an H256
		{"no_such_call", nil},
	} {
		if _, err := rm.encodeCall("SubtensorModule", bad.call, bad.args...); err == nil {
			t.Errorf("%s%v: no error", bad.call, bad.args)
		}
	}
	if _, err := rm.encodeCall("SubtensorModule", "no_such_call"); !errors.Is(err, chain.ErrNotAvailable) {
		t.Errorf("missing call: %v, want ErrNotAvailable", err)
	}
}

func TestMortalEra(t *testing.T) {
	tests := []struct {
		period, current uint64
		want            string
		birth           uint64
	}{
		{64, 42, "a502", 42},                // Era::mortal(64, 42): phase 42, period 2^6
		{32768, 20000, "4e9c", 20000},       // polkadot.js's ExtrinsicEra test vector [0x4e, 0x9c]
		{1000000, 1000001, "4f42", 1000000}, // clamped to 65536, phase 16961 quantised to 16960 (factor 16)
		{1, 10, "2100", 10},                 // period rounds up to 4, phase 2
		{64, 0, "0500", 0},
	}
	for _, tt := range tests {
		enc, birth := MortalEra(tt.period, tt.current)
		if hex.EncodeToString(enc[:]) != tt.want || birth != tt.birth {
			t.Errorf("MortalEra(%d, %d) = %x, birth %d; want %s, birth %d", tt.period, tt.current, enc, birth, tt.want, tt.birth)
		}
	}
}

func testParams() txParams {
	p := txParams{specVersion: 300, txVersion: 1, nonce: 69, era: [2]byte{0xa5, 0x02}}
	for i := range p.genesis {
		p.genesis[i] = 0x45
		p.eraBirth[i] = 0x77
	}
	return p
}

func TestRuntimeMeta_EncodeExtensions(t *testing.T) {
	wantExtra := "a502 1501 00 00"                                                                     // era, Compact(nonce 69), Compact(tip 0), Mode::Disabled
	wantAdditional := "2c010000 01000000" + strings.Repeat("45", 32) + strings.Repeat("77", 32) + "00" // spec, tx, genesis, era birth, no metadata hash
	for name, exts := range map[string]func() []types.SignedExtensionMetadataV14{"spec 300": spec300Extensions, "newer": newerExtensions} {
		t.Run(name, func(t *testing.T) {
			rm := testMeta()
			rm.extensions = exts()
			extra, additional, err := rm.encodeExtensions(testParams())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(extra, unhex(t, wantExtra)) || !bytes.Equal(additional, unhex(t, wantAdditional)) {
				t.Fatalf("extra %x additional %x", extra, additional)
			}
		})
	}
	t.Run("unknown extension with data", func(t *testing.T) {
		rm := testMeta()
		rm.extensions = append(spec300Extensions(), ext("ChargeAssetTxPayment", tAssetTx, tUnit))
		_, _, err := rm.encodeExtensions(testParams())
		if !errors.Is(err, chain.ErrNotAvailable) || !strings.Contains(err.Error(), "ChargeAssetTxPayment") {
			t.Fatalf("err = %v, want ErrNotAvailable naming the extension", err)
		}
	})
	t.Run("known name, unexpected shape", func(t *testing.T) {
		rm := testMeta()
		rm.extensions = append(spec300Extensions(), ext("CheckSpecVersion", tEmpty, tU64))
		if _, _, err := rm.encodeExtensions(testParams()); !errors.Is(err, chain.ErrNotAvailable) {
			t.Fatalf("err = %v", err)
		}
	})
}

// recordingSigner returns a fixed signature and remembers what it signed.
type recordingSigner struct {
	pub    [32]byte
	signed []byte
}

func (s *recordingSigner) PublicKey() [32]byte { return s.pub }
func (s *recordingSigner) Sign(msg []byte) ([]byte, error) {
	s.signed = append([]byte(nil), msg...)
	return bytes.Repeat([]byte{0xee}, 64), nil
}

func TestRuntimeMeta_SignedExtrinsic(t *testing.T) {
	rm := testMeta()
	call := unhex(t, "070002000c0000010002000cffff008064000000000000000000")
	s := &recordingSigner{pub: [32]byte{1, 2, 3}}
	xt, hash, err := rm.signedExtrinsic(call, testParams(), s)
	if err != nil {
		t.Fatal(err)
	}
	extra, additional, _ := rm.encodeExtensions(testParams())
	if want := append(append(append([]byte{}, call...), extra...), additional...); !bytes.Equal(s.signed, want) {
		t.Fatalf("signed payload %x, want call‖extra‖additional %x", s.signed, want)
	}
	body := append([]byte{0x84, 0x00}, s.pub[:]...)
	body = append(append(body, 0x01), bytes.Repeat([]byte{0xee}, 64)...)
	body = append(append(body, extra...), call...)
	want := append(scale.AppendCompact(nil, uint64(len(body))), body...)
	if !bytes.Equal(xt, want) {
		t.Fatalf("extrinsic %x, want %x", xt, want)
	}
	if hash != blake2b.Sum256(xt) {
		t.Fatal("hash is not blake2-256 of the encoded extrinsic")
	}

	// A payload longer than 256 bytes is signed as its blake2-256 hash.
	long := append(append([]byte{}, call[:2]...), bytes.Repeat([]byte{0}, 300)...)
	if _, _, err := rm.signedExtrinsic(long, testParams(), s); err != nil {
		t.Fatal(err)
	}
	full := append(append(append([]byte{}, long...), extra...), additional...)
	if sum := blake2b.Sum256(full); !bytes.Equal(s.signed, sum[:]) {
		t.Fatalf("long payload: signed %d bytes, want its 32-byte hash", len(s.signed))
	}

	rm.extVersion = 5
	if _, _, err := rm.signedExtrinsic(call, testParams(), s); !errors.Is(err, chain.ErrNotAvailable) {
		t.Fatalf("extrinsic v5: %v", err)
	}
}

func TestRuntimeMeta_StorageKey(t *testing.T) {
	rm := testMeta()
	alice := unhex(t, "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")
	for _, tt := range []struct {
		pallet, item string
		keys         [][]byte
		want         string
	}{
		// Well-known keys of every Substrate chain.
		{"System", "Events", nil, "26aa394eea5630e07c48ae0c9558cef780d41e5e16056765bc8461851072c9d7"},
		{"System", "Account", [][]byte{alice}, "26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9" +
			"de1e86a9a8c739864cf3cc5ec2bea59f" + hex.EncodeToString(alice)},
	} {
		k, _, err := rm.storageKey(tt.pallet, tt.item, tt.keys...)
		if err != nil || hex.EncodeToString(k) != tt.want {
			t.Errorf("%s.%s key = %x, %v; want %s", tt.pallet, tt.item, k, err, tt.want)
		}
	}
	k, _, err := rm.storageKey("SubtensorModule", "Weights", u16Key(2), u16Key(0))
	if err != nil || !strings.HasSuffix(hex.EncodeToString(k), "02000000") {
		t.Errorf("Weights(2, 0) = %x, %v: want the identity-hashed keys at the end", k, err)
	}
	if _, _, err := rm.storageKey("SubtensorModule", "Weights", u16Key(2), u16Key(0), u16Key(1)); err == nil {
		t.Error("three keys for a double map")
	}
	if _, _, err := rm.storageKey("SubtensorModule", "Nope"); err == nil {
		t.Error("missing item")
	}
}

func TestRuntimeMeta_DecodeType(t *testing.T) {
	rm := testMeta()
	r := &reader{b: unhex(t, "0c 0000ffff 0100 0080 0200 6400")}
	v, err := rm.decodeType(r, tVecPair, 0)
	if err != nil || r.done() != nil {
		t.Fatal(err, r.done())
	}
	pairs, err := asPairs(v)
	want := []chain.UIDValue{{UID: 0, Value: 65535}, {UID: 1, Value: 32768}, {UID: 2, Value: 100}}
	if err != nil || len(pairs) != 3 || pairs[0] != want[0] || pairs[1] != want[1] || pairs[2] != want[2] {
		t.Fatalf("pairs = %v, %v", pairs, err)
	}
	for _, bad := range []string{"0c 0000ffff", "ff", "fdffffff"} { // truncated, bad compact, absurd length
		if _, err := rm.decodeType(&reader{b: unhex(t, bad)}, tVecPair, 0); err == nil {
			t.Errorf("decoded %s", bad)
		}
	}
}

func TestRuntimeMeta_ApplyResultError(t *testing.T) {
	rm := testMeta()
	for _, tt := range []struct {
		hex  string
		want error
	}{
		// Dry-run answers seen on the harness chain.
		{"000103071d000000", chain.ErrSettingWeightsTooFast},
		{"0001030736000000", chain.ErrCommitRevealEnabled},
		{"010006", errBlockFull},
		{"01000706", chain.ErrSettingWeightsTooFast},
		{"01000711", chain.ErrRevealTooEarly},
		{"010004", chain.ErrBadSignature},
		{"010003", chain.ErrStaleNonce},
		{"010002", errFutureNonce},
		{"010100", chain.ErrInvalidTransaction},
		{"000102", nil}, // BadOrigin: a dispatch error without a sentinel
	} {
		err := rm.applyResultError(unhex(t, tt.hex), false)
		if tt.want == nil {
			var de *chain.DispatchError
			if !errors.As(err, &de) || de.Name != "BadOrigin" {
				t.Errorf("%s: %v, want BadOrigin", tt.hex, err)
			}
			continue
		}
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.hex, err, tt.want)
		}
	}
	if err := rm.applyResultError(unhex(t, "0000"), false); err != nil {
		t.Errorf("Ok(Ok(())) = %v", err)
	}
	if err := rm.applyResultError(unhex(t, "000103099900000"+"0"), false); err == nil || !strings.Contains(err.Error(), "Module(9)") {
		t.Errorf("unknown pallet: %v", err)
	}
}

func TestDecodeSubmitError(t *testing.T) {
	for _, tt := range []struct {
		code     int
		msg      string
		data     string
		isCommit bool
		want     error
	}{
		// chopsticks puts the validity error in the message.
		{1010, `{"invalid":{"custom":6}}`, "", false, chain.ErrSettingWeightsTooFast},
		{1010, `{"invalid":{"custom":6}}`, "", true, chain.ErrCommittingWeightsTooFast},
		{1010, `{"invalid":{"badProof":null}}`, "", false, chain.ErrBadSignature},
		{1010, `{"invalid":{"exhaustsResources":null}}`, "", false, errBlockFull},
		{1010, `{"invalid":{"stale":null}}`, "", false, chain.ErrStaleNonce},
		// A Substrate node puts it in data.
		{1010, "Invalid Transaction", `"Custom error: 17"`, false, chain.ErrRevealTooEarly},
		{1010, "Invalid Transaction", `"Transaction has a bad signature"`, false, chain.ErrBadSignature},
		{1014, "Priority is too low: (0 vs 0)", "", false, chain.ErrPriorityTooLow},
		{1010, "Invalid Transaction", `"Transaction call is not expected"`, false, chain.ErrInvalidTransaction},
	} {
		e := &rpc.Error{Code: tt.code, Message: tt.msg}
		if tt.data != "" {
			e.Data = json.RawMessage(tt.data)
		}
		if err := decodeSubmitError(e, tt.isCommit); !errors.Is(err, tt.want) {
			t.Errorf("%d %s %s: %v, want %v", tt.code, tt.msg, tt.data, err, tt.want)
		}
	}
}
