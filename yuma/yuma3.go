package yuma

import (
	"github.com/subnetd/subnetd/yuma/fixed"
)

// computeBondsYuma3 is compute_bonds_sparse: liquid alpha when it is on and
// some consensus is non-zero, otherwise the fixed-alpha EMA. It also
// returns the column sums of the EMA (positive values, added up from
// per-worker partials, which is exact: see par).
//
// wAsc and bAsc, when not nil, report per row whether w's and b's columns
// are strictly ascending and below len(consensus).
func computeBondsYuma3(p *Params, w, b sparse, wAsc, bAsc []bool, consensus []fx, n int, pr *par) (sparse, []fx) {
	liquid := false
	if p.LiquidAlphaOn {
		for _, c := range consensus {
			if c != 0 {
				liquid = true
				break
			}
		}
	}
	parts := pr.partials(n)
	if !liquid {
		return matEMA(w, b, fixedAlpha(p.BondsMovingAverage), n, pr, parts), sumPartials(parts)
	}
	low, high := fixed.U16Proportion(p.AlphaLow), fixed.U16Proportion(p.AlphaHigh)
	steep := fixed.FromInt(int64(p.AlphaSigmoidSteepness))
	return matEMAAlpha(w, b, wAsc, bAsc, consensus, low, high, steep, pr, parts), sumPartials(parts)
}

// matEMAAlpha fuses compute_liquid_alpha_values_sparse and
// mat_ema_alpha_sparse. The chain builds a dense n×n alpha matrix, but
// mat_ema_alpha_sparse only reads alphas at columns present in the old bond
// row or the new weight row, so only those are computed. The weight and bond
// looked up for column j follow the chain's forward walk over each stored row
// (which assumes ascending columns); visiting the needed columns in ascending
// order leaves that walk in exactly the state the full sweep would. Rows are
// independent, so large matrices are split over pr's workers.
// When colSums is non-nil, worker w adds the values it emits (columns <
// len(consensus)) to colSums[w]; w and b must then have the same length.
func matEMAAlpha(w, b sparse, wAsc, bAsc []bool, consensus []fx, low, high, steep fx, pr *par, colSums [][]fx) sparse {
	if len(w) != len(b) {
		return w
	}
	out := make(sparse, len(w))
	// alpha depends on (consensus, weight, bond) only through the clamped
	// difference d; each worker memoises the sigmoid (sigmoidCache).
	alpha0 := alphaOfDiff(0, low, high, steep)
	caches, walks := make([]*sigmoidCache, pr.workers), make([]*emaAlphaScratch, pr.workers)
	pr.rows(len(w), func(wk, from, to int) {
		sc := perWorker(caches, wk, func() *sigmoidCache {
			return &sigmoidCache{alpha0: alpha0, low: low, high: high, steep: steep}
		})
		var colSum []fx
		if colSums != nil {
			colSum = colSums[wk]
		}
		alphaOf := func(j uint16, wv, bv fx) fx { return sc.alpha(alphaDiff(consensus[j], wv, bv)) }
		cols := len(consensus)
		walk := perWorker(walks, wk, func() *emaAlphaScratch { return &emaAlphaScratch{} })
		for i := from; i < to; i++ {
			// Rows in strictly ascending order take the merge, with the
			// sigmoid called directly; the rest take the general walk.
			if rowAscendingBelow(wAsc, i, w[i], cols) && rowAscendingBelow(bAsc, i, b[i], cols) {
				out[i] = emaAlphaRowLiquid(w[i], b[i], pr.ars[wk], colSum, consensus, sc)
				continue
			}
			out[i] = walk.walkRow(w[i], b[i], cols, pr.ars[wk], colSum, alphaOf)
		}
	})
	return out
}

// sigmoidCache is one worker's memo of alphaOfDiff for fixed bounds and
// steepness: alpha depends on (consensus, weight, bond) only through the
// clamped difference d, and many pairs share d (0 whenever a validator is
// at or below consensus, which is kept apart). Other differences go to a
// direct-mapped table of sigmoidSlots entries, allocated on the first one:
// a lookup is a hash and a compare, and a collision only costs the
// recomputation. It holds a pure function's values, so it cannot change a
// result.
type sigmoidCache struct {
	tab              []sigmoidSlot
	alpha0           fx // alphaOfDiff(0, …)
	low, high, steep fx
}

// sigmoidSlot is one cached (d, alpha) pair; d == 0 marks an empty slot (0
// is never stored).
type sigmoidSlot struct{ d, a fx }

// sigmoidBits sets the size of a sigmoidCache's table: 1 << sigmoidBits
// slots (64 KiB).
const (
	sigmoidBits  = 12
	sigmoidSlots = 1 << sigmoidBits
)

// alpha returns alphaOfDiff(d, low, high, steep).
func (c *sigmoidCache) alpha(d fx) fx {
	if d == 0 {
		return c.alpha0
	}
	if c.tab == nil {
		c.tab = make([]sigmoidSlot, sigmoidSlots)
	}
	slot := &c.tab[(uint64(d)*0x9E3779B97F4A7C15)>>(64-sigmoidBits)] // Fibonacci hashing
	if slot.d == d {
		return slot.a
	}
	a := alphaOfDiff(d, c.low, c.high, c.steep)
	slot.d, slot.a = d, a
	return a
}

// emaAlphaRowLiquid is emaAlphaRowMerged with the liquid alpha of
// matEMAAlpha, alphaOfDiff(alphaDiff(consensus[j], weight, bond)), computed
// in the loop rather than through a function value.
func emaAlphaRowLiquid(wRow, bRow []entry, ar *arena, colSum []fx, consensus []fx, sc *sigmoidCache) []entry {
	row := ar.row(len(wRow))
	bi := 0
	for _, e := range wRow {
		for bi < len(bRow) && bRow[bi].col < e.col {
			bi++ // a bond without a weight: dropped
		}
		var bv fx
		if bi < len(bRow) && bRow[bi].col == e.col {
			bv = bRow[bi].val
			bi++
		}
		a := sc.alpha0
		c := consensus[e.col]
		var d fx
		if uint64(c|e.val|bv) <= uint64(fixed.One) {
			// All three in [0, 1] (their bits' union is): alphaDiff's
			// differences cannot saturate, so plain ones give its bits.
			if e.val >= bv {
				d = min(max(e.val-c, 0), fixed.One)
			} else {
				d = min(max(bv-e.val, 0), fixed.One)
			}
		} else {
			d = alphaDiff(c, e.val, bv)
		}
		if d != 0 {
			a = sc.alpha(d)
		}
		var v fx
		if bv != 0 {
			v = fixed.One.Sub(a).Mul(bv)
		}
		v = v.Add(a.Mul(e.val).Max(0)).Min(fixed.One)
		if v > 0 {
			row = append(row, entry{e.col, v})
			if colSum != nil {
				colSum[e.col] = colSum[e.col].Add(v)
			}
		}
	}
	return row
}

// matEMAAlphaFn is the EMA of matEMAAlpha with the alpha of column j (given
// the walked weight and bond) supplied by alphaOf, over cols columns.
func matEMAAlphaFn(w, b sparse, cols int, ar *arena, alphaOf func(j uint16, wv, bv fx) fx) sparse {
	if len(w) != len(b) {
		return w
	}
	out := make(sparse, len(w))
	matEMAAlphaRows(w, b, nil, nil, cols, ar, out, nil, 0, len(w), alphaOf)
	return out
}

// matEMAAlphaRows computes rows [from, to) of matEMAAlphaFn into out,
// adding the values it emits to colSum when that is non-nil.
// wAsc and bAsc, when not nil, tell per row whether w's and b's rows are
// strictly ascending and below cols (what ascendingBelow would find).
func matEMAAlphaRows(w, b sparse, wAsc, bAsc []bool, cols int, ar *arena, out sparse, colSum []fx, from, to int, alphaOf func(j uint16, wv, bv fx) fx) {
	var sc emaAlphaScratch
	for i := from; i < to; i++ {
		wRow, bRow := w[i], b[i]
		if rowAscendingBelow(wAsc, i, wRow, cols) && rowAscendingBelow(bAsc, i, bRow, cols) {
			out[i] = emaAlphaRowMerged(wRow, bRow, ar, colSum, alphaOf)
			continue
		}
		out[i] = sc.walkRow(wRow, bRow, cols, ar, colSum, alphaOf)
	}
}

// emaAlphaScratch holds the per-column buffers of walkRow, allocated on
// first use and cleared after each row.
type emaAlphaScratch struct {
	alpha, decayed []fx
	need           []bool
	q              []uint16
}

// walkRow is one row of matEMAAlphaRows for rows in any order: the chain's
// forward walk over the needed columns, then mat_ema_alpha_sparse's two loops.
func (sc *emaAlphaScratch) walkRow(wRow, bRow []entry, cols int, ar *arena, colSum []fx, alphaOf func(j uint16, wv, bv fx) fx) []entry {
	if sc.alpha == nil {
		sc.alpha, sc.decayed, sc.need = make([]fx, cols), make([]fx, cols), make([]bool, cols)
		sc.q = make([]uint16, 0, 64)
	}
	alpha, decayed, need, q := sc.alpha, sc.decayed, sc.need, sc.q
	q = q[:0]
	for _, r := range [2][]entry{bRow, wRow} {
		for _, e := range r {
			if int(e.col) < cols && !need[e.col] {
				need[e.col] = true
				q = append(q, e.col)
			}
		}
	}
	q = sortTouched(q, need)
	wi, bi := 0, 0
	for _, j := range q {
		var wv, bv fx
		for wi < len(wRow) {
			if c := wRow[wi].col; c < j {
				wi++
				continue
			} else if c == j {
				wv = wRow[wi].val
			}
			break
		}
		for bi < len(bRow) {
			if c := bRow[bi].col; c < j {
				bi++
				continue
			} else if c == j {
				bv = bRow[bi].val
			}
			break
		}
		alpha[j] = alphaOf(j, wv, bv)
	}
	for _, e := range bRow {
		if int(e.col) < cols {
			decayed[e.col] = fixed.One.Sub(alpha[e.col]).Mul(e.val)
		}
	}
	row := ar.row(len(wRow))
	for _, e := range wRow {
		if int(e.col) >= cols {
			continue
		}
		inc := alpha[e.col].Mul(e.val).Max(0)
		v := decayed[e.col].Add(inc).Min(fixed.One)
		if v > 0 {
			row = append(row, entry{e.col, v})
			if colSum != nil {
				colSum[e.col] = colSum[e.col].Add(v)
			}
		}
	}
	for _, j := range q {
		alpha[j], decayed[j], need[j] = 0, 0, false
	}
	sc.q = q
	return row
}

// rowAscendingBelow is ascendingBelow(row, cols) for row i of a matrix
// whose rows' order is known (ascending[i]: strictly ascending), so that
// only the last column is checked; with ascending nil it checks the row.
func rowAscendingBelow(ascending []bool, i int, row []entry, cols int) bool {
	if ascending == nil {
		return ascendingBelow(row, cols)
	}
	return ascending[i] && (len(row) == 0 || int(row[len(row)-1].col) < cols)
}

// ascendingBelow reports whether row's columns are strictly ascending and
// below cols (what stored rows are).
func ascendingBelow(row []entry, cols int) bool {
	for k := 1; k < len(row); k++ {
		if row[k-1].col >= row[k].col {
			return false
		}
	}
	return len(row) == 0 || int(row[len(row)-1].col) < cols
}

// emaAlphaRowMerged is one row of matEMAAlphaRows for strictly ascending
// rows with columns below cols. The needed columns in ascending order are
// then the merge of the two rows, and at each of them the chain's forward
// walk stops on the entry of that column when the row has one (and reads 0
// otherwise): the merge visits the same columns in the same order with the
// same (weight, bond) pairs, without the sort. With each column at most
// once per row, mat_ema_alpha_sparse's two loops reduce to one step per
// merged column: a column with a weight emits min(1, (1-a)·bond +
// max(0, a·weight)) when positive (the decayed bond is 0 without a bond
// entry), and a column with only a bond emits nothing (the bond is dropped,
// so its alpha, a pure function of the column's values, is not needed).
func emaAlphaRowMerged(wRow, bRow []entry, ar *arena, colSum []fx, alphaOf func(j uint16, wv, bv fx) fx) []entry {
	row := ar.row(len(wRow))
	wi, bi := 0, 0
	for wi < len(wRow) {
		e := wRow[wi]
		for bi < len(bRow) && bRow[bi].col < e.col {
			bi++ // a bond without a weight: dropped
		}
		var bv fx
		if bi < len(bRow) && bRow[bi].col == e.col {
			bv = bRow[bi].val
			bi++
		}
		a := alphaOf(e.col, e.val, bv)
		var v fx
		if bv != 0 {
			v = fixed.One.Sub(a).Mul(bv)
		}
		v = v.Add(a.Mul(e.val).Max(0)).Min(fixed.One)
		if v > 0 {
			row = append(row, entry{e.col, v})
			if colSum != nil {
				colSum[e.col] = colSum[e.col].Add(v)
			}
		}
		wi++
	}
	return row
}

var (
	half       = fixed.One / 2
	minusHundr = fixed.FromInt(-100)
)

// The chain's alpha_sigmoid(consensus, weight, bond, low, high, steepness)
// is alphaOfDiff(alphaDiff(consensus, weight, bond), low, high, steepness).

// alphaDiff is alpha_sigmoid's combined_diff: how far a validator buys
// above consensus, or sells below its old bond, clamped to [0, 1].
func alphaDiff(consensus, weight, bond fx) fx {
	if weight >= bond {
		return clamp(weight.Sub(consensus), 0, fixed.One)
	}
	return clamp(bond.Sub(weight), 0, fixed.One)
}

// alphaOfDiff is the rest of alpha_sigmoid: the sigmoid of combined_diff
// scaled into [low, high].
func alphaOfDiff(d, low, high, steep fx) fx {
	x := steep.SaturatingDiv(minusHundr).Mul(d.Sub(half))
	s := fixed.One.SaturatingDiv(fixed.One.Add(fixed.ExpSafe(x)))
	a := low.Add(s.Mul(high.Sub(low)))
	return clamp(a, low, high)
}

// clamp is clamp_value: min with high first, then max with low.
func clamp(v, low, high fx) fx { return v.Min(high).Max(low) }
