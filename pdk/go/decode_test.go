package pdk

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"testing"
)

// roundCases are Round messages the fast decoder must read exactly as encoding/json does:
// the host's canonical form, and every corner where it hands over to encoding/json.
var roundCases = []string{
	`{"abi":1,"netuid":7,"block":99,"block_hash":"0xab","block_time_ms":1700000000123,"seed":"0x00","validator":{"uid":2,"hotkey":"5V"},"challenge":{"q":1},"miners":[{"uid":4,"hotkey":"5M","stake":1.5,"status":200,"latency_ms":12.25,"response":{"a":2}}],"state":"c3RhdGUAYnl0ZXM="}`,
	`{"abi":1,"miners":[{"uid":1,"response":null,"features":{"p":null,"q":{"x":[1,2,{"y":"z"}]},"":true}},{"uid":2,"features":{}}],"challenge":null,"state":null}`,
	` { "abi" : 1 , "miners" : [ { "uid" : 3 , "response" : [ 1 , -2.5e+3 , "a\"b" , false , true , null , { } , [ ] ] } ] } `,
	`{"miners":[]}`, `{"miners":null}`, `{}`, `null`, ` null `, `{"state":""}`, `{"state":"YQ=="}`,
	`{"validator":null,"netuid":null,"block_hash":null,"challenge":[]}`,
	`{"unknown":{"deep":[1,2,3]},"abi":1,"other":"x"}`,
	// Strings needing unquoting or replacement characters.
	`{"block_hash":"a\u00e9\n\"\\\/b","seed":"é","validator":{"hotkey":"\ud83d\ude00 \ud800"}}`,
	"{\"seed\":\"\xff\xfe bad utf-8\"}",
	// Case-insensitive, duplicate and escaped keys: encoding/json's rules.
	`{"ABI":2}`, `{"Miners":[{"UID":5}]}`, `{"abi":1,"abi":2}`, `{"miners":[{"uid":1}],"miners":[{"hotkey":"h"}]}`,
	`{"\u0061bi":3}`, `{"miners":[{"uid":1,"uid":2}]}`, `{"state":"YQ==","state":null}`,
	// Numbers at and past their fields' ranges, and of the wrong kind.
	`{"netuid":65535,"block":18446744073709551615,"block_time_ms":-9223372036854775808}`,
	`{"netuid":65536}`, `{"block":18446744073709551616}`, `{"netuid":-1}`, `{"abi":1.0}`, `{"abi":1e2}`,
	`{"miners":[{"stake":1e400}]}`, `{"miners":[{"stake":-0,"latency_ms":5e-324,"status":-0}]}`,
	`{"abi":"1"}`, `{"block_hash":5}`, `{"miners":{}}`, `{"miners":[null]}`, `{"miners":[1]}`, `{"validator":[]}`,
	`{"state":"not base64!"}`, `{"state":5}`, `{"challenge":}`, `{"miners":[{"features":[]}]}`,
	// Invalid JSON.
	`{`, `{"abi":1,}`, `{,"abi":1}`, `{"abi":1 "netuid":2}`, `{"abi":01}`, `{"abi":-}`, `{"abi":1.}`, `{"abi":1e}`,
	`{"challenge":tru}`, `{"challenge":"\x"}`, "{\"challenge\":\"\x01\"}", `{"challenge":"\u12"}`, `{} {}`, `{}x`, ``, ` `,
	`[1]`, `"round"`, `{"challenge":[1,]}`, `{"challenge":{"a"}}`, `{"challenge":{"a":1,}}`,
}

func TestDecodeRound_sameAsEncodingJSON(t *testing.T) {
	for _, msg := range roundCases {
		checkDecode(t, []byte(msg))
	}
}

// checkDecode fails when decodeRound and json.Unmarshal disagree on msg.
func checkDecode(t *testing.T, msg []byte) {
	t.Helper()
	var got, want Round
	gotErr := decodeRound(msg, &got)
	wantErr := json.Unmarshal(msg, &want)
	if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
		t.Fatalf("%q: error %v, encoding/json %v", msg, gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got  %#v\n want %#v", msg, got, want)
	}
}

// The fast path really is taken on the host's messages (a fallback would pass the test above
// without speeding anything up).
func TestDecodeRound_fastPath(t *testing.T) {
	for _, msg := range roundCases[:4] {
		var r Round
		if !newDecoder([]byte(msg)).round(&r) {
			t.Errorf("%q: the fast decoder gave up", msg)
		}
	}
}

// Raw values do not alias one another: appending to one leaves the next intact.
func TestDecodeRound_rawCapped(t *testing.T) {
	var r Round
	if err := decodeRound([]byte(`{"miners":[{"response":{"a":1}},{"response":{"b":2}}]}`), &r); err != nil {
		t.Fatal(err)
	}
	_ = append(r.Miners[0].Response, "xxxxxxxx"...)
	if string(r.Miners[1].Response) != `{"b":2}` {
		t.Fatalf("second response became %s", r.Miners[1].Response)
	}
}

func FuzzDecodeRound(f *testing.F) {
	for _, msg := range roundCases {
		f.Add([]byte(msg))
	}
	f.Fuzz(checkDecode)
}

func TestEncodeScores_sameAsEncodingJSON(t *testing.T) {
	floats := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1.0 / 3, 1e-6, 9.999999e-7, 1e-7, 1.5e-10, 1e20, 1e21, 1.2345e22,
		math.MaxFloat64, math.SmallestNonzeroFloat64, 123456789.125, 5e-324, 1e-100, 2.5e-9}
	for i := range 2000 {
		floats = append(floats, math.Float64frombits(uint64(i)*0x9e3779b97f4a7c15))
	}
	cases := []Scores{{}, {Scores: []Score{}}, {State: []byte{}}, {State: []byte("state\x00\xff")}}
	for i, f := range floats {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		cases = append(cases, Scores{Scores: []Score{{UID: uint16(i), Score: f}, {UID: 65535, Score: -f}}})
	}
	cases = append(cases, Scores{Scores: []Score{{UID: 1, Score: math.NaN()}}}, Scores{Scores: []Score{{UID: 1, Score: math.Inf(-1)}}})
	for _, s := range cases {
		got, gotErr := encodeScores(s)
		want, wantErr := json.Marshal(s)
		if string(got) != string(want) || (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
			t.Fatalf("%+v: %s, %v; encoding/json %s, %v", s, got, gotErr, want, wantErr)
		}
	}
}

func FuzzEncodeScores(f *testing.F) {
	f.Add(uint16(1), 0.5, []byte("s"))
	f.Fuzz(func(t *testing.T, uid uint16, score float64, state []byte) {
		s := Scores{Scores: []Score{{UID: uid, Score: score}}, State: state}
		got, gotErr := encodeScores(s)
		want, wantErr := json.Marshal(s)
		if string(got) != string(want) || (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("%s, %v; encoding/json %s, %v (%s)", got, gotErr, want, wantErr, strconv.FormatFloat(score, 'g', -1, 64))
		}
	})
}

// floatLiterals are number literals of every kind, valid and not, with thousands drawn from a
// fixed sequence.
func floatLiterals() []string {
	lits := []string{"0", "-0", "0.0", "-0.0", "1", "-1", "0.1", "0.3", "123.456", "9007199254740993", "9007199254740992",
		"1e22", "1e23", "1e-22", "1e-23", "4.35", "1.7976931348623157e308", "2e308", "5e-324", "1e-400", "123456789012345678901",
		"0.000000000000000000001", "1E5", "1e+5", "17976931348623157e292", "1e0000000000000000000010"}
	x := uint64(1)
	for range 20000 {
		x = x*6364136223846793005 + 1442695040888963407
		mant := x >> (x % 64)
		exp := int(x>>58) - 32
		lits = append(lits, strconv.FormatUint(mant, 10)+"e"+strconv.Itoa(exp), "0."+strconv.FormatUint(mant%1e9, 10), strconv.FormatFloat(math.Float64frombits(x), 'g', -1, 64),
			strconv.FormatFloat(float64(mant%1e12)/100, 'f', -1, 64), strconv.FormatUint(mant%1e16, 10)+"."+strconv.FormatUint(x%1000, 10))
	}
	return lits
}

// The exact fast path of float gives strconv.ParseFloat's bits on every kind of literal.
func TestDecoder_float(t *testing.T) {
	for _, lit := range floatLiterals() {
		want, wantErr := strconv.ParseFloat(lit, 64)
		d := newDecoder([]byte(lit))
		n, ok := d.numberToken()
		if !ok {
			if wantErr == nil && lit[0] != 'N' && lit[0] != '+' && !math.IsInf(want, 0) {
				t.Fatalf("%s: not read as a number", lit)
			}
			continue
		}
		got, ok := d.float(n)
		if ok != (wantErr == nil) || ok && math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("%s: %v %v, ParseFloat %v %v", lit, got, ok, want, wantErr)
		}
	}
}

// plainDecimal reads what it accepts exactly as numberToken and float do (bits and end).
func TestPlainDecimal_sameAsNumberToken(t *testing.T) {
	lits := append(floatLiterals(), "", "-", "00", "01", "-01", "1.", "1.e5", ".5", "1.5.5", "12345678901234567890",
		"9007199254740993", "0.12345678901234567890123", "1.2345678901234567890", "7.5,", "7.5}", "7.5e", "-0.0", "1e5")
	accepted := 0
	for _, lit := range lits {
		checkPlainDecimal(t, lit)
		if _, _, ok := plainDecimal([]byte(lit), 0); ok {
			accepted++
		}
	}
	if accepted < len(lits)/4 {
		t.Fatalf("plainDecimal accepted only %d of %d literals", accepted, len(lits))
	}
}

func checkPlainDecimal(t *testing.T, lit string) {
	t.Helper()
	got, end, ok := plainDecimal([]byte(lit), 0)
	if !ok {
		return
	}
	d := newDecoder([]byte(lit))
	n, nok := d.numberToken()
	if !nok || n.end != end {
		t.Fatalf("%q: plainDecimal read %d bytes, numberToken %v %d", lit, end, nok, n.end)
	}
	want, wok := d.float(n)
	if !wok || math.Float64bits(got) != math.Float64bits(want) {
		t.Fatalf("%q: plainDecimal %v, float %v %v", lit, got, want, wok)
	}
}

func FuzzPlainDecimal(f *testing.F) {
	for _, lit := range []string{"0", "-1.25", "72.5", "12000", "1e5", "00"} {
		f.Add(lit)
	}
	f.Fuzz(checkPlainDecimal)
}

func TestAppendJSON_sameAsEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "5Miner000001", `a"b`, `a\b`, "<script>&", "\x00\x1f\x7f", "é\xff", "\u2028", "plain text 123"} {
		want, _ := json.Marshal(s)
		if got := AppendJSONString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Errorf("AppendJSONString(%q) = %s, want %s", s, got, want)
		}
	}
	// Every byte at every place of a hotkey-long string (the word-at-a-time scan).
	hk := []byte("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY")
	for c := range 256 {
		for i := range hk {
			s := string(hk[:i]) + string([]byte{byte(c)}) + string(hk[i+1:])
			want, _ := json.Marshal(s)
			if got := AppendJSONString(nil, s); string(got) != string(want) {
				t.Fatalf("AppendJSONString(%q) = %s, want %s", s, got, want)
			}
		}
	}
	for _, f := range []float64{0, 1, -2.5, 1e-7, 1e21, 0.1, math.NaN(), math.Inf(1)} {
		want, wantErr := json.Marshal(f)
		got, err := AppendJSONFloat(nil, f)
		if (err == nil) != (wantErr == nil) || err == nil && string(got) != string(want) {
			t.Errorf("AppendJSONFloat(%v) = %s, %v; want %s, %v", f, got, err, want, wantErr)
		}
	}
}

// minerFast reads the host's canonical miners and leaves everything else to miner.
func TestDecoder_minerFast(t *testing.T) {
	tests := []struct {
		in   string
		fast bool
	}{
		{`{"uid":7,"hotkey":"5Miner000007","stake":10.5,"status":200,"latency_ms":309,"response":{"answer":1.5,"text":"x"}}`, true},
		{`{"uid":65535,"hotkey":"","stake":0,"status":-1,"latency_ms":1e3,"response":null}`, true},
		{`{"uid":0,"hotkey":"h","stake":1,"status":0,"latency_ms":0,"response":"a"}`, true},
		{`{"uid":65536,"hotkey":"h","stake":1,"status":0,"latency_ms":0,"response":null}`, false},
		{`{"uid":01,"hotkey":"h","stake":1,"status":0,"latency_ms":0,"response":null}`, false},
		{`{"uid":1,"hotkey":"h\u0041","stake":1,"status":0,"latency_ms":0,"response":null}`, false},
		{`{"uid":1,"hotkey":"é","stake":1,"status":0,"latency_ms":0,"response":null}`, false},
		{`{"uid":1,"hotkey":"h","stake":1,"status":1.5,"latency_ms":0,"response":null}`, false},
		{`{"uid":1,"hotkey":"h","stake":1,"status":0,"latency_ms":0,"response":null,"features":{"a":1}}`, false},
		{`{"uid":1,"hotkey":"h","stake":1,"status":0,"latency_ms":0,"response":{"a":}}`, false},
		{`{"uid":1, "hotkey":"h","stake":1,"status":0,"latency_ms":0,"response":null}`, false},
		{`{"hotkey":"h","uid":1,"stake":1,"status":0,"latency_ms":0,"response":null}`, false},
	}
	for _, tc := range tests {
		d := newDecoder([]byte(tc.in))
		var m Miner
		if got := d.minerFast(&m); got != tc.fast || !got && (d.i != 0 || !reflect.DeepEqual(m, Miner{})) {
			t.Errorf("%s: fast %v (at %d, %+v), want %v", tc.in, got, d.i, m, tc.fast)
		}
		checkDecode(t, []byte(`{"miners":[`+tc.in+`]}`))
	}
}

// appendFloat writes every kind of float64 as encoding/json does, bit patterns from a fixed
// sequence included.
func TestAppendFloat_sameAsEncodingJSON(t *testing.T) {
	fs := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 0.5, 1e-6, 1e-7, 9.999999e-7, 1e20, 1e21, 999999999999999900000, 123456789012345680000,
		0.000001234, 1.5, 100, 1e15, 1e16, 12345678901234567, 0.30000000000000004, math.MaxFloat64, math.SmallestNonzeroFloat64, 5e-324, -2.5e-5}
	x := uint64(7)
	for range 100000 {
		x = x*6364136223846793005 + 1442695040888963407
		f := math.Float64frombits(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		// Every magnitude, and mostly the range of scores.
		fs = append(fs, f, math.Ldexp(float64(x>>11), -53-int(x%8)), float64(x%100000)/100, math.Ldexp(float64(x>>11), int(x%140)-90))
	}
	for _, f := range fs {
		want, _ := json.Marshal(f)
		if got := appendFloat([]byte("x"), f); string(got) != "x"+string(want) {
			t.Fatalf("appendFloat(%v) = %s, want %s", f, got, want)
		}
	}
}

func TestAppendUint16_sameAsStrconv(t *testing.T) {
	for u := range 1 << 16 {
		if got, want := appendUint16([]byte("x"), uint16(u)), strconv.AppendUint([]byte("x"), uint64(u), 10); string(got) != string(want) {
			t.Fatalf("%d: %s, want %s", u, got, want)
		}
	}
}

// le64 and putLE64 agree with encoding/binary (on this machine's build of them).
func TestLE64_sameAsBinary(t *testing.T) {
	b := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9}
	for i := range 2 {
		if got, want := le64(b[i:]), binary.LittleEndian.Uint64(b[i:]); got != want {
			t.Fatalf("le64 at %d: %#x, want %#x", i, got, want)
		}
		out := make([]byte, 9)
		putLE64(out[i:], 0x0807060504030201)
		if want := binary.LittleEndian.Uint64(out[i:]); want != 0x0807060504030201 {
			t.Fatalf("putLE64 at %d wrote % x", i, out)
		}
	}
}

func TestAppendBase64_sameAsEncodingBase64(t *testing.T) {
	src := make([]byte, 300)
	for i := range src {
		src[i] = byte(i*151 + 7)
	}
	for n := range len(src) {
		want := base64.StdEncoding.AppendEncode([]byte("x"), src[:n])
		if got := appendBase64([]byte("x"), src[:n]); string(got) != string(want) {
			t.Fatalf("%d bytes: %s, want %s", n, got, want)
		}
	}
}

// A scorer writing into a raw value changes nothing else the Round holds (strings share the
// same copy of the message).
func TestDecodeRound_rawWritesStayInside(t *testing.T) {
	msg := []byte(`{"block_hash":"0xab","challenge":{"c":1},"miners":[{"uid":1,"hotkey":"hk1","response":{"a":"xyz"},"features":{"geo":{"cc":"FR"}}},{"uid":2,"hotkey":"hk2","response":[1]}]}`)
	orig := string(msg)
	var r Round
	if err := decodeRound(msg, &r); err != nil {
		t.Fatal(err)
	}
	for _, raw := range [][]byte{r.Challenge, r.Miners[0].Response, r.Miners[0].Features["geo"], r.Miners[1].Response} {
		for i := range raw {
			raw[i] = '#'
		}
	}
	if r.BlockHash != "0xab" || r.Miners[0].Hotkey != "hk1" || r.Miners[1].Hotkey != "hk2" || r.Miners[0].Features["geo"] == nil {
		t.Fatalf("writing raw values changed the Round: %+v", r)
	}
	if string(msg) != orig {
		t.Fatal("the caller's message was written")
	}
}
