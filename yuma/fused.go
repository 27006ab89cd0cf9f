package yuma

import (
	"math/bits"

	"github.com/subnetd/subnetd/yuma/fixed"
)

// liquidOn reports whether compute_bonds_sparse takes liquid alpha: it is
// on and some consensus is non-zero.
func liquidOn(p *Params, consensus []fx) bool {
	if !p.LiquidAlphaOn {
		return false
	}
	for _, c := range consensus {
		if c != 0 {
			return true
		}
	}
	return false
}

// clipBondsLiquid is clipTrustRanks followed by Yuma3's readBonds and
// liquid-alpha EMA (matEMAAlpha) for a bonds penalty of 1, when the bonds
// follow the clipped weights (W_b = clipped W), fused in one pass over the
// rows. The liquid-alpha EMA of a row reads only that row's clipped weights,
// its stored bonds and the consensus, never the ranks, so each row can be
// clipped and its new bonds computed while its weights are in cache; the
// clipped matrix and the bonds matrix are never materialised.
//
// A row takes the fused path when its weights are in strictly ascending
// column order (ascending[i]) and its stored bonds are too, all below n:
// the clipped row is then ascending as well (clipping only drops entries),
// readBondsRow would keep exactly the stored entries of the columns
// keepCol allows, in order, and matEMAAlpha would take emaAlphaRowLiquid,
// whose walk is done here entry by entry with the same operations in the
// same order. Any other row is clipped into a row of its own, its bonds
// read by readBondsRow, and its EMA taken as matEMAAlpha takes it.
//
// It returns validator trust, the (un-normalised) ranks, the new bonds and
// their column sums, each exactly as the separate passes give them.
func clipBondsLiquid(p *Params, nrn []Neuron, w sparse, ascending []bool, consensus, stake []fx, lastTempo uint64, n int, pr *par) (trust, ranks []fx, ema sparse, colSum []fx) {
	trust = make([]fx, len(w))
	rankParts, sumParts := pr.partials(n), pr.partials(n)
	total := 0
	for _, row := range w {
		total += len(row)
	}
	plain := total < 1<<30 && proportions(stake) // as in clipTrustRanks
	keepCol := bondColumns(nrn, lastTempo)
	low, high := fixed.U16Proportion(p.AlphaLow), fixed.U16Proportion(p.AlphaHigh)
	steep := fixed.FromInt(int64(p.AlphaSigmoidSteepness))
	alpha0 := alphaOfDiff(0, low, high, steep)
	oneMinus0 := fixed.One.Sub(alpha0)
	ema = make(sparse, n)
	caches, walks := make([]*sigmoidCache, pr.workers), make([]*emaAlphaScratch, pr.workers)
	pr.rows(len(w), func(wk, from, to int) {
		ar := pr.ars[wk]
		ranks, colSum := rankParts[wk], sumParts[wk]
		sc := perWorker(caches, wk, func() *sigmoidCache {
			return &sigmoidCache{alpha0: alpha0, low: low, high: high, steep: steep}
		})
		alphaOf := func(j uint16, wv, bv fx) fx { return sc.alpha(alphaDiff(consensus[j], wv, bv)) }
		walk := perWorker(walks, wk, func() *emaAlphaScratch { return &emaAlphaScratch{} })
		for i := from; i < to; i++ {
			row, s := w[i], getFx(stake, i)
			bonds := nrn[i].Bonds
			if !ascending[i] || !cellsAscendingBelow(bonds, n) {
				clipped := ar.row(len(row))[:len(row)]
				var m int
				trust[i], m = clipRow(row, consensus, s, ranks, plain, n, clipped)
				clipped = clipped[:m]
				bRow, bAsc := readBondsRow(nrn, keepCol, i, lastTempo, ar)
				if ascending[i] && bAsc && (len(bRow) == 0 || int(bRow[len(bRow)-1].col) < n) {
					ema[i] = emaAlphaRowLiquid(clipped, bRow, ar, colSum, consensus, sc)
				} else {
					ema[i] = walk.walkRow(clipped, bRow, n, ar, colSum, alphaOf)
				}
				continue
			}
			out := ar.row(len(row))
			var t fx
			bi := 0
			quick := plain && s >= 0 && s <= fixed.One && alpha0 >= 0 && alpha0 <= fixed.One
			for k := 0; k < len(row); k++ {
				if quick {
					// The common entries in a leaf loop; it stops at
					// the first entry that needs more (k is that entry).
					if k, bi, t, out = clipLiquidQuick(row, k, bonds, bi, consensus, ranks, colSum, keepCol, s, alpha0, oneMinus0, t, out); k == len(row) {
						break
					}
				}
				e := row[k]
				th := consensus[e.col] // e.col < n: readWeightsRow drops the rest
				// col_clip_sparse, as in clipTrustRanks.
				if th <= 0 && th < e.val {
					continue
				}
				v := min(e.val, th)
				if plain {
					t += v
					ranks[e.col] += s.Mul(v)
				} else {
					t = t.Add(v)
					ranks[e.col] = ranks[e.col].Add(s.Mul(v))
				}
				// emaAlphaRowLiquid at the clipped entry (e.col, v): a
				// stored bond before it has no weight and is dropped; a
				// bond of a column keepCol masks is not read (0).
				for bi < len(bonds) && bonds[bi].UID < e.col {
					bi++
				}
				var bv fx
				if bi < len(bonds) && bonds[bi].UID == e.col {
					if keepCol[e.col] {
						bv = u16Prop(bonds[bi].Value)
					}
					bi++
				}
				a, oneMinus := sc.alpha0, oneMinus0
				var d fx
				if uint64(th|v|bv) <= uint64(fixed.One) {
					if v >= bv {
						d = min(max(v-th, 0), fixed.One)
					} else {
						d = min(max(bv-v, 0), fixed.One)
					}
				} else {
					d = alphaDiff(th, v, bv)
				}
				if d != 0 {
					a = sc.alpha(d)
					oneMinus = fixed.One.Sub(a)
				}
				var x fx
				if bv != 0 {
					x = oneMinus.Mul(bv)
				}
				x = x.Add(a.Mul(v).Max(0)).Min(fixed.One)
				if x > 0 {
					out = append(out, entry{e.col, x})
					colSum[e.col] = colSum[e.col].Add(x)
				}
			}
			trust[i] = t
			ema[i] = out
		}
	})
	return trust, sumPartials(rankParts), ema, sumPartials(sumParts)
}

// clipLiquidQuick is clipBondsLiquid's row step for entries k, k+1, … of
// a fused row, in a leaf function so that its loop keeps its values in
// registers, while each entry is clipped or dropped and, when kept, has a
// difference of 0 (so its alpha is alpha0, with no sigmoid) and values in
// [0, 1]. It stops before the first other entry, having changed nothing
// for it but skipped the stored bonds before its column (which the general
// step skips too), and returns where it stopped, the bond cursor, the trust
// so far and the row of new bonds. The caller guarantees the plain sums of
// clipTrustRanks, 0 <= s <= 1 and 0 <= alpha0 <= 1; every product is then
// of two values in [0, 1], whose floor mulProp gives exactly as Mul does,
// and the steps are those of clipBondsLiquid's general loop, in its order.
func clipLiquidQuick(row []entry, k int, bonds []Cell, bi int, consensus, ranks, colSum []fx, keepCol []bool, s, alpha0, oneMinus0, t fx, out []entry) (int, int, fx, []entry) {
	o := len(out)
	out = out[:cap(out)]
	for ; k < len(row); k++ {
		e := row[k]
		th := consensus[e.col]
		if th <= 0 && th < e.val {
			continue // col_clip_sparse drops it
		}
		v := min(e.val, th)
		for bi < len(bonds) && bonds[bi].UID < e.col {
			bi++
		}
		var bv fx
		match := bi < len(bonds) && bonds[bi].UID == e.col
		if match && keepCol[e.col] {
			bv = u16Prop(bonds[bi].Value)
		}
		if uint64(th|v|bv) > uint64(fixed.One) {
			break
		}
		// The difference (alphaDiff's [0, 1] case) is 0 exactly when
		// v >= bv: then it is max(v-th, 0), and v <= th (v is clipped to
		// th); otherwise it is min(bv-v, 1) > 0, which needs the sigmoid.
		if v < bv || o >= len(out) {
			break
		}
		if match {
			bi++
		}
		t += v
		ranks[e.col] += mulProp(s, v)
		x := (mulProp(oneMinus0, bv) + mulProp(alpha0, v)).Min(fixed.One)
		if x > 0 {
			out[o] = entry{e.col, x}
			o++
			// A plain add: every value added to a column sum in this
			// pass is at most 1, one per weight, and plain (required
			// by the caller) means fewer than 2^30 weights, so the
			// chain's saturating add never saturates.
			colSum[e.col] += x
		}
	}
	return k, bi, t, out[:o]
}

// mulProp is x.Mul(y) for x and y in [0, 1]: the floor of the exact
// product, which is at most 1.
func mulProp(x, y fx) fx {
	hi, lo := bits.Mul64(uint64(x), uint64(y))
	return fx(hi<<32 | lo>>32)
}

// cellsAscendingBelow reports whether a stored row's uids are strictly
// ascending and below n.
func cellsAscendingBelow(row []Cell, n int) bool {
	for k := 1; k < len(row); k++ {
		if row[k-1].UID >= row[k].UID {
			return false
		}
	}
	return len(row) == 0 || int(row[len(row)-1].UID) < n
}

// clipRow is one row of clipTrustRanks: it clips row to the consensus c
// into out (which must have room for the row), adds s times each clipped
// value to ranks (columns below n), and returns the row's validator trust
// and the number of clipped entries written. plain selects plain adds
// (see clipTrustRanks).
func clipRow(row []entry, c []fx, s fx, ranks []fx, plain bool, n int, out []entry) (fx, int) {
	var t fx
	m := 0
	for _, e := range row {
		th := getFx(c, int(e.col))
		if th <= 0 && th < e.val {
			continue
		}
		v := min(e.val, th)
		if plain {
			t += v
			if int(e.col) < n {
				ranks[e.col] += s.Mul(v)
			}
		} else {
			t = t.Add(v)
			if int(e.col) < n {
				ranks[e.col] = ranks[e.col].Add(s.Mul(v))
			}
		}
		out[m] = entry{e.col, v}
		m++
	}
	return t, m
}
