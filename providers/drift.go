package providers

import (
	"bytes"
	"encoding/json"
	"math"
)

// Drift says how far a recomputed feature value is from the recorded one.
type Drift struct {
	// Exact: the two are the same JSON value (compared compactly, byte for byte).
	Exact bool `json:"exact"`
	// Comparable: the two have the same shape (objects with the same keys, arrays of the same
	// length, the same kinds of leaves) and differ only in numbers; MaxDiff is then meaningful.
	Comparable bool `json:"comparable"`
	// MaxDiff is the largest absolute difference between corresponding numbers (0 when Exact).
	MaxDiff float64 `json:"max_diff"`
}

// CompareFeatures compares a recorded feature value with a recomputed one.
func CompareFeatures(recorded, recomputed json.RawMessage) Drift {
	var a, b bytes.Buffer
	if json.Compact(&a, orNull(recorded)) == nil && json.Compact(&b, orNull(recomputed)) == nil && bytes.Equal(a.Bytes(), b.Bytes()) {
		return Drift{Exact: true, Comparable: true}
	}
	var x, y any
	dx := json.NewDecoder(bytes.NewReader(orNull(recorded)))
	dx.UseNumber()
	dy := json.NewDecoder(bytes.NewReader(orNull(recomputed)))
	dy.UseNumber()
	if dx.Decode(&x) != nil || dy.Decode(&y) != nil {
		return Drift{}
	}
	d, ok := maxDiff(x, y)
	if !ok {
		return Drift{}
	}
	return Drift{Comparable: true, MaxDiff: d}
}

func orNull(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	return b
}

// maxDiff walks two decoded values of the same shape and returns the largest numeric
// difference; ok is false when the shapes or non-numeric leaves differ.
func maxDiff(x, y any) (float64, bool) {
	switch a := x.(type) {
	case json.Number:
		b, ok := y.(json.Number)
		if !ok {
			return 0, false
		}
		fa, ea := a.Float64()
		fb, eb := b.Float64()
		if ea != nil || eb != nil {
			return 0, false
		}
		return math.Abs(fa - fb), true
	case map[string]any:
		b, ok := y.(map[string]any)
		if !ok || len(a) != len(b) {
			return 0, false
		}
		m := 0.0
		for k, va := range a {
			vb, ok := b[k]
			if !ok {
				return 0, false
			}
			d, ok := maxDiff(va, vb)
			if !ok {
				return 0, false
			}
			m = max(m, d)
		}
		return m, true
	case []any:
		b, ok := y.([]any)
		if !ok || len(a) != len(b) {
			return 0, false
		}
		m := 0.0
		for i := range a {
			d, ok := maxDiff(a[i], b[i])
			if !ok {
				return 0, false
			}
			m = max(m, d)
		}
		return m, true
	default: // strings, booleans, null: equal or not comparable
		return 0, x == y
	}
}
