package pdk_test

import (
	"fmt"

	pdk "github.com/subnetd/subnetd/pdk/go"
)

// A scorer is one function. Natively, ScoreJSON runs it on Round bytes exactly as the Wasm
// export does.
func ExampleScoreJSON() {
	availability := pdk.Scorer{Score: func(r pdk.Round) (pdk.Scores, error) {
		var s pdk.Scores
		for _, m := range r.Miners {
			if m.Status == 200 {
				s.Scores = append(s.Scores, pdk.Score{UID: m.UID, Score: 1})
			}
		}
		return s, nil
	}}
	out, err := pdk.ScoreJSON(availability, []byte(`{"abi":1,"miners":[{"uid":1,"status":200},{"uid":2,"status":408}]}`))
	fmt.Println(string(out), err)
	// Output: {"scores":[{"uid":1,"score":1}]} <nil>
}

// Float64Field reads one number from a miner's response without decoding the rest.
func ExampleFloat64Field() {
	for _, resp := range []string{`{"answer":41.5,"text":"long"}`, `{"text":"no answer"}`, `{"answer":"many"}`} {
		v, ok, err := pdk.Float64Field([]byte(resp), "answer")
		fmt.Println(v, ok, err != nil)
	}
	// Output:
	// 41.5 true false
	// 0 false false
	// 0 false true
}

// AppendJSONString and AppendJSONFloat write JSON as json.Marshal does, for a scorer's state.
func ExampleAppendJSONString() {
	b := []byte(`{"hotkey":`)
	b = pdk.AppendJSONString(b, "5Miner<1>")
	b = append(b, `,"ema":`...)
	b, err := pdk.AppendJSONFloat(b, 1e-7)
	fmt.Println(string(append(b, '}')), err)
	// Output: {"hotkey":"5Miner\u003c1\u003e","ema":1e-7} <nil>
}
