package providers

import (
	"encoding/json"
	"testing"
)

func TestCompareFeatures(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want Drift
	}{
		{`{"s": 0.5}`, `{"s":0.5}`, Drift{Exact: true, Comparable: true}},
		{`null`, ``, Drift{Exact: true, Comparable: true}},
		{`{"s":0.5,"v":[1,2]}`, `{"s":0.25,"v":[1,2.5]}`, Drift{Comparable: true, MaxDiff: 0.5}},
		{`{"s":0.5}`, `{"t":0.5}`, Drift{}},
		{`{"s":"a"}`, `{"s":"b"}`, Drift{}},
		{`[1,2]`, `[1]`, Drift{}},
		{`null`, `{"s":1}`, Drift{}},
		{`1e-7`, `2e-7`, Drift{Comparable: true, MaxDiff: 1e-7}},
	} {
		if got := CompareFeatures(json.RawMessage(tc.a), json.RawMessage(tc.b)); got != tc.want {
			t.Errorf("%s vs %s: %+v, want %+v", tc.a, tc.b, got, tc.want)
		}
	}
}
