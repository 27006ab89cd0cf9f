package dendrite

import (
	"crypto/sha3"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// The expected strings below were produced by CPython 3 itself: print(repr(str(json.loads(IN)))).
func TestPyStr(t *testing.T) {
	tests := []struct{ in, want string }{
		{`"hello"`, `hello`},
		{`[1, 2.5, "a", true, null]`, `[1, 2.5, 'a', True, None]`},
		{`{"b": [0.1, 1e-05, 1e16, 3.0], "a": "it's"}`, `{'b': [0.1, 1e-05, 1e+16, 3.0], 'a': "it's"}`},
		{`1e22`, `1e+22`},
		{`-0.0`, `-0.0`},
		{`-0`, `0`},
		{`0.0001`, `0.0001`},
		{`123456789012345678`, `123456789012345678`},
		{`[1.5e300, 2.2250738585072014e-308, 1e15, 123456.789]`, `[1.5e+300, 2.2250738585072014e-308, 1000000000000000.0, 123456.789]`},
		{`[9.9e-05, 0.0001, 1234567890123456.7, 12345678901234567.0, 1e16, 9999999999999998.0, 0.1, 100.0, 5e-324]`,
			`[9.9e-05, 0.0001, 1234567890123456.8, 1.2345678901234568e+16, 1e+16, 9999999999999998.0, 0.1, 100.0, 5e-324]`},
		{`"caf\u00e9 \u0000\n\t\u200b\ud83d\ude00"`, "café \x00\n\t\u200b😀"},
		{`["\"q\"", "x'y\"z", "back\\slash", "\u007f\u0085\u00a0"]`, `['"q"', 'x\'y"z', 'back\\slash', '\x7f\x85\xa0']`},
		{`["\u200b", "\u00e9", "\u2028", "\ud83d\ude00", "\u0301"]`, `['\u200b', 'é', '\u2028', '😀', '́']`},
		{`false`, `False`},
		{`{}`, `{}`},
		{`[]`, `[]`},
		{`[[], {}, [[1]]]`, `[[], {}, [[1]]]`},
	}
	for _, tt := range tests {
		got, err := PyStr([]byte(tt.in))
		if err != nil {
			t.Errorf("PyStr(%s): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("PyStr(%s)\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

func TestPyStr_errors(t *testing.T) {
	for _, in := range []string{``, `[1,`, `{"a":}`, `1 2`, `nul`} {
		if _, err := PyStr([]byte(in)); err == nil {
			t.Errorf("PyStr(%q) accepted invalid JSON", in)
		}
	}
}

func TestBodyHash(t *testing.T) {
	body := []byte(`{"task":"sum","numbers":[1,2.5,-3],"flag":true,"missing":null,"id":"x"}`)
	fields := []string{"numbers", "flag", "missing", "id"}
	// Derived by hand from the documented algorithm: the per-field strings are Python's str() of each
	// value, "[1, 2.5, -3]", "True", "None" and "x"; each is hashed with sha3-256, the hex digests are
	// concatenated and hashed again. (CPython computes the same: ef19f071…49cd.)
	var cat string
	for _, s := range []string{"[1, 2.5, -3]", "True", "None", "x"} {
		d := sha3.Sum256([]byte(s))
		cat += hex.EncodeToString(d[:])
	}
	d := sha3.Sum256([]byte(cat))
	manual := hex.EncodeToString(d[:])
	const fromPython = "ef19f071f8a31d0d23aa851d66bdaf7532c15aa06829cc80358d26786c2749cd"
	if manual != fromPython {
		t.Fatalf("hand derivation %s disagrees with CPython %s", manual, fromPython)
	}
	got, err := BodyHash(body, fields)
	if err != nil {
		t.Fatal(err)
	}
	if got != fromPython {
		t.Fatalf("BodyHash = %s, want %s", got, fromPython)
	}
	// A field absent from the body hashes as None, like an optional pydantic field left at default.
	absent, err := BodyHash([]byte(`{"numbers":[1,2.5,-3],"flag":true,"id":"x"}`), fields)
	if err != nil || absent != fromPython {
		t.Fatalf("absent field hash = %s, %v", absent, err)
	}
	// No required fields: the constant sha3_256("").
	empty, err := BodyHash(body, nil)
	e := sha3.Sum256(nil)
	if err != nil || empty != EmptyBodyHash || EmptyBodyHash != hex.EncodeToString(e[:]) {
		t.Fatalf("empty hash = %s", empty)
	}
	if _, err := BodyHash([]byte(`[1]`), fields); !errors.Is(err, ErrBodyHash) {
		t.Fatalf("non-object body: %v", err)
	}
}

func TestSignatureMessage(t *testing.T) {
	got := SignatureMessage(1732536000123456789, "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
		"5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty", "0f6b2a1e-ab12-11ef-9d6e-0242ac120002", EmptyBodyHash)
	want := "1732536000123456789.5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY.5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty." +
		"0f6b2a1e-ab12-11ef-9d6e-0242ac120002.a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"
	if got != want {
		t.Fatalf("SignatureMessage = %s", got)
	}
	if got := AxonSignatureMessage(7, "5Grw", "5FHn", "u"); got != "7.5Grw.5FHn.u" {
		t.Fatalf("AxonSignatureMessage = %s", got)
	}
}

func TestEmptyInputObj(t *testing.T) {
	tests := []struct{ in, want string }{
		{`"abc"`, `""`}, {`12`, `0`}, {`1.5`, `0.0`}, {`[1]`, `[]`}, {`{"a":1}`, `{}`}, {`true`, `false`},
	}
	for _, tt := range tests {
		got, ok := emptyInputObj([]byte(tt.in))
		if !ok {
			t.Errorf("%s: no header", tt.in)
			continue
		}
		b := make([]byte, 16)
		n, _ := decodeB64(got, b)
		if string(b[:n]) != tt.want {
			t.Errorf("emptyInputObj(%s) decodes to %s, want %s", tt.in, b[:n], tt.want)
		}
	}
	if _, ok := emptyInputObj([]byte(`null`)); ok {
		t.Error("null got a header")
	}
}

func decodeB64(s string, dst []byte) (int, error) {
	return base64.StdEncoding.Decode(dst, []byte(s))
}

func TestPyStr_deepNesting(t *testing.T) {
	deep := strings.Repeat("[", 200000) + strings.Repeat("]", 200000)
	if _, err := PyStr([]byte(deep)); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Fatalf("err = %v", err)
	}
	if _, err := BodyHash([]byte(`{"a":`+deep+`}`), []string{"a"}); err == nil {
		t.Fatal("deeply nested body hashed")
	}
}
