package yuma

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/subnetd/subnetd/yuma/fixed"
)

// subnet builds an input where uids 0..len(stakes)-1 exist, all registered
// at block 1, updated at block 10, evaluated at block 11.
func subnet(stakes []uint64, permits []bool) *Input {
	p := DefaultParams()
	p.Tempo, p.ActivityCutoff, p.TaoWeight = 10, 100, 0
	in := &Input{Block: 11, RaoEmission: 1_000_000_000, Params: p, Neurons: make([]Neuron, len(stakes))}
	for i, s := range stakes {
		in.Neurons[i] = Neuron{AlphaStake: s, BlockAtRegistration: 1, LastUpdate: 10, CommitBlock: NoCommit}
		if permits != nil {
			in.Neurons[i].ValidatorPermit = permits[i]
		}
	}
	return in
}

func mustEpoch(t *testing.T, in *Input) *Output {
	t.Helper()
	out, err := Epoch(in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEpoch_Edges(t *testing.T) {
	tests := []struct {
		name  string
		in    *Input
		check func(t *testing.T, out *Output)
	}{
		{"empty subnet", subnet(nil, nil), func(t *testing.T, out *Output) {
			if len(out.Emission) != 0 || len(out.Bonds) != 0 {
				t.Fatalf("non-empty output %+v", out)
			}
		}},
		{"single uid with stake gets all emission", subnet([]uint64{5}, []bool{true}), func(t *testing.T, out *Output) {
			if out.Emission[0] != 1_000_000_000 || !out.ValidatorPermit[0] {
				t.Fatalf("emission %v permit %v", out.Emission, out.ValidatorPermit)
			}
		}},
		{"all-zero stake emits nothing", subnet([]uint64{0, 0, 0}, []bool{true, true, true}), func(t *testing.T, out *Output) {
			for i, e := range out.Emission {
				if e != 0 || out.ValidatorPermit[i] {
					t.Fatalf("uid %d: emission %d permit %v", i, e, out.ValidatorPermit[i])
				}
			}
		}},
		{"no weights: emission follows active stake", subnet([]uint64{1, 3}, []bool{true, true}), func(t *testing.T, out *Output) {
			if out.ValidatorEmission[0] != 250_000_000 || out.ValidatorEmission[1] != 750_000_000 || out.ServerEmission[1] != 0 {
				t.Fatalf("validator emission %v server %v", out.ValidatorEmission, out.ServerEmission)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, mustEpoch(t, tt.in)) })
	}
}

func TestEpoch_TooManyNeurons(t *testing.T) {
	in := &Input{Neurons: make([]Neuron, math.MaxUint16+1)}
	if _, err := Epoch(in); !errors.Is(err, ErrTooManyNeurons) {
		t.Fatalf("err = %v", err)
	}
}

func TestEpoch_Permits(t *testing.T) {
	// Top-2 of non-zero stake; equal stakes: the lower uid loses the tie.
	in := subnet([]uint64{5, 5, 9, 0}, nil)
	in.Params.MaxAllowedValidators = 2
	out := mustEpoch(t, in)
	want := []bool{false, true, true, false}
	for i := range want {
		if out.ValidatorPermit[i] != want[i] {
			t.Fatalf("permits %v, want %v", out.ValidatorPermit, want)
		}
	}
	// Fewer uids than k: every non-zero stake gets a permit.
	in = subnet([]uint64{5, 0}, nil)
	in.Params.MaxAllowedValidators = 8
	if out := mustEpoch(t, in); !out.ValidatorPermit[0] || out.ValidatorPermit[1] {
		t.Fatalf("permits %v", out.ValidatorPermit)
	}
}

func TestEpoch_OwnerExemptions(t *testing.T) {
	// The owner (uid 0) is below the stake threshold, has no previous permit,
	// and weights only itself; uid 1 holds no stake.
	in := subnet([]uint64{500, 0, 0}, []bool{false, false, false})
	in.Params.StakeThreshold = 1000
	in.HasOwner, in.OwnerUID = true, 0
	in.Neurons[0].Weights = []Cell{{0, 65535}}
	out := mustEpoch(t, in)
	if !out.ValidatorPermit[0] || out.StakeWeight[0] != 65535 {
		t.Errorf("owner permit %v stake weight %d: the owner passes the threshold and keeps a permit",
			out.ValidatorPermit[0], out.StakeWeight[0])
	}
	if out.Incentive[0] != 65535 || out.Consensus[0] != 65535 {
		t.Errorf("incentive %v consensus %v: the owner's self-weight counts", out.Incentive, out.Consensus)
	}
	// Without an owner the same uid is below the threshold, unpermitted and self-masked.
	in.HasOwner = false
	out = mustEpoch(t, in)
	if out.StakeWeight[0] != 0 || out.ValidatorPermit[0] || out.Incentive[0] != 0 {
		t.Errorf("stake weight %d permit %v incentive %v for a sub-threshold non-owner",
			out.StakeWeight[0], out.ValidatorPermit[0], out.Incentive)
	}
}

func TestEpoch_Masks(t *testing.T) {
	base := func() *Input {
		in := subnet([]uint64{10, 10, 0}, []bool{true, true, false})
		in.Neurons[0].Weights = []Cell{{2, 65535}}
		in.Neurons[1].Weights = []Cell{{2, 65535}}
		return in
	}
	tests := []struct {
		name   string
		modify func(in *Input)
		want   func(out *Output) bool
	}{
		{"baseline: miner earns all incentive", func(*Input) {}, func(o *Output) bool { return o.Incentive[2] == 65535 }},
		{"inactive validators are masked", func(in *Input) { in.Block = 1000 }, func(o *Output) bool {
			return o.Incentive[2] == 0 && !o.Active[0] && !o.Active[1]
		}},
		{"weights older than the miner's registration are masked", func(in *Input) {
			in.Neurons[2].BlockAtRegistration = 10
		}, func(o *Output) bool { return o.Incentive[2] == 0 }},
		{"rows of uids without a previous permit are masked", func(in *Input) {
			in.Neurons[0].ValidatorPermit, in.Neurons[1].ValidatorPermit = false, false
		}, func(o *Output) bool { return o.Incentive[2] == 0 && o.ValidatorPermit[0] }},
		{"self-weights are masked", func(in *Input) {
			in.Neurons[0].Weights = []Cell{{0, 65535}}
			in.Neurons[1].Weights = []Cell{{1, 65535}}
		}, func(o *Output) bool { return o.Incentive[0] == 0 && o.Incentive[1] == 0 }},
		{"commit-reveal masks weights committed before registration", func(in *Input) {
			in.CommitReveal = true
			in.Neurons[0].CommitBlock, in.Neurons[1].CommitBlock = 0, 0
		}, func(o *Output) bool { return o.Incentive[2] == 0 }},
		{"out-of-range and duplicate uids do not panic", func(in *Input) {
			in.Neurons[0].Weights = []Cell{{2, 1}, {2, 65535}, {9, 65535}, {65535, 65535}}
			in.Neurons[1].Bonds = []Cell{{7, 65535}, {2, 0}}
		}, func(o *Output) bool { return o.Incentive[2] == 65535 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base()
			tt.modify(in)
			if out := mustEpoch(t, in); !tt.want(out) {
				t.Fatalf("unexpected output: incentive %v active %v permits %v", out.Incentive, out.Active, out.ValidatorPermit)
			}
		})
	}
}

func TestEpoch_BondModels(t *testing.T) {
	// Two validators with bonds on miner 2; validator 0 now weights only miner 3.
	mk := func(yuma3 bool) *Input {
		in := subnet([]uint64{10, 10, 0, 0}, []bool{true, true, false, false})
		in.Params.Yuma3On, in.Params.LiquidAlphaOn = yuma3, yuma3
		in.Params.Tempo = 5 // last_tempo = 6 > registration block 1: old bonds are read
		in.Neurons[0].Weights = []Cell{{3, 65535}}
		in.Neurons[1].Weights = []Cell{{2, 65535}}
		in.Neurons[0].Bonds = []Cell{{2, 30000}}
		in.Neurons[1].Bonds = []Cell{{2, 30000}}
		return in
	}
	// Original Yuma decays the old bond of validator 0 on miner 2.
	out := mustEpoch(t, mk(false))
	if v := bondAt(out.Bonds[0], 2); v == 0 {
		t.Error("original Yuma dropped a bond it should decay")
	}
	// Yuma3 with liquid alpha drops bonds on columns absent from the weight row.
	out = mustEpoch(t, mk(true))
	if v := bondAt(out.Bonds[0], 2); v != 0 {
		t.Errorf("Yuma3 sparse liquid alpha kept bond %d on an unweighted column", v)
	}
	if bondAt(out.Bonds[1], 2) == 0 || bondAt(out.Bonds[0], 3) == 0 {
		t.Errorf("Yuma3 bonds %v", out.Bonds)
	}
	// Original Yuma stores column-max-upscaled bonds: each column's max is 65535.
	out = mustEpoch(t, mk(false))
	for _, j := range []uint16{2, 3} {
		m := uint16(0)
		for _, row := range out.Bonds {
			m = max(m, bondAt(row, j))
		}
		if m != 65535 {
			t.Errorf("column %d max bond %d, want 65535", j, m)
		}
	}
}

func bondAt(row []Cell, j uint16) uint16 {
	for _, c := range row {
		if c.UID == j {
			return c.Value
		}
	}
	return 0
}

// FuzzEpoch feeds arbitrary subnets to Epoch: it must never panic, must
// return vectors of length n, and its normalised outputs must sum to one
// (or zero) within the fixed-point truncation error.
func FuzzEpoch(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{1, 0, 0, 0})
	f.Add([]byte{4, 1, 255, 255, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	f.Add([]byte{8, 3, 0, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 7, 7, 200, 1, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		in := fuzzInput(data)
		out, err := Epoch(in)
		if err != nil {
			t.Fatal(err)
		}
		n := len(in.Neurons)
		for _, l := range []int{len(out.Active), len(out.ValidatorPermit), len(out.Consensus), len(out.Incentive),
			len(out.Dividends), len(out.ValidatorTrust), len(out.StakeWeight), len(out.Emission),
			len(out.ServerEmission), len(out.ValidatorEmission), len(out.Stake), len(out.Bonds)} {
			if l != n {
				t.Fatalf("output length %d for n=%d", l, n)
			}
		}
		// Sums hold while total stake stays below 2^62 rao (the chain's I64F64
		// sum would overflow far above any real stake; ours saturates).
		var staked big.Int
		for _, nr := range in.Neurons {
			staked.Add(&staked, new(big.Int).SetUint64(nr.AlphaStake))
			staked.Add(&staked, new(big.Int).SetUint64(nr.TaoStake))
		}
		if staked.BitLen() > 62 {
			return
		}
		tol := fixed.FromBits(int64(n) + 1) // one truncation per element
		for name, v := range map[string][]fixed.I32F32{"stake": out.Fixed.Stake, "active stake": out.Fixed.ActiveStake,
			"incentive": out.Fixed.Incentive, "dividends": out.Fixed.Dividends} {
			s := sum(v)
			if s != 0 && (s > fixed.One || fixed.One-s > tol) {
				t.Fatalf("%s sums to %v (raw %d), n=%d", name, s, s, n)
			}
		}
		var total uint64
		for i := range out.Emission {
			total += out.Emission[i]
			if out.ServerEmission[i]+out.ValidatorEmission[i] > in.RaoEmission {
				t.Fatalf("uid %d split exceeds the emission", i)
			}
		}
		if total > in.RaoEmission {
			t.Fatalf("emission %d exceeds %d", total, in.RaoEmission)
		}
	})
}

// fuzzInput decodes bytes into an Input, covering u16 extremes, duplicate
// and out-of-range uids, zero stakes and both bond models.
func fuzzInput(data []byte) *Input {
	next := func() byte {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return b
	}
	u16 := func() uint16 { return uint16(next())<<8 | uint16(next()) }
	n := int(next() % 24)
	flags := next()
	p := DefaultParams()
	p.Yuma3On = flags&1 != 0
	p.LiquidAlphaOn = flags&2 != 0
	p.BondsPenalty = []uint16{0, 65535, 32768, u16()}[flags>>2&3]
	p.Kappa = []uint16{32767, 0, 65535, u16()}[flags>>4&3]
	p.MaxAllowedValidators = uint16(next() % 10)
	p.AlphaLow, p.AlphaHigh = 1638, 65535
	p.AlphaSigmoidSteepness = int16(u16())
	p.Tempo = uint16(next())
	p.ActivityCutoff = uint64(next())
	in := &Input{Block: 300, RaoEmission: []uint64{0, 1, 1_000_000_000, math.MaxUint64}[flags>>6], Params: p,
		Neurons: make([]Neuron, n)}
	in.HasOwner = next()%4 == 0
	in.OwnerUID = uint16(next())
	for i := range in.Neurons {
		nr := &in.Neurons[i]
		switch next() % 4 {
		case 0:
		case 1:
			nr.AlphaStake = math.MaxUint64
		default:
			nr.AlphaStake = uint64(next()) << (next() % 56)
		}
		nr.TaoStake = uint64(next())
		nr.BlockAtRegistration = uint64(next())
		nr.LastUpdate = uint64(next()) + 50
		nr.ValidatorPermit = next()%2 == 0
		for k := int(next() % 6); k > 0; k-- {
			nr.Weights = append(nr.Weights, Cell{uint16(next() % 30), u16()})
		}
		for k := int(next() % 4); k > 0; k-- {
			nr.Bonds = append(nr.Bonds, Cell{uint16(next() % 30), u16()})
		}
	}
	return in
}

// TestWeightedMedianCols_WorkersAgree checks that splitting the columns over
// workers gives the single-worker result bit for bit.
func TestWeightedMedianCols_WorkersAgree(t *testing.T) {
	in := benchInput(600, 160, true, false)
	stake := make([]fixed.I32F32, len(in.Neurons))
	w := make(sparse, len(in.Neurons))
	for i, nr := range in.Neurons {
		stake[i] = fixed.FromU64(nr.AlphaStake % 1000)
		for _, c := range nr.Weights {
			w[i] = append(w[i], entry{c.UID, fixed.FromU16(c.Value)})
		}
	}
	normalize(stake)
	rowNormalize(w)
	one := weightedMedianCols(stake, w, nil, 600, fixed.U16Proportion(32767), 1)
	for _, workers := range []int{2, 3, 8} {
		got := weightedMedianCols(stake, w, nil, 600, fixed.U16Proportion(32767), workers)
		for c := range one {
			if got[c] != one[c] {
				t.Fatalf("workers=%d column %d: %v != %v", workers, c, got[c], one[c])
			}
		}
	}
	// Reversed rows (no repeated columns, so the same score vectors) take
	// the transpose path instead of the blocked one: same medians.
	rev := make(sparse, len(w))
	nonzero := 0
	for i, row := range w {
		rev[i] = slices.Clone(row)
		slices.Reverse(rev[i])
	}
	for _, workers := range []int{1, 2} {
		got := weightedMedianCols(stake, rev, nil, 600, fixed.U16Proportion(32767), workers)
		for c := range one {
			if got[c] != one[c] {
				t.Fatalf("transpose path, workers=%d column %d: %v != %v", workers, c, got[c], one[c])
			}
			if got[c] != 0 {
				nonzero++
			}
		}
	}
	if nonzero == 0 {
		t.Fatal("all medians are zero; the comparison proves nothing")
	}
}

// TestMatEMAAlphaFn_Walk pins the chain's forward walk over a stored row:
// the bond looked up for column j is found only while earlier entries have
// smaller columns, so an unsorted or out-of-range entry hides later ones.
func TestMatEMAAlphaFn_Walk(t *testing.T) {
	y := fixed.FromFloat64(0.25)
	w := sparse{{{2, fixed.One}, {3, fixed.One}}}
	tests := []struct {
		name  string
		bonds []entry
		want  map[uint16]fixed.I32F32 // bond seen by alpha, per column
	}{
		{"sorted", []entry{{2, y}, {3, y}}, map[uint16]fixed.I32F32{2: y, 3: y}},
		{"out-of-range entry first hides the rest", []entry{{9, y}, {2, y}, {3, y}}, map[uint16]fixed.I32F32{2: 0, 3: 0}},
		{"descending: only the first is seen", []entry{{3, y}, {2, y}}, map[uint16]fixed.I32F32{2: 0, 3: y}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := map[uint16]fixed.I32F32{}
			matEMAAlphaFn(w, sparse{tt.bonds}, 4, nil, func(j uint16, wv, bv fixed.I32F32) fixed.I32F32 {
				seen[j] = bv
				return fixed.FromFloat64(0.1)
			})
			for j, want := range tt.want {
				if seen[j] != want {
					t.Errorf("column %d: bond %v, want %v", j, seen[j], want)
				}
			}
		})
	}
}

// TestEpoch_WorkersAgree runs large epochs (parallel row passes and column
// medians) with 1, 2, 3 and 8 workers: the outputs must be identical.
func TestEpoch_WorkersAgree(t *testing.T) {
	for _, tc := range []struct {
		yuma3   bool
		penalty uint16
	}{{false, 65535}, {false, 20000}, {true, 0}, {true, 65535}} {
		in := benchInput(700, 160, true, tc.yuma3)
		in.Params.BondsPenalty = tc.penalty
		one, err := epoch(in, 1)
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprint(*one)
		for _, w := range []int{2, 3, 8} {
			got, err := epoch(in, w)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(*got) != want {
				t.Fatalf("yuma3=%v penalty=%d: %d workers differ from 1", tc.yuma3, tc.penalty, w)
			}
		}
		if one.Incentive[500] == 0 && one.Dividends[0] == 0 {
			t.Fatal("degenerate epoch; the comparison proves nothing")
		}
	}
}

// TestSigmoidCache_Alpha checks the liquid-alpha memo against alphaOfDiff
// on repeated, colliding and fresh differences, for several parameter sets.
func TestSigmoidCache_Alpha(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 4))
	for _, p := range []struct {
		low, high uint16
		steep     int16
	}{{45875, 58982, 1000}, {1638, 65535, -500}, {0, 0, 0}, {30000, 30001, 32767}} {
		low, high := fixed.U16Proportion(p.low), fixed.U16Proportion(p.high)
		steep := fixed.FromInt(int64(p.steep))
		c := &sigmoidCache{alpha0: alphaOfDiff(0, low, high, steep), low: low, high: high, steep: steep}
		seen := []fx{0}
		for k := 0; k < 30_000; k++ {
			var d fx
			switch r.IntN(3) {
			case 0:
				d = seen[r.IntN(len(seen))] // repeated
			case 1:
				d = fx(r.Int64N(int64(fixed.One) + 1)) // fresh, in [0, 1]
			default:
				d = fx(r.Int64N(1 << 20)) // small: many share a slot
			}
			seen = append(seen, d)
			if got, want := c.alpha(d), alphaOfDiff(d, low, high, steep); got != want {
				t.Fatalf("params %+v: alpha(raw %d) = %d, want %d", p, d, got, want)
			}
		}
	}
}

// TestReadWeightsRow_Normalise checks the row read (with its written-out
// common case) against inplace_row_normalize_sparse done literally: every
// kept u16 value divided by the saturating sum with SafeDiv. The rows hold
// zero weights, sums that are powers of two (where the whole-number
// reciprocal does not apply), a saturating sum, the diagonal (dropped
// unless the row is the owner's), columns >= n and outdated targets.
func TestReadWeightsRow_Normalise(t *testing.T) {
	const n = 8
	for _, tc := range []struct {
		name  string
		row   int
		owner int
		cells []Cell
		late  bool // uid 5 registered after the row's update
	}{
		{"zeros", 0, -1, []Cell{{1, 0}, {2, 300}, {3, 0}, {4, 65535}}, false},
		{"power of two sum", 0, -1, []Cell{{1, 2}, {2, 2}}, false},
		{"single one", 0, -1, []Cell{{3, 1}}, false},
		{"all zero", 0, -1, []Cell{{1, 0}, {2, 0}}, false},
		{"diagonal dropped", 2, -1, []Cell{{1, 7}, {2, 9}, {3, 11}}, false},
		{"owner keeps diagonal", 2, 2, []Cell{{1, 7}, {2, 9}, {3, 11}}, false},
		{"columns past n", 0, -1, []Cell{{1, 100}, {9, 5}, {200, 7}}, false},
		{"outdated target", 0, -1, []Cell{{1, 100}, {5, 50}, {6, 25}}, true},
		{"unsorted", 0, -1, []Cell{{6, 3}, {1, 100}, {4, 65535}}, false},
		{"saturating sum", 0, -1, slices.Repeat([]Cell{{1, 65535}, {2, 65534}}, 20000), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := &Input{Block: 100, Neurons: make([]Neuron, n)}
			for i := range in.Neurons {
				in.Neurons[i].LastUpdate = 50
				in.Neurons[i].BlockAtRegistration = 1
			}
			if tc.late {
				in.Neurons[5].BlockAtRegistration = 60
			}
			in.Neurons[tc.row].Weights = tc.cells
			reg := make([]uint64, n)
			var regMax uint64
			for i := range in.Neurons {
				reg[i] = in.Neurons[i].BlockAtRegistration
				regMax = max(regMax, reg[i])
			}
			got, _ := readWeightsRow(in, reg, regMax, tc.row, tc.owner, nil)
			var want []entry
			sum := fx(0)
			for _, c := range tc.cells {
				j := int(c.UID)
				if j >= n || (j == tc.row && tc.row != tc.owner) || reg[j] > 49 {
					continue
				}
				want = append(want, entry{c.UID, fixed.FromU16(c.Value)})
				sum = sum.Add(fixed.FromU16(c.Value))
			}
			for k := range want {
				if sum != 0 {
					want[k].val = want[k].val.SafeDiv(sum)
				}
			}
			if len(got) != len(want) {
				t.Fatalf("got %d entries, want %d", len(got), len(want))
			}
			for k := range want {
				if got[k] != want[k] {
					t.Errorf("entry %d: got %+v, want %+v", k, got[k], want[k])
				}
			}
		})
	}
}
