package pdk

import (
	"encoding/json"
	"strings"
	"testing"
)

var validCases = []string{
	`null`, `true`, `false`, `0`, `-0`, `1.5e+10`, `-12.25E-3`, `"a\"\\\/\b\f\n\r\t\u00e9"`, `{}`, `[]`, ` { } `, `[ ]`,
	`{"a":1,"b":[1,2,{"c":null}],"d":{"e":"f"}}`, `[[[[]]]]`, ` {"a" : [ 1 , 2 ] } `, "\"\xff\xfe\"",
	`{`, `}`, `[`, `]`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[,1]`, `{,}`, `{"a":1 "b":2}`, `[1 2]`, `01`, `1.`, `.5`, `1e`, `1e+`,
	`-`, `+1`, `tru`, `nul`, `fals`, `"\x"`, `"\u12"`, "\"\x01\"", `"abc`, `{"a":1}}`, `[1]]`, `{1:2}`, `{"a" 1}`, `NaN`,
	`{"a" :1}`, `{ "a":1 , "b" :2}`, `{"a":1, "b":2}`, `["a","b",{"c":"d"}]`, `{"a":"x\"y","b\u0041":1}`, "{\"a\x01\":1}",
	`{"a":1,"b"}`, `{"a":1,"b":}`, `{"a":1,"b" 2}`, `{"é":"ü","ab":"\u00e9"}`, `["abcdefghijklmnop","q"]`, `{"abcdefghijklmnopq":1}`,
	strings.Repeat("[", 64) + strings.Repeat("]", 64), strings.Repeat("[", 65) + strings.Repeat("]", 65),
	strings.Repeat(`{"a":`, 64) + "1" + strings.Repeat("}", 64),
}

// scanValue agrees with json.Valid on every value it does not leave to skip (deeper than 64).
func TestScanValue_sameAsEncodingJSON(t *testing.T) {
	for _, v := range validCases {
		checkScan(t, []byte(v))
	}
}

func checkScan(t *testing.T, b []byte) {
	t.Helper()
	end, ok := scanValue(b, 0)
	if ok {
		for end < len(b) && (b[end] == ' ' || b[end] == '\t' || b[end] == '\n' || b[end] == '\r') {
			end++
		}
		ok = end == len(b)
	}
	want := json.Valid(b)
	if ok != want && !(want && strings.Count(string(b), "[")+strings.Count(string(b), "{") > 64) {
		t.Fatalf("%q: scanValue %v, json.Valid %v", b, ok, want)
	}
	// The recursive skip, which scanValue replaces, agrees too.
	d := newDecoder(b)
	if got := d.skip(0) && d.end(); got != want && len(b) < 500 {
		t.Fatalf("%q: skip %v, json.Valid %v", b, got, want)
	}
}

func FuzzScanValue(f *testing.F) {
	for _, v := range validCases {
		f.Add([]byte(v))
	}
	f.Fuzz(checkScan)
}
