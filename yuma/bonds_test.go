package yuma

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/subnetd/subnetd/yuma/fixed"
)

// refColNormalize is inplace_col_normalize_sparse written out literally:
// column sums, then each entry divided by its column's non-zero sum.
func refColNormalize(m sparse, n int) {
	colSum := make([]fx, n)
	for _, row := range m {
		for _, e := range row {
			if int(e.col) < n {
				colSum[e.col] = colSum[e.col].Add(e.val)
			}
		}
	}
	for _, row := range m {
		for k, e := range row {
			if int(e.col) < n && colSum[e.col] != 0 {
				row[k].val = e.val.SafeDiv(colSum[e.col])
			}
		}
	}
}

// refOriginalBonds is the original bond model step by step as the chain
// runs it: each matrix materialised and column-normalised in its own
// passes, then the max-upscale and the u16 storage.
func refOriginalBonds(p *Params, nrn []Neuron, wb sparse, incentive, activeStake []fx, lastTempo uint64, newPermit []bool) ([][]Cell, []fx) {
	n := len(nrn)
	bonds := make(sparse, n)
	for i := range nrn {
		for _, c := range nrn[i].Bonds {
			if int(c.UID) < n && lastTempo > nrn[c.UID].BlockAtRegistration {
				bonds[i] = append(bonds[i], entry{c.UID, fixed.FromU16(c.Value)})
			}
		}
	}
	refColNormalize(bonds, n)
	delta := make(sparse, n)
	for i, row := range wb {
		for _, e := range row {
			delta[i] = append(delta[i], entry{e.col, e.val.Mul(activeStake[i])})
		}
	}
	refColNormalize(delta, n)
	ema := matEMA(delta, bonds, fixedAlpha(p.BondsMovingAverage), n, newPar(1), nil)
	refColNormalize(ema, n)
	dividends := make([]fx, n)
	colMax := make([]fx, n)
	for i, row := range ema {
		for _, e := range row {
			dividends[i] = dividends[i].Add(getFx(incentive, int(e.col)).Mul(e.val))
			colMax[e.col] = colMax[e.col].Max(e.val)
		}
	}
	normalize(dividends)
	out := make([][]Cell, n)
	for i, row := range ema {
		out[i] = []Cell{}
		if newPermit[i] {
			out[i] = make([]Cell, len(row))
			for k, e := range row {
				v := e.val
				if colMax[e.col] != 0 {
					v = v.SafeDiv(colMax[e.col])
				}
				out[i][k] = Cell{e.col, fixed.ProportionToU16(v)}
			}
		}
	}
	return out, dividends
}

// TestOriginalBonds_Reference checks the fused original bond pipeline
// against refOriginalBonds bit for bit, with and without precomputed ΔB
// column sums, on dense and sparse random subnets and on 1 and 3 workers.
func TestOriginalBonds_Reference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for k := 0; k < 45; k++ {
		n := 1 + r.IntN(200)
		density := []float64{0.02, 0.3, 1}[k%3]
		p := DefaultParams()
		p.BondsMovingAverage = []uint64{900_000, 0, 1_000_000, 1_500_000, r.Uint64N(1_000_001)}[r.IntN(5)]
		nrn := make([]Neuron, n)
		wb := make(sparse, n)
		stake := make([]fx, n)
		incentive := make([]fx, n)
		permit := make([]bool, n)
		for i := range nrn {
			nrn[i].BlockAtRegistration = uint64(r.IntN(120))
			stake[i] = fx(r.Int64N(1 << 32))
			incentive[i] = fx(r.Int64N(1 << 32))
			permit[i] = r.IntN(3) != 0
			for j := 0; j < n+2; j++ {
				if r.Float64() < density {
					nrn[i].Bonds = append(nrn[i].Bonds, Cell{uint16(j), uint16(r.IntN(65536))})
				}
				if j < n && r.Float64() < density {
					wb[i] = append(wb[i], entry{uint16(j), fx(r.Int64N(1<<32 + 1))})
				}
			}
		}
		normalize(stake)
		normalize(incentive)
		lastTempo := uint64(r.IntN(130))
		wantBonds, wantDiv := refOriginalBonds(&p, nrn, cloneRows(wb), incentive, stake, lastTempo, permit)
		want := fmt.Sprint(wantBonds, wantDiv)
		// The ΔB column sums, as the epoch passes them when the penalty is 1.
		deltaSum := make([]fx, n)
		for i, row := range wb {
			for _, e := range row {
				deltaSum[e.col] = deltaSum[e.col].Add(stake[i].Mul(e.val))
			}
		}
		for _, workers := range []int{1, 3} {
			for _, sums := range [][]fx{nil, deltaSum} {
				pr := newPar(workers)
				gotBonds, gotDiv := originalBonds(&p, nrn, cloneRows(wb), nil, sums, incentive, stake, lastTempo, permit, nil, pr)
				pr.release()
				if got := fmt.Sprint(gotBonds, gotDiv); got != want {
					t.Fatalf("case %d (n=%d, density %v, %d workers, sums given %v): fused pipeline differs from the reference",
						k, n, density, workers, sums != nil)
				}
			}
		}
	}
}

func cloneRows(m sparse) sparse {
	out := make(sparse, len(m))
	for i, r := range m {
		out[i] = append([]entry(nil), r...)
	}
	return out
}

// TestOriginalBonds_SaturatedColumnSum holds a bond column whose sum passes
// the I32F32 range (33 000 bonds of 65535 on uid 0, about 2^31) to the
// reference's saturating adds: the integer column sums must saturate alike.
func TestOriginalBonds_SaturatedColumnSum(t *testing.T) {
	const n = 33000
	p := DefaultParams()
	nrn := make([]Neuron, n)
	wb := make(sparse, n)
	stake := make([]fx, n)
	incentive := make([]fx, n)
	permit := make([]bool, n)
	for i := range nrn {
		nrn[i].Bonds = []Cell{{0, 65535}, {uint16(1 + i%7), uint16(i)}}
		stake[i] = fx(1 << 10)
		permit[i] = i%2 == 0
	}
	incentive[0], incentive[3] = fixed.One/2, fixed.One/2
	wantBonds, wantDiv := refOriginalBonds(&p, nrn, cloneRows(wb), incentive, stake, 100, permit)
	pr := newPar(1)
	defer pr.release()
	gotBonds, gotDiv := originalBonds(&p, nrn, cloneRows(wb), nil, nil, incentive, stake, 100, permit, nil, pr)
	if fmt.Sprint(gotBonds, gotDiv) != fmt.Sprint(wantBonds, wantDiv) {
		t.Fatal("saturated column sums differ from the reference")
	}
	if wantBonds[0][0].Value == 0 {
		t.Fatal("degenerate case: no bond on the saturated column")
	}
}
