package pdk

import (
	"encoding/json"
	"testing"
)

var fieldCases = []string{
	`{"answer":1.5}`, `{"answer":-0}`, `{"answer":1e400}`, `{"answer":null}`, `{"answer":"1"}`, `{"answer":true}`, `{"answer":[1]}`,
	`{}`, `null`, ` null `, `[]`, `1`, `"x"`, ``, `{`, `{"answer":1,}`, `{"answer":1}x`,
	`{"text":"a\"b","answer":2,"more":{"answer":3}}`, `{"Answer":4}`, `{"ANSWER":4,"answer":5}`, `{"answer":5,"ANSWER":null}`,
	`{"answer":1,"answer":2}`, `{"\u0061nswer":6}`, `{"answer":7,"other":tru}`, ` { "answer" : 8 } `, `{"answer":0.1e1}`,
	`{"answers":9}`, `{"answer":12345678901234567890123}`,
}

func TestFloat64Field_sameAsEncodingJSON(t *testing.T) {
	for _, raw := range fieldCases {
		checkField(t, []byte(raw))
	}
}

func checkField(t *testing.T, raw []byte) {
	t.Helper()
	var want struct {
		Answer *float64 `json:"answer"`
	}
	wantErr := json.Unmarshal(raw, &want)
	v, ok, err := Float64Field(raw, "answer")
	if (err == nil) != (wantErr == nil) { // the texts differ in the struct type they name
		t.Fatalf("%q: error %v, encoding/json %v", raw, err, wantErr)
	}
	if err == nil && (ok != (want.Answer != nil) || ok && v != *want.Answer) {
		t.Fatalf("%q: %v %v, encoding/json %v", raw, v, ok, want.Answer)
	}
}

func TestFloat64Field_fastPath(t *testing.T) {
	for _, raw := range []string{`{"answer":1.5,"text":"miner 4 answers"}`, `{"text":"no answer"}`, `null`} {
		if _, _, done := float64Field([]byte(raw), "answer"); !done {
			t.Errorf("%s: the fast path gave up", raw)
		}
	}
}

func TestFloat64Field_badName(t *testing.T) {
	for _, name := range []string{"", "-", `a"b`, "a,b", "é"} {
		if _, _, err := Float64Field([]byte(`{}`), name); err == nil {
			t.Errorf("name %q accepted", name)
		}
	}
}

func FuzzFloat64Field(f *testing.F) {
	for _, raw := range fieldCases {
		f.Add([]byte(raw))
	}
	f.Fuzz(checkField)
}
