package weights

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

func ones32(n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = 1
	}
	return out
}

func TestPairwiseSum(t *testing.T) {
	const p24 = float32(1 << 24) // 2^24: adding 1 to it is a tie that rounds back to 2^24
	seq := func(a []float32) float32 {
		var s float32
		for _, v := range a {
			s += v
		}
		return s
	}
	// 16 elements: r0 = 2^24 (+1 lost to rounding), r1..r7 = 2 each, then
	// ((2^24+2)+4)+8 = 2^24+14; a sequential loop loses every 1.
	block16 := append([]float32{p24}, ones32(15)...)
	// 136 elements: split at 64; left: r0 = 2^24 (7 ones lost), r1..r7 = 8 each → 2^24+56;
	// right: 72 ones. One unrolled pass over all 136 would give 2^24+120.
	split136 := append([]float32{p24}, ones32(135)...)
	tests := []struct {
		name string
		in   []float32
		want float32
	}{
		{"empty", nil, 0},
		{"short_is_sequential", []float32{p24, 1, 1, 1, 1, 1, 1}, p24},
		{"eight_accumulators", block16, p24 + 14},
		{"tail_after_blocks", append(slices.Clone(block16), 1, 1), p24 + 16},
		{"split_above_128", split136, p24 + 128},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pairwiseSum(tt.in); got != tt.want {
				t.Errorf("pairwiseSum = %v, want %v (sequential gives %v)", got, tt.want, seq(tt.in))
			}
		})
	}
	if seq(block16) == p24+14 {
		t.Fatal("test vector does not separate pairwise from sequential summation")
	}
}

func TestNpSum_BufferChunks(t *testing.T) {
	// numpy reduces a long 1-D array in 8192-element chunks, each summed pairwise, added in
	// order: (0 + 2^24) + 1 + 1 rounds back to 2^24 twice. One pairwise tree over the whole
	// array would add the two 1s together first and give 2^24 + 2.
	a := make([]float32, 2*reduceBuffer+8)
	a[0] = 1 << 24
	a[reduceBuffer] = 1
	a[2*reduceBuffer] = 1
	if got, want := npSum(a), float32(1<<24); got != want {
		t.Errorf("npSum = %v, want %v", got, want)
	}
	if got := pairwiseSum(a); got != 1<<24+2 {
		t.Errorf("pairwiseSum over the whole array = %v, want 2^24+2", got)
	}
}

func TestNpSort_NaNLast(t *testing.T) {
	nan := float32(math.NaN())
	got := npSort([]float32{3, nan, 1, 2})
	if got[0] != 1 || got[1] != 2 || got[2] != 3 || got[3] == got[3] {
		t.Errorf("npSort = %v, want [1 2 3 NaN]", got)
	}
}

func TestToFloat32(t *testing.T) {
	tests := []struct {
		in   float64
		want float32
	}{
		{16777217, 16777216}, // tie, to even
		{16777219, 16777220},
		{1e-46, 0},
		{-1e-46, float32(math.Copysign(0, -1))},
		{1e39, float32(math.Inf(1))},
		{-1e39, float32(math.Inf(-1))},
		{math.MaxFloat32, math.MaxFloat32},
		{0x1p128 - 0x1p103, float32(math.Inf(1))}, // exactly half an ulp above MaxFloat32
		{0x1p128 - 0x1p103 - 0x1p80, math.MaxFloat32},
	}
	for _, tt := range tests {
		got := toFloat32(tt.in)
		if got != tt.want || math.Signbit(float64(got)) != math.Signbit(float64(tt.want)) {
			t.Errorf("toFloat32(%g) = %g, want %g", tt.in, got, tt.want)
		}
	}
}

func TestPyMinMaxSum(t *testing.T) {
	nan := math.NaN()
	if m := pyMinFloat([]float64{nan, -1}); !math.IsNaN(m) {
		t.Errorf("min with NaN first = %v, want NaN (Python keeps the first item)", m)
	}
	if m := pyMinFloat([]float64{0, nan, -1}); m != -1 {
		t.Errorf("min with NaN inside = %v, want -1", m)
	}
	if m := pyMaxFloat([]float64{1, nan, 3}); m != 3 {
		t.Errorf("max with NaN inside = %v, want 3", m)
	}
	// Neumaier: 1e100 + 1 - 1e100 is exactly 1 in Python 3.12+, 0 with a plain loop.
	if s := pySumFloat([]float64{1e100, 1, -1e100}); s != 1 {
		t.Errorf("pySumFloat = %v, want 1", s)
	}
	if s := pySumFloat([]float64{0, math.Copysign(0, -1)}); s != 0 {
		t.Errorf("pySumFloat of zeros = %v", s)
	}
}

func TestEmit_RoundHalfEven(t *testing.T) {
	tests := []struct {
		name    string
		weights []float64
		tie     float64 // the exact product that must be a .5 tie
		want    []uint16
	}{
		{"32767.5_up_to_even", []float64{1, 0.5}, 32767.5, []uint16{65535, 32768}},
		{"30000.5_down_to_even", []float64{131070, 60001}, 30000.5, []uint16{65535, 30000}},
		{"30002.5_down_to_even", []float64{131070, 60005}, 30002.5, []uint16{65535, 30002}},
		{"30001.5_up_to_even", []float64{131070, 60003}, 30001.5, []uint16{65535, 30002}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if x := tt.weights[1] / tt.weights[0] * U16Max; x != tt.tie {
				t.Fatalf("vector is not a tie: %v", x)
			}
			got, err := Emit([]int64{0, 1}, tt.weights)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Weights, tt.want) {
				t.Errorf("Emit weights = %v, want %v", got.Weights, tt.want)
			}
		})
	}
}

func TestEmit(t *testing.T) {
	tests := []struct {
		name     string
		uids     []int64
		weights  []float64
		wantUIDs []uint16
		wantW    []uint16
		wantErr  error
	}{
		{"protocol_A", []int64{0, 1, 2, 3}, []float64{float64(float32(0.1)), float64(float32(0.2)), float64(float32(0.3)), float64(float32(0.4))},
			[]uint16{0, 1, 2, 3}, []uint16{16384, 32768, 49151, 65535}, nil},
		{"zeros_dropped_with_uid", []int64{4, 5, 6}, []float64{1, 0, 1e-6}, []uint16{4}, []uint16{65535}, nil},
		{"all_zero_is_empty", []int64{0, 1}, []float64{0, 0}, []uint16{}, []uint16{}, nil},
		{"order_kept", []int64{9, 2, 5}, []float64{0.5, 1, 0.25}, []uint16{9, 2, 5}, []uint16{32768, 65535, 16384}, nil},
		{"empty", nil, nil, nil, nil, ErrNothingToEmit},
		{"negative_weight", []int64{0, 1}, []float64{1, -0.5}, nil, nil, ErrNegativeWeight},
		{"negative_uid", []int64{0, -3}, []float64{1, 0.5}, nil, nil, ErrNegativeUID},
		{"length_mismatch", []int64{0}, []float64{1, 0.5}, nil, nil, ErrLengthMismatch},
		{"nan_raises", []int64{0, 1}, []float64{1, math.NaN()}, nil, nil, ErrNotFinite},
		{"nan_first_hides_negative", []int64{0, 1}, []float64{math.NaN(), -1}, nil, nil, ErrNotFinite},
		{"inf_raises", []int64{0, 1}, []float64{math.Inf(1), 1}, nil, nil, ErrNotFinite},
		{"uid_too_big", []int64{70000}, []float64{1}, nil, nil, ErrUIDRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Emit(tt.uids, tt.weights)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.UIDs, tt.wantUIDs) || !slices.Equal(got.Weights, tt.wantW) {
				t.Errorf("Emit = %v %v, want %v %v", got.UIDs, got.Weights, tt.wantUIDs, tt.wantW)
			}
		})
	}
}

func TestNormalizeMaxWeight(t *testing.T) {
	f32 := func(v ...float32) []float32 { return v }
	tests := []struct {
		name  string
		in    []float32
		limit float64
		want  []float32
	}{
		// protocol.md §1.6 B: n_values 3, cutoff 1.9999983, the 7 is capped.
		{"protocol_B", f32(1, 1, 1, 7), 0.4, f32(0.20000007, 0.20000007, 0.20000007, 0.3999998)},
		// §1.6 C: both 5 and 3 capped to the same value; the ranking is lost.
		{"protocol_C", f32(5, 3, 1, 1), 0.3, f32(0.2999998, 0.2999998, 0.2000002, 0.2000002)},
		{"no_cap_needed", f32(1, 1, 2), 0.5, f32(0.25, 0.25, 0.5)},
		{"n_times_limit_le_1", f32(1, 9), 0.5, f32(0.5, 0.5)},
		{"all_zero", f32(0, 0, 0), 0.5, f32(1.0/3, 1.0/3, 1.0/3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := normalizeMaxWeight(tt.in, tt.limit)
			for i := range got {
				if math.Abs(float64(got[i]-tt.want[i])) > 1e-7 {
					t.Errorf("normalizeMaxWeight = %v, want %v", got, tt.want)
					break
				}
			}
		})
	}
}

func TestProcess(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name     string
		uids     []int64
		scores   []float64
		p        Params
		wantUIDs []int64
		wantErr  error
	}{
		{"uniform_when_no_positive", []int64{0, 1, 2}, []float64{0, -1, nan}, Params{NumNeurons: 3, MaxWeightLimit: 0.1}, []int64{0, 1, 2}, nil},
		{"uniform_when_n_below_min", []int64{0, 1}, []float64{1, 2}, Params{NumNeurons: 2, MinAllowedWeights: 3, MaxWeightLimit: 1}, []int64{0, 1}, nil},
		{"fewer_than_min_returns_arange", []int64{7, 3}, []float64{0, 1}, Params{NumNeurons: 4, MinAllowedWeights: 2, MaxWeightLimit: 1}, []int64{0, 1, 2, 3}, nil},
		{"main_path_keeps_positive_in_order", []int64{7, 3, 5}, []float64{2, 0, 1}, Params{NumNeurons: 8, MaxWeightLimit: 1}, []int64{7, 5}, nil},
		{"n_zero_fallback_is_empty", nil, nil, Params{NumNeurons: 0, MaxWeightLimit: 1}, []int64{}, nil},
		{"huge_n_refused", nil, nil, Params{NumNeurons: 1 << 40, MaxWeightLimit: 1}, nil, ErrUIDRange},
		{"huge_n_fill_refused", []int64{0}, []float64{1}, Params{NumNeurons: 1 << 40, MinAllowedWeights: 1 << 39, MaxWeightLimit: 1}, nil, ErrUIDRange},
		{"negative_n", nil, nil, Params{NumNeurons: -1, MaxWeightLimit: 1}, nil, ErrInvalidParams},
		{"position_beyond_n", []int64{0, 1, 2}, []float64{0, 0, 1}, Params{NumNeurons: 2, MinAllowedWeights: 2, MaxWeightLimit: 1}, nil, ErrIndex},
		{"position_beyond_uids", []int64{0}, []float64{1, 1}, Params{NumNeurons: 2, MaxWeightLimit: 1}, nil, ErrIndex},
		{"negative_exclude_quantile", []int64{0, 1}, []float64{1, 1}, Params{NumNeurons: 2, MaxWeightLimit: 1, ExcludeQuantile: -1}, nil, ErrInvalidParams},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Process(tt.uids, tt.scores, tt.p)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.UIDs, tt.wantUIDs) {
				t.Errorf("uids = %v, want %v", got.UIDs, tt.wantUIDs)
			}
			if len(got.Weights) != len(got.UIDs) {
				t.Errorf("%d weights for %d uids", len(got.Weights), len(got.UIDs))
			}
		})
	}
}

func TestProcess_FewerThanMinFill(t *testing.T) {
	// protocol.md §1.6 D: [0,0,0.5,0,0.5], k=3 → 1e-5 fill, float64 path.
	got, err := Process([]int64{0, 1, 2, 3, 4}, []float64{0, 0, 0.5, 0, 0.5}, Params{NumNeurons: 5, MinAllowedWeights: 3, MaxWeightLimit: 1})
	if err != nil {
		t.Fatal(err)
	}
	sum := 5*1e-5 + 1 // every entry holds 1e-5, two also hold 0.5
	for i, w := range got.Weights {
		want := 1e-5 / sum
		if i == 2 || i == 4 {
			want = (0.5 + 1e-5) / sum
		}
		if math.Abs(w-want) > 1e-15 {
			t.Errorf("weight %d = %v, want %v", i, w, want)
		}
	}
	em, err := Emit(got.UIDs, got.Weights)
	if err != nil {
		t.Fatal(err)
	}
	if want := []uint16{1, 1, 65535, 1, 65535}; !slices.Equal(em.Weights, want) {
		t.Errorf("emitted %v, want %v", em.Weights, want)
	}
}

func TestProcess_ExcludeQuantile(t *testing.T) {
	uids := []int64{0, 1, 2, 3, 4}
	scores := []float64{1, 2, 3, 4, 5}
	tests := []struct {
		name     string
		p        Params
		wantUIDs []uint16
		wantW    []uint16
	}{
		// q = 1: the threshold is the maximum; one entry is left, which is uniform.
		{"q1_keeps_max", Params{NumNeurons: 5, MaxWeightLimit: 1, ExcludeQuantile: 65535}, []uint16{4}, []uint16{65535}},
		// min_allowed 2 limits q to 3/5; float32 lerp between 3 and 4 at 0.4000001 → 3.4000001,
		// so 4 and 5 remain: 4/5 of 65535 = 52428.
		{"q_limited_by_min_allowed", Params{NumNeurons: 5, MinAllowedWeights: 2, MaxWeightLimit: 1, ExcludeQuantile: 65535}, []uint16{3, 4}, []uint16{52428, 65535}},
		// q = 0 keeps everything (the default).
		{"q0_keeps_all", Params{NumNeurons: 5, MaxWeightLimit: 1}, []uint16{0, 1, 2, 3, 4}, []uint16{13107, 26214, 39321, 52428, 65535}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Compute(uids, scores, tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.UIDs, tt.wantUIDs) || !slices.Equal(got.Weights, tt.wantW) {
				t.Errorf("got %v %v, want %v %v", got.UIDs, got.Weights, tt.wantUIDs, tt.wantW)
			}
		})
	}
}

func TestNpQuantileLinear(t *testing.T) {
	inf := float32(math.Inf(1))
	tests := []struct {
		name string
		in   []float32
		q    float64
		want float32
		nan  bool
	}{
		{"q0_is_min", []float32{3, 1, 2}, 0, 1, false},
		{"q1_is_max", []float32{3, 1, 2}, 1, 3, false},
		{"half", []float32{1, 2, 3, 4}, 0.5, 2.5, false},
		{"single", []float32{7}, 0, 7, false},
		{"inf_second_smallest_gives_nan", []float32{inf, 1}, 0, 0, true},
		{"inf_largest_is_harmless", []float32{1, 2, inf}, 0, 1, false},
		{"single_inf_gives_nan", []float32{inf}, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := npQuantileLinear(tt.in, tt.q)
			if tt.nan {
				if got == got {
					t.Errorf("quantile = %v, want NaN", got)
				}
				return
			}
			if got != tt.want {
				t.Errorf("quantile = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCompute_Errors(t *testing.T) {
	tests := []struct {
		name    string
		uids    []int64
		scores  []float64
		p       Params
		wantErr error
	}{
		{"n_zero", nil, nil, Params{NumNeurons: 0, MaxWeightLimit: 0.1}, ErrNothingToEmit},
		{"all_inf", []int64{0, 1}, []float64{1e39, math.Inf(1)}, Params{NumNeurons: 2, MaxWeightLimit: 1}, ErrNothingToEmit},
		{"negative_uid_positive_weight", []int64{-1, 0}, []float64{0.5, 0.5}, Params{NumNeurons: 2, MaxWeightLimit: 1}, ErrNegativeUID},
		{"one_inf_among_finite", []int64{0, 1, 2}, []float64{1, 2, math.Inf(1)}, Params{NumNeurons: 3, MaxWeightLimit: 1}, ErrNotFinite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Compute(tt.uids, tt.scores, tt.p)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Compute = %v, %v; want error %v", got, err, tt.wantErr)
			}
		})
	}
}

func TestMaxUpscale(t *testing.T) {
	tests := []struct {
		name string
		in   []uint16
		want []uint16
	}{
		{"empty", []uint16{}, []uint16{}},
		{"zeros_stay", []uint16{0, 0}, []uint16{0, 0}},
		{"already_upscaled", []uint16{65535, 32768, 1}, []uint16{65535, 32768, 1}},
		{"small_max_multiply_first", []uint16{1, 2}, []uint16{32768, 65535}}, // 32767.5 rounds away from zero
		{"single", []uint16{100}, []uint16{65535}},
		{"one_third", []uint16{1, 3}, []uint16{21845, 65535}},
		// max > 32768: the ratio 65535/40000 is truncated first, so the exact 32767.5
		// comes out a hair below and rounds down.
		{"large_max_ratio_truncated", []uint16{40000, 20000}, []uint16{65535, 32767}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MaxUpscale(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("MaxUpscale(%v) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestDecodeInput(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		wantErr string
		check   func(t *testing.T, in Input)
	}{
		{name: "nan_string", doc: `{"uids":[0,1],"weights":[0.5,"NaN"],"n":2,"min_allowed_weights":0,"max_weight_limit":1}`,
			check: func(t *testing.T, in Input) {
				if !math.IsNaN(in.Weights[1]) || in.Weights[0] != 0.5 {
					t.Errorf("weights = %v", in.Weights)
				}
			}},
		{name: "huge_number_is_inf", doc: `{"uids":[0],"weights":[1e400],"n":1,"min_allowed_weights":0,"max_weight_limit":1}`,
			check: func(t *testing.T, in Input) {
				if !math.IsInf(in.Weights[0], 1) {
					t.Errorf("weights = %v", in.Weights)
				}
			}},
		{name: "exclude_quantile", doc: `{"uids":[0],"weights":[1],"n":1,"min_allowed_weights":0,"max_weight_limit":1,"exclude_quantile":100}`,
			check: func(t *testing.T, in Input) {
				if in.Params.ExcludeQuantile != 100 {
					t.Errorf("params = %+v", in.Params)
				}
			}},
		{name: "missing_fields", doc: `{"uids":[0],"weights":[1]}`, wantErr: "n min_allowed_weights max_weight_limit"},
		{name: "other_string", doc: `{"uids":[0],"weights":["nan"],"n":1,"min_allowed_weights":0,"max_weight_limit":1}`, wantErr: `"nan"`},
		{name: "null_weight", doc: `{"uids":[0],"weights":[null],"n":1,"min_allowed_weights":0,"max_weight_limit":1}`, wantErr: "null"},
		{name: "fractional_uid", doc: `{"uids":[0.5],"weights":[1],"n":1,"min_allowed_weights":0,"max_weight_limit":1}`, wantErr: "uids"},
		{name: "not_json", doc: `{"uids":`, wantErr: "bad weights input"},
		{name: "trailing", doc: `{"uids":[],"weights":[],"n":1,"min_allowed_weights":0,"max_weight_limit":1} {}`, wantErr: "trailing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := DecodeInput(strings.NewReader(tt.doc))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrBadInput) {
					t.Fatalf("err = %v, want ErrBadInput mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, in)
		})
	}
}

func TestLimitFromU16(t *testing.T) {
	if got := LimitFromU16(26214); got != 26214.0/65535 {
		t.Errorf("LimitFromU16(26214) = %v", got)
	}
	if got := LimitFromU16(65535); got != 1 {
		t.Errorf("LimitFromU16(65535) = %v", got)
	}
}
