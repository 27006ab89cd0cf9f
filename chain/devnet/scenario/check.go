package scenario

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/subnetd/subnetd/yuma/fixed"
)

// Mismatch is one failed expectation.
type Mismatch struct {
	// Step and Field locate the expectation.
	Step  int
	Field string
	// Detail says what differed.
	Detail string
}

// String formats the mismatch for a report line.
func (m Mismatch) String() string {
	return fmt.Sprintf("step %d %s: %s", m.Step, m.Field, m.Detail)
}

// Check compares a run's lines with the scenario's expectations as
// FORMAT.md's `expected` section defines them, and returns every mismatch
// (none when the run passes). Every epoch step must have produced a line.
func (sc *Scenario) Check(lines []EpochLine) []Mismatch {
	var bad []Mismatch
	byStep := map[int]*EpochLine{}
	for i := range lines {
		byStep[lines[i].Step] = &lines[i]
	}
	for i, st := range sc.Steps {
		if st.Epoch && byStep[i] == nil {
			bad = append(bad, Mismatch{i, "", "no output line for this epoch step"})
		}
	}
	for _, e := range sc.Expected {
		l := byStep[e.Step]
		if l == nil {
			bad = append(bad, Mismatch{e.Step, e.Field, "no output line for this step"})
			continue
		}
		got, err := l.cells(e)
		if err != nil {
			bad = append(bad, Mismatch{e.Step, e.Field, err.Error()})
			continue
		}
		if len(got) != len(e.Values) {
			bad = append(bad, Mismatch{e.Step, e.Field, fmt.Sprintf("%d values expected for %d cells", len(e.Values), len(got))})
			continue
		}
		for k, want := range e.Values {
			if d := compare(got[k], want, e.Compare, e.Tolerance); d != "" {
				bad = append(bad, Mismatch{e.Step, e.Field, fmt.Sprintf("cell %d: %s", k, d)})
			}
		}
	}
	return bad
}

// cells returns the output values an expectation addresses, as uint64 or bool.
func (l *EpochLine) cells(e Expectation) ([]any, error) {
	if e.Field == "bonds" {
		out := make([]any, len(e.Entries))
		for k, rc := range e.Entries {
			if int(rc[0]) >= len(l.Bonds) {
				return nil, fmt.Errorf("bond row %d out of range (n=%d)", rc[0], l.N)
			}
			var v uint64 // a column absent from the stored row reads as 0
			for _, c := range l.Bonds[rc[0]] {
				if c[0] == rc[1] {
					v = uint64(c[1])
				}
			}
			out[k] = v
		}
		return out, nil
	}
	var vec []any
	addU16 := func(v []uint16) {
		for _, x := range v {
			vec = append(vec, uint64(x))
		}
	}
	addU64 := func(v []uint64) {
		for _, x := range v {
			vec = append(vec, x)
		}
	}
	addB := func(v []bool) {
		for _, x := range v {
			vec = append(vec, x)
		}
	}
	switch e.Field {
	case "consensus":
		addU16(l.Consensus)
	case "incentive":
		addU16(l.Incentive)
	case "dividends":
		addU16(l.Dividends)
	case "validator_trust":
		addU16(l.ValidatorTrust)
	case "stake_weight":
		addU16(l.StakeWeight)
	case "active":
		addB(l.Active)
	case "validator_permit":
		addB(l.ValidatorPermit)
	case "emission":
		addU64(l.Emission)
	case "server_emission":
		addU64(l.ServerEmission)
	case "validator_emission":
		addU64(l.ValidatorEmission)
	default:
		return nil, fmt.Errorf("unknown field %q", e.Field)
	}
	out := make([]any, len(e.UIDs))
	for k, u := range e.UIDs {
		if int(u) >= len(vec) {
			return nil, fmt.Errorf("uid %d out of range (n=%d)", u, l.N)
		}
		out[k] = vec[u]
	}
	return out, nil
}

// compare checks one cell; it returns "" when it matches.
func compare(got any, want json.RawMessage, mode string, tol json.Number) string {
	switch mode {
	case "", "exact":
		switch g := got.(type) {
		case bool:
			var w bool
			if err := json.Unmarshal(want, &w); err != nil {
				return fmt.Sprintf("want %s, got bool %v", want, g)
			}
			if w != g {
				return fmt.Sprintf("got %v, want %v", g, w)
			}
		case uint64:
			w, err := strconv.ParseUint(string(want), 10, 64)
			if err != nil {
				return fmt.Sprintf("want %s is not an unsigned integer", want)
			}
			diff := g - w
			if w > g {
				diff = w - g
			}
			if diff != 0 {
				t, _ := strconv.ParseFloat(tol.String(), 64)
				if float64(diff) > t {
					return fmt.Sprintf("got %d, want %d", g, w)
				}
			}
		}
		return ""
	case "u16_proportion":
		g, ok := got.(uint64)
		if !ok || g > 65535 {
			return fmt.Sprintf("u16_proportion on non-u16 value %v", got)
		}
		target, err := strconv.ParseFloat(string(want), 64)
		if err != nil {
			return fmt.Sprintf("want %s is not a number", want)
		}
		t, err := strconv.ParseFloat(tol.String(), 64)
		if err != nil {
			return fmt.Sprintf("tolerance %q is not a number", tol)
		}
		v := fixed.U16Proportion(uint16(g))
		w := fixed.FromFloat32(float32(target))
		d := v.Sub(w)
		if d < 0 {
			d = d.Neg()
		}
		if d > fixed.FromFloat64(t) {
			return fmt.Sprintf("got %d (%.6f), want %.6f within %v", g, v.Float64(), w.Float64(), t)
		}
		return ""
	default:
		return fmt.Sprintf("unknown compare mode %q", mode)
	}
}
