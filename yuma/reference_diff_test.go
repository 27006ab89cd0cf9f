package yuma

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/subnetd/subnetd/yuma/fixed"
)

// diffOutputs names the first field where got and want differ bit for bit
// (nil and empty slices are equal), or returns "".
func diffOutputs(got, want *Output) string {
	type field struct {
		name string
		eq   bool
	}
	fields := []field{
		{"Active", slices.Equal(got.Active, want.Active)},
		{"ValidatorPermit", slices.Equal(got.ValidatorPermit, want.ValidatorPermit)},
		{"Consensus", slices.Equal(got.Consensus, want.Consensus)},
		{"Incentive", slices.Equal(got.Incentive, want.Incentive)},
		{"Dividends", slices.Equal(got.Dividends, want.Dividends)},
		{"ValidatorTrust", slices.Equal(got.ValidatorTrust, want.ValidatorTrust)},
		{"StakeWeight", slices.Equal(got.StakeWeight, want.StakeWeight)},
		{"Emission", slices.Equal(got.Emission, want.Emission)},
		{"ServerEmission", slices.Equal(got.ServerEmission, want.ServerEmission)},
		{"ValidatorEmission", slices.Equal(got.ValidatorEmission, want.ValidatorEmission)},
		{"Stake", slices.Equal(got.Stake, want.Stake)},
		{"Fixed.Stake", slices.Equal(got.Fixed.Stake, want.Fixed.Stake)},
		{"Fixed.ActiveStake", slices.Equal(got.Fixed.ActiveStake, want.Fixed.ActiveStake)},
		{"Fixed.Consensus", slices.Equal(got.Fixed.Consensus, want.Fixed.Consensus)},
		{"Fixed.Incentive", slices.Equal(got.Fixed.Incentive, want.Fixed.Incentive)},
		{"Fixed.Dividends", slices.Equal(got.Fixed.Dividends, want.Fixed.Dividends)},
		{"Fixed.ValidatorTrust", slices.Equal(got.Fixed.ValidatorTrust, want.Fixed.ValidatorTrust)},
		{"Bonds", slices.EqualFunc(got.Bonds, want.Bonds, func(a, b []Cell) bool {
			return slices.Equal(a, b) && (a == nil) == (b == nil)
		})},
	}
	for _, f := range fields {
		if !f.eq {
			return f.name
		}
	}
	return ""
}

// randomSubnet draws a subnet covering every input the epoch reads: both
// bond models, liquid alpha, every bonds penalty regime, kappa extremes, an
// owner, commit-reveal, stake thresholds and TAO weight, inactive and
// unpermitted uids, recent registrations, and rows that are dense, sparse,
// unsorted, duplicated or pointing past n. Bonds are random u16 rows (some
// unsorted or out of range); steady-state bonds come from chaining epochs.
func randomSubnet(r *rand.Rand) *Input {
	n := []int{0, 1, 2, 3, 5, 8, 13, 40, 90}[r.IntN(9)]
	if r.IntN(8) == 0 {
		n = 100 + r.IntN(160)
	}
	p := DefaultParams()
	p.Yuma3On = r.IntN(2) == 0
	p.LiquidAlphaOn = r.IntN(2) == 0
	p.BondsPenalty = []uint16{0, 65535, 32768, uint16(r.IntN(65536))}[r.IntN(4)]
	p.Kappa = []uint16{32767, 0, 65535, uint16(r.IntN(65536))}[r.IntN(4)]
	p.BondsMovingAverage = []uint64{900_000, 0, 1_000_000, 975_000, r.Uint64N(2_000_000)}[r.IntN(5)]
	p.MaxAllowedValidators = uint16(r.IntN(n + 3))
	p.AlphaLow = uint16(1638 + r.IntN(40000))
	p.AlphaHigh = p.AlphaLow + uint16(r.IntN(int(65535-p.AlphaLow)+1))
	p.AlphaSigmoidSteepness = []int16{1000, 0, -500, int16(r.IntN(65536) - 32768)}[r.IntN(4)]
	p.Tempo = uint16(r.IntN(120))
	p.ActivityCutoff = uint64(r.IntN(400))
	p.TaoWeight = []uint64{0, p.TaoWeight, r.Uint64()}[r.IntN(3)]
	p.StakeThreshold = []uint64{0, 0, 1 << 20, r.Uint64N(1 << 30)}[r.IntN(4)]
	in := &Input{
		Block:        500 + uint64(r.IntN(300)),
		RaoEmission:  []uint64{1_000_000_000, 0, 1, math.MaxUint64, r.Uint64()}[r.IntN(5)],
		Params:       p,
		Neurons:      make([]Neuron, n),
		CommitReveal: r.IntN(4) == 0,
	}
	if r.IntN(3) == 0 {
		in.LastStepBlock = in.Block - uint64(r.IntN(200))
	}
	if n > 0 && r.IntN(3) == 0 {
		in.HasOwner, in.OwnerUID = true, uint16(r.IntN(n+1))
	}
	density := []float64{0, 0.05, 0.3, 1}[r.IntN(4)]
	messy := r.IntN(4) == 0 // unsorted rows, duplicates and columns >= n
	tie := r.IntN(4) == 0   // many single-weight rows with full bonds
	for i := range in.Neurons {
		nr := &in.Neurons[i]
		switch r.IntN(7) {
		case 0:
		case 1:
			nr.AlphaStake = r.Uint64()
		case 2:
			nr.AlphaStake = r.Uint64N(1 << 21) // around the threshold
		default:
			nr.AlphaStake = r.Uint64N(1 << 40)
		}
		if r.IntN(3) == 0 {
			nr.TaoStake = r.Uint64N(1 << 45)
		}
		nr.BlockAtRegistration = uint64(r.IntN(int(in.Block) + 50))
		nr.LastUpdate = uint64(r.IntN(int(in.Block) + 1))
		nr.ValidatorPermit = r.IntN(3) != 0
		nr.CommitBlock = NoCommit
		if r.IntN(3) == 0 {
			nr.CommitBlock = uint64(r.IntN(int(in.Block) + 1))
		}
		for j := 0; j < n; j++ {
			if r.Float64() < density {
				nr.Weights = append(nr.Weights, Cell{uint16(j), uint16(r.IntN(65536))})
			}
			if r.Float64() < density {
				nr.Bonds = append(nr.Bonds, Cell{uint16(j), uint16(r.IntN(65536))})
			}
		}
		if tie {
			// Nothing masked: every weight and bond is read.
			nr.BlockAtRegistration = uint64(r.IntN(5))
			nr.LastUpdate = in.Block - 1
			nr.ValidatorPermit = true
		}
		if n > 0 && (tie || r.IntN(6) == 0) {
			// A single full weight on a column with a full bond: weight ==
			// bond (1.0 both ways), the liquid-alpha sigmoid's tie.
			j := uint16(r.IntN(n))
			nr.Weights = []Cell{{j, uint16(1 + r.IntN(65535))}}
			nr.Bonds = []Cell{{j, 65535}}
		}
		if messy {
			for k := r.IntN(4); k > 0; k-- {
				c := Cell{uint16(r.IntN(n + 5)), uint16(r.IntN(65536))}
				nr.Weights = slices.Insert(nr.Weights, r.IntN(len(nr.Weights)+1), c)
			}
			for k := r.IntN(3); k > 0; k-- {
				c := Cell{uint16(r.IntN(n + 5)), uint16(r.IntN(65536))}
				nr.Bonds = slices.Insert(nr.Bonds, r.IntN(len(nr.Bonds)+1), c)
			}
		}
	}
	if in.HasOwner && int(in.OwnerUID) < n && r.IntN(2) == 0 {
		// The owner below the stake threshold: exempt from it.
		in.Params.StakeThreshold = 1 << 20
		in.Neurons[in.OwnerUID].AlphaStake = 1 + r.Uint64N(1<<20-1)
		in.Neurons[in.OwnerUID].TaoStake = 0
	}
	return in
}

// nextEpoch feeds an epoch's outputs back as the next epoch's inputs
// (bonds, permits), some blocks later, as the chain would.
func nextEpoch(in *Input, out *Output, blocks uint64) {
	in.Block += blocks
	for i := range in.Neurons {
		in.Neurons[i].Bonds = slices.Clone(out.Bonds[i])
		in.Neurons[i].ValidatorPermit = out.ValidatorPermit[i]
	}
}

// TestEpoch_Reference runs the optimised epoch and the literal reference
// (reference_test.go) on random subnets, three chained epochs each, and on
// large dense subnets that take the parallel paths (1 and 3 workers): every
// output must agree bit for bit.
func TestEpoch_Reference(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 5))
	cases := 400
	if testing.Short() {
		cases = 60
	}
	for k := 0; k < cases; k++ {
		in := randomSubnet(r)
		for step := 0; step < 3; step++ {
			want := refEpoch(in)
			for _, workers := range []int{1, 3} {
				got, err := epoch(in, workers)
				if err != nil {
					t.Fatal(err)
				}
				if f := diffOutputs(got, want); f != "" {
					t.Fatalf("case %d epoch %d (n=%d, %d workers): %s differs from the reference", k, step, len(in.Neurons), workers, f)
				}
			}
			nextEpoch(in, want, uint64(1+r.IntN(200)))
		}
	}
	for _, tc := range []struct {
		yuma3, dense bool
		penalty      uint16
	}{{false, true, 65535}, {true, true, 65535}, {false, true, 20000}, {true, true, 0}, {false, false, 0}} {
		in := benchInput(600, 128, tc.dense, tc.yuma3)
		in.Params.BondsPenalty = tc.penalty
		want := refEpoch(in)
		for _, workers := range []int{1, 3} {
			got, err := epoch(in, workers)
			if err != nil {
				t.Fatal(err)
			}
			if f := diffOutputs(got, want); f != "" {
				t.Fatalf("bench input yuma3=%v dense=%v penalty=%d (%d workers): %s differs from the reference",
					tc.yuma3, tc.dense, tc.penalty, workers, f)
			}
		}
		if len(want.Bonds[0]) == 0 || tc.dense && (slices.Max(want.Incentive) == 0 || slices.Max(want.Dividends) == 0) {
			t.Fatalf("bench input %+v: degenerate epoch (max incentive %d, max dividends %d, %d bonds); the comparison proves nothing",
				tc, slices.Max(want.Incentive), slices.Max(want.Dividends), len(want.Bonds[0]))
		}
	}
}

// FuzzEpoch_Reference is the whole-epoch differential: any subnet the fuzzer
// builds must give the same outputs, bit for bit, from Epoch and from the
// literal reference epoch. The seed corpus is in testdata/fuzz.
func FuzzEpoch_Reference(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{1, 0, 0, 0})
	f.Add([]byte{4, 1, 255, 255, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	f.Add([]byte{8, 3, 0, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 7, 7, 200, 1, 2})
	f.Add([]byte{12, 0b10_01_10_11, 9, 3, 232, 30, 60, 0, 2, 2, 9, 40, 7, 1, 0, 5, 1, 1, 2, 2, 200, 3, 4, 1, 9, 9})
	f.Fuzz(func(t *testing.T, data []byte) {
		in := fuzzInput(data)
		want := refEpoch(in)
		got, err := Epoch(in)
		if err != nil {
			t.Fatal(err)
		}
		if f := diffOutputs(got, want); f != "" {
			t.Fatalf("n=%d: %s differs from the reference: got %v, want %v", len(in.Neurons), f, got, want)
		}
	})
}

// refCells turns an optimised sparse matrix into the reference's form.
func refCells(m sparse) refSparse {
	out := make(refSparse, len(m))
	for i, row := range m {
		out[i] = []refCell{}
		for _, e := range row {
			out[i] = append(out[i], refCell{e.col, e.val})
		}
	}
	return out
}

// TestRefWeightedMedian_Vectors holds the reference's weighted median to
// subtensor's own expected values too (math_unit_tests.json), so the
// differential is anchored to the chain and not only to the optimised code.
func TestRefWeightedMedian_Vectors(t *testing.T) {
	var med struct {
		Cases []struct {
			Stake    any     `json:"stake"`
			Score    any     `json:"score"`
			Majority float64 `json:"majority"`
			Expected any     `json:"expected"`
		} `json:"cases"`
	}
	var cols struct {
		Cases []map[string]any `json:"cases"`
	}
	m := loadMathVectors(t)
	section(t, m, "weighted_median", &med)
	section(t, m, "weighted_median_col", &cols)
	if len(med.Cases) == 0 || len(cols.Cases) == 0 {
		t.Fatal("no cases")
	}
	for i, c := range med.Cases {
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
		if got := refWeightedMedian(stake, score, part, minority, 0, refSum(stake)); got != want {
			t.Errorf("weighted_median case %d: got %v, want %v", i, got, want)
		}
	}
	for i, c := range cols.Cases {
		stake := fxVec(t, c["stake"])
		n := int(c["sparse_columns"].(float64))
		var w sparse
		switch {
		case c["W_rows2"] != nil:
			w = sparseOf(fxVec(t, c["W_rows2"]), 2)
		case c["W_rows4"] != nil:
			w = sparseOf(fxVec(t, c["W_rows4"]), 4)
		default:
			w = sparse{nil}
		}
		want := fxVec(t, c["expected"])
		got := refWeightedMedianColSparse(stake, refCells(w), n, fixed.FromFloat32(float32(c["majority"].(float64))))
		if !slices.Equal(got, want) {
			t.Errorf("weighted_median_col case %d: got %v, want %v", i, got, want)
		}
	}
}

// TestRefMatEMAAlphaSparse_Vectors runs the reference mat_ema_alpha_sparse
// over subtensor's sparse EMA cases.
func TestRefMatEMAAlphaSparse_Vectors(t *testing.T) {
	var sec struct {
		Cases []emaCase `json:"cases"`
	}
	section(t, loadMathVectors(t), "mat_ema_alpha_sparse", &sec)
	a := fixed.FromFloat32(0.1)
	for i, c := range sec.Cases {
		eps := fixed.FromFloat64(1e-4)
		if i == len(sec.Cases)-1 {
			eps = fixed.FromFloat64(1e-1)
		}
		alphas := make([][]fixed.I32F32, 4)
		for r := range alphas {
			alphas[r] = []fixed.I32F32{a, a, a}
		}
		got := refMatEMAAlphaSparse(refCells(sparseOf(f32s(c.New), 4)), refCells(sparseOf(f32s(c.Old), 4)), alphas)
		want := sparseOf(f32s(c.Expected), 4)
		for r := range want {
			if len(got[r]) != len(want[r]) {
				t.Fatalf("case %d row %d: %d entries, want %d", i, r, len(got[r]), len(want[r]))
			}
			for k := range want[r] {
				d := got[r][k].v.Sub(want[r][k].val)
				if got[r][k].j != want[r][k].col || d > eps || -d > eps {
					t.Fatalf("case %d row %d entry %d: got (%d, %v), want (%d, %v)", i, r, k, got[r][k].j, got[r][k].v, want[r][k].col, want[r][k].val)
				}
			}
		}
	}
}
