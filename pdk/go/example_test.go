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
