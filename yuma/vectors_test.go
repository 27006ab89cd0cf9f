package yuma

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/subnetd/subnetd/internal/testvectors"
	"github.com/subnetd/subnetd/yuma/fixed"
)

// The vectors in math_unit_tests.json come from subtensor's math tests. Test
// literals there are f32 (vec_to_fixed / fixed()), so inputs go through
// float32 here too.

func loadMathVectors(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(testvectors.Path(t, "yuma/math_unit_tests.json"))
	if err != nil {
		t.Skipf("math_unit_tests.json: %v", err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func section(t *testing.T, m map[string]json.RawMessage, key string, v any) {
	t.Helper()
	raw, ok := m[key]
	if !ok {
		t.Fatalf("math_unit_tests.json has no %q", key)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", key, err)
	}
}

// fxOf reads a vector value: a JSON number is an f32 literal; strings are
// "fixed(x)", "I32F32::MAX"/"MIN", or an integer.
func fxOf(t *testing.T, v any) fixed.I32F32 {
	t.Helper()
	switch x := v.(type) {
	case float64:
		return fixed.FromFloat32(float32(x))
	case string:
		switch {
		case x == "I32F32::MAX":
			return fixed.MaxI32F32
		case x == "I32F32::MIN":
			return fixed.MinI32F32
		case strings.HasPrefix(x, "fixed(") && strings.HasSuffix(x, ")"):
			f, err := strconv.ParseFloat(x[6:len(x)-1], 32)
			if err != nil {
				t.Fatal(err)
			}
			return fixed.FromFloat32(float32(f))
		default:
			i, err := strconv.ParseInt(x, 10, 64)
			if err != nil {
				t.Fatalf("unknown vector value %q", x)
			}
			return fixed.FromInt(i)
		}
	}
	t.Fatalf("unknown vector value %v", v)
	return 0
}

func fxVec(t *testing.T, v any) []fixed.I32F32 {
	t.Helper()
	if s, ok := v.(string); ok && strings.HasPrefix(s, "normalize([") {
		inner := s[len("normalize(["):strings.Index(s, "])")]
		var out []fixed.I32F32
		for _, p := range strings.Split(inner, ",") {
			f, err := strconv.ParseFloat(strings.TrimSpace(p), 32)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fixed.FromFloat32(float32(f)))
		}
		normalize(out)
		return out
	}
	list, ok := v.([]any)
	if !ok {
		t.Fatalf("not a list: %v", v)
	}
	out := make([]fixed.I32F32, len(list))
	for i, x := range list {
		out[i] = fxOf(t, x)
	}
	return out
}

// sparseOf is vec_to_sparse_mat_fixed(v, rows, false): row-major, entries <= 0 omitted.
func sparseOf(v []fixed.I32F32, rows int) sparse {
	m := make(sparse, rows)
	if rows == 0 {
		return m
	}
	cols := len(v) / rows
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			if x := v[r*cols+c]; x > 0 {
				m[r] = append(m[r], entry{uint16(c), x})
			}
		}
	}
	return m
}

// denseAsSparse keeps every entry (zeros included), which makes the sparse
// EMA evaluate its per-cell formula at every column like the dense one.
func denseAsSparse(v []fixed.I32F32, rows int) sparse {
	m := make(sparse, rows)
	cols := len(v) / rows
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			m[r] = append(m[r], entry{uint16(c), v[r*cols+c]})
		}
	}
	return m
}

func TestWeightedMedian_Vectors(t *testing.T) {
	var sec struct {
		Cases []struct {
			Stake    any     `json:"stake"`
			Score    any     `json:"score"`
			Majority float64 `json:"majority"`
			Expected any     `json:"expected"`
		} `json:"cases"`
	}
	section(t, loadMathVectors(t), "weighted_median", &sec)
	if len(sec.Cases) == 0 {
		t.Fatal("no cases")
	}
	for i, c := range sec.Cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			stake, score := fxVec(t, c.Stake), fxVec(t, c.Score)
			minority := fixed.One - fixed.FromFloat32(float32(c.Majority))
			want := fxOf(t, c.Expected)
			if e, ok := c.Expected.(float64); ok && (e == 0 || e == 1) {
				want = fixed.FromInt(int64(e))
			}
			part := make([]int, len(stake))
			for k := range part {
				part[k] = k
			}
			var s medianScratch
			got := weightedMedian(stake, score, part, minority, 0, sum(stake), &s)
			if got != want {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	}
}

func TestWeightedMedianCols_Vectors(t *testing.T) {
	var sec struct {
		Cases []map[string]any `json:"cases"`
	}
	section(t, loadMathVectors(t), "weighted_median_col", &sec)
	for i, c := range sec.Cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			stake := fxVec(t, c["stake"])
			cols := int(c["sparse_columns"].(float64))
			var w sparse
			switch {
			case c["W_rows2"] != nil:
				w = sparseOf(fxVec(t, c["W_rows2"]), 2)
			case c["W_rows4"] != nil:
				w = sparseOf(fxVec(t, c["W_rows4"]), 4)
			default:
				w = sparse{nil} // [[]]
			}
			want := fxVec(t, c["expected"])
			got := weightedMedianCols(stake, w, nil, cols, fixed.FromFloat32(float32(c["majority"].(float64))), 1)
			if fmt.Sprint(got) != fmt.Sprint(want) || len(got) != len(want) {
				t.Fatalf("got %v, want %v", got, want)
			}
			for k := range got {
				if got[k] != want[k] {
					t.Fatalf("column %d: got raw %d, want raw %d", k, got[k], want[k])
				}
			}
		})
	}
}

type emaCase struct {
	Old      []float64 `json:"old"`
	New      []float64 `json:"new"`
	Alpha    *float64  `json:"alpha_all"`
	Expected []float64 `json:"expected"`
}

func f32s(v []float64) []fixed.I32F32 {
	out := make([]fixed.I32F32, len(v))
	for i, x := range v {
		out[i] = fixed.FromFloat32(float32(x))
	}
	return out
}

// denseOf reads a sparse result densely over rows x cols.
func denseOf(m sparse, rows, cols int) []fixed.I32F32 {
	out := make([]fixed.I32F32, rows*cols)
	for r, row := range m {
		for _, e := range row {
			out[r*cols+int(e.col)] = e.val
		}
	}
	return out
}

func TestMatEMAAlpha_DenseVectors(t *testing.T) {
	var sec struct {
		Cases []emaCase `json:"cases"`
	}
	section(t, loadMathVectors(t), "mat_ema_alpha_dense", &sec)
	eps := fixed.FromFloat64(1e-4)
	for i, c := range sec.Cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			a := fixed.FromFloat32(float32(*c.Alpha))
			got := matEMAAlphaFn(denseAsSparse(f32s(c.New), 4), denseAsSparse(f32s(c.Old), 4), 3, nil,
				func(uint16, fixed.I32F32, fixed.I32F32) fixed.I32F32 { return a })
			compareDense(t, denseOf(got, 4, 3), f32s(c.Expected), eps)
		})
	}
}

func TestMatEMAAlpha_SparseVectors(t *testing.T) {
	var sec struct {
		Cases []emaCase `json:"cases"`
	}
	section(t, loadMathVectors(t), "mat_ema_alpha_sparse", &sec)
	a := fixed.FromFloat32(0.1)
	for i, c := range sec.Cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			eps := fixed.FromFloat64(1e-4)
			if i == len(sec.Cases)-1 {
				eps = fixed.FromFloat64(1e-1)
			}
			got := matEMAAlphaFn(sparseOf(f32s(c.New), 4), sparseOf(f32s(c.Old), 4), 3, nil,
				func(uint16, fixed.I32F32, fixed.I32F32) fixed.I32F32 { return a })
			want := sparseOf(f32s(c.Expected), 4)
			for r := range want {
				if len(got[r]) != len(want[r]) {
					t.Fatalf("row %d: %d entries, want %d (%v vs %v)", r, len(got[r]), len(want[r]), got[r], want[r])
				}
				for k := range want[r] {
					if got[r][k].col != want[r][k].col {
						t.Fatalf("row %d entry %d: column %d, want %d", r, k, got[r][k].col, want[r][k].col)
					}
				}
			}
			compareDense(t, denseOf(got, 4, 3), denseOf(want, 4, 3), eps)
		})
	}
}

func compareDense(t *testing.T, got, want []fixed.I32F32, eps fixed.I32F32) {
	t.Helper()
	for k := range want {
		d := got[k].Sub(want[k])
		if d < 0 {
			d = -d
		}
		if d > eps {
			t.Errorf("cell %d: got %v, want %v (eps %v)", k, got[k], want[k], eps)
		}
	}
}

func TestMaxUpscale_Vectors(t *testing.T) {
	var sec struct {
		Cases []struct {
			InF32    []float64 `json:"in_f32"`
			InInt    []int64   `json:"in_int"`
			In       []string  `json:"in"`
			Expected []uint16  `json:"expected"`
		} `json:"cases"`
	}
	section(t, loadMathVectors(t), "vec_max_upscale_to_u16", &sec)
	for i, c := range sec.Cases {
		var in []fixed.I32F32
		switch {
		case c.InF32 != nil:
			in = f32s(c.InF32)
		case c.InInt != nil:
			for _, x := range c.InInt {
				in = append(in, fixed.FromInt(x))
			}
		default:
			for _, x := range c.In {
				in = append(in, fxOf(t, x))
			}
		}
		if got := MaxUpscale(in); fmt.Sprint(got) != fmt.Sprint(c.Expected) {
			t.Errorf("case %d: MaxUpscale(%v) = %v, want %v", i, in, got, c.Expected)
		}
	}
}

func TestMaxUpscaleU16_Vectors(t *testing.T) {
	var sec struct {
		Cases []struct {
			In       []uint16 `json:"in"`
			Expected []uint16 `json:"expected"`
		} `json:"cases"`
	}
	section(t, loadMathVectors(t), "vec_u16_max_upscale_to_u16", &sec)
	for i, c := range sec.Cases {
		if got := MaxUpscaleU16(c.In); fmt.Sprint(got) != fmt.Sprint(c.Expected) {
			t.Errorf("case %d: MaxUpscaleU16(%v) = %v, want %v", i, c.In, got, c.Expected)
		}
	}
}

func TestSigmoidSafe_Vectors(t *testing.T) {
	var sec struct {
		InputsTrust []any `json:"inputs_trust"`
		Cases       []struct {
			Rho      any       `json:"rho"`
			Kappa    any       `json:"kappa"`
			TrustF32 []float64 `json:"trust_f32"`
			ExpF32   []float64 `json:"expected_f32_literals"`
			ExpF64   []float64 `json:"expected_f64_literals"`
		} `json:"cases"`
	}
	section(t, loadMathVectors(t), "sigmoid_safe_and_exp_safe", &sec)
	// inputs_trust: 0.4/0.5/0.6 are I32F32::from_num(f64 literal).
	var trust []fixed.I32F32
	for _, v := range sec.InputsTrust {
		if f, ok := v.(float64); ok {
			trust = append(trust, fixed.FromFloat64(f))
		} else {
			trust = append(trust, fxOf(t, v))
		}
	}
	param := func(v any) fixed.I32F32 {
		if f, ok := v.(float64); ok {
			return fixed.FromFloat64(f) // I32F32::from_num(30) / from_num(0.5)
		}
		return fxOf(t, v)
	}
	if len(sec.Cases) == 0 {
		t.Fatal("no cases")
	}
	for i, c := range sec.Cases {
		in := trust
		if c.TrustF32 != nil {
			in = f32s(c.TrustF32)
		}
		want := f32s(c.ExpF32)
		if c.ExpF64 != nil {
			want = nil
			for _, f := range c.ExpF64 {
				want = append(want, fixed.FromFloat64(f))
			}
		}
		if len(want) != len(in) {
			t.Fatalf("case %d: %d inputs, %d targets", i, len(in), len(want))
		}
		rho, kappa := param(c.Rho), param(c.Kappa)
		for k := range in {
			if got := fixed.SigmoidSafe(in[k], rho, kappa); got != want[k] {
				t.Errorf("case %d input %v: got %v (raw %d), want %v (raw %d)", i, in[k], got, got, want[k], want[k])
			}
		}
	}
}
