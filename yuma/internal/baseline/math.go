package baseline

import (
	"slices"
	"sync"

	"github.com/subnetd/subnetd/yuma/fixed"
)

type (
	fx = fixed.I32F32
	// entry is one cell of a sparse row: a column uid and its value.
	entry struct {
		col uint16
		val fx
	}
	sparse [][]entry
)

// sum adds a vector with saturation.
func sum(x []fx) fx {
	var s fx
	for _, v := range x {
		s = s.Add(v)
	}
	return s
}

// normalize divides x by its sum in place (inplace_normalize); no-op on a zero sum.
func normalize(x []fx) {
	normalizeBy(x, sum(x))
}

// normalizeBy divides x by s in place (inplace_normalize_using_sum).
func normalizeBy(x []fx, s fx) {
	if s == 0 {
		return
	}
	for i := range x {
		x[i] = x[i].SafeDiv(s)
	}
}

// normalize64 is inplace_normalize_64.
func normalize64(x []fixed.I64F64) {
	var s fixed.I64F64
	for _, v := range x {
		s = s.Add(v)
	}
	if s.IsZero() {
		return
	}
	for i := range x {
		x[i] = x[i].SafeDiv(s)
	}
}

// topKNonzero is is_topk_nonzero: true where the value is non-zero and among
// the k largest; ties lose in uid order (stable ascending sort).
func topKNonzero(v []fx, k int) []bool {
	n := len(v)
	out := make([]bool, n)
	for i, x := range v {
		out[i] = x != 0
	}
	if n < k {
		return out
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case v[a] < v[b]:
			return -1
		case v[a] > v[b]:
			return 1
		}
		return 0
	})
	for _, i := range idx[:n-k] {
		out[i] = false
	}
	return out
}

// rowNormalize is inplace_row_normalize_sparse.
func rowNormalize(m sparse) {
	for _, row := range m {
		normalizeRow(row)
	}
}

// normalizeRow divides one sparse row by its sum when the sum is positive.
func normalizeRow(row []entry) {
	var s fx
	for _, e := range row {
		s = s.Add(e.val)
	}
	normalizeRowBy(row, s)
}

// normalizeRowBy divides a sparse row by s, its sum, when s is positive.
func normalizeRowBy(row []entry, s fx) {
	if s > 0 {
		d := newDivisor(s)
		for k := range row {
			if q, ok := d.quickInt(row[k].val); ok {
				row[k].val = q
			} else {
				row[k].val = row[k].val.SafeDiv(s)
			}
		}
	}
}

// medianScratch holds the three index buffers weightedMedian rotates
// through, so that a whole column sweep allocates nothing.
type medianScratch struct {
	a, b, c    []int
	pa, pb, pc []scoreStake
	// qs and qk hold quantileFew's compacted scores and stakes.
	qs, qk []fx
}

func (s *medianScratch) grow(n int) {
	if cap(s.a) < n {
		s.a, s.b, s.c = make([]int, 0, n), make([]int, 0, n), make([]int, 0, n)
	}
}

// weightedMedian is the chain's weighted_median: a deterministic quickselect
// with the middle element of the current partition as pivot; elements equal
// to the pivot go to neither side and partitions keep their input order.
func weightedMedian(stake, score []fx, part []int, minority, lo, hi fx, s *medianScratch) fx {
	if len(stake) != len(score) {
		return 0
	}
	if !proportions(stake) || len(part) > 65535 || lo < 0 || lo > fixed.One || hi < 0 || hi > fixed.One {
		return weightedMedianChecked(stake, score, part, minority, lo, hi, s)
	}
	for _, idx := range part {
		if idx < 0 || idx >= len(score) {
			return weightedMedianChecked(stake, score, part, minority, lo, hi, s)
		}
	}
	return weightedMedianFast(stake, score, part, minority, lo, hi, s)
}

// proportions reports whether every value is in [0, 1].
func proportions(v []fx) bool {
	for _, x := range v {
		if x < 0 || x > fixed.One {
			return false
		}
	}
	return true
}

// weightedMedianFast is weightedMedian for valid indices, stakes in [0, 1]
// (at most 65535 of them) and lo, hi in [0, 1]. Stake sums then stay below
// 2^16 and the chain's saturating adds can never saturate, so plain adds
// give the same bits. Only the pivot's score is ever returned, so the
// partitions carry (score, stake) pairs in the chain's index order rather
// than indices, and are split without branches.
func weightedMedianFast(stake, score []fx, part []int, minority, lo, hi fx, s *medianScratch) fx {
	n := len(part)
	if cap(s.pa) < n {
		s.pa, s.pb, s.pc = make([]scoreStake, n), make([]scoreStake, n), make([]scoreStake, n)
	}
	cur, lower, upper := s.pa[:n], s.pb[:n], s.pc[:n]
	for k, idx := range part {
		cur[k] = scoreStake{score[idx], stake[idx]}
	}
	limit := n
	for iter := 0; ; {
		n := len(cur)
		if n == 0 {
			return 0
		}
		if n == 1 {
			return cur[0].score
		}
		pivot := cur[n/2].score
		var loStake, hiStake fx
		nl, nu := 0, 0
		lower, upper = lower[:n], upper[:n]
		for _, e := range cur {
			lower[nl] = e
			upper[nu] = e
			l, g := 0, 0
			if e.score < pivot {
				l = 1
			}
			if e.score > pivot {
				g = 1
			}
			nl += l
			nu += g
			loStake += e.stake & -fx(l)
			hiStake += e.stake & -fx(g)
		}
		switch {
		case minority < lo+loStake && nl > 0:
			hi = lo + loStake
			cur, lower = lower[:nl], cur
		case hi-hiStake <= minority && nu > 0:
			lo = hi - hiStake
			cur, upper = upper[:nu], cur
		default:
			return pivot
		}
		iter++
		if iter > limit {
			return 0
		}
	}
}

// scoreStake is one validator's score and stake inside weightedMedianFast.
type scoreStake struct{ score, stake fx }

// weightedMedianChecked is weightedMedian for arbitrary (possibly
// out-of-range) partition indices and stakes, with the chain's saturating
// arithmetic and missing values read as zero.
func weightedMedianChecked(stake, score []fx, part []int, minority, lo, hi fx, s *medianScratch) fx {
	s.grow(len(part))
	limit := len(part)
	cur := append(s.a[:0], part...)
	lower, upper := s.b[:0], s.c[:0]
	for iter := 0; ; {
		n := len(cur)
		if n == 0 {
			return 0
		}
		if n == 1 {
			return getFx(score, cur[0])
		}
		pivot := getFx(score, cur[n/2])
		var loStake, hiStake fx
		lower, upper = lower[:0], upper[:0]
		for _, idx := range cur {
			v := getFx(score, idx)
			if v == pivot {
				continue
			}
			if v < pivot {
				loStake = loStake.Add(getFx(stake, idx))
				lower = append(lower, idx)
			} else {
				hiStake = hiStake.Add(getFx(stake, idx))
				upper = append(upper, idx)
			}
		}
		switch {
		case minority < lo.Add(loStake) && len(lower) > 0:
			hi = lo.Add(loStake)
			cur, lower = lower, cur
		case hi.Sub(hiStake) <= minority && len(upper) > 0:
			lo = hi.Sub(hiStake)
			cur, upper = upper, cur
		default:
			return pivot
		}
		iter++
		if iter > limit {
			return 0
		}
	}
}

func getFx(v []fx, i int) fx {
	if i >= 0 && i < len(v) {
		return v[i]
	}
	return 0
}

// arena hands out row slices carved from pooled blocks, so building a
// sparse matrix costs a few pool hits instead of one allocation (and one
// zeroing) per row. Each row's capacity is capped, so an append past it
// reallocates instead of overwriting the next row. Everything an epoch
// builds lives in one arena, released when the epoch returns; nothing in an
// Output points into it. A nil arena allocates normally.
type arena struct {
	buf    []entry
	blocks []*[]entry
}

const arenaBlock = 1 << 14 // entries per pooled block (256 KiB)

// blockPool recycles arena blocks between epochs. Pooled memory is never
// read before it is written, so reuse cannot change a result.
var blockPool = sync.Pool{New: func() any {
	b := make([]entry, arenaBlock)
	return &b
}}

// bigPool recycles the large contiguous buffers of the column transpose.
var bigPool sync.Pool

// getBig returns a pooled buffer with room for n entries.
func getBig(n int) *[]entry {
	if bp, ok := bigPool.Get().(*[]entry); ok && cap(*bp) >= n {
		return bp
	}
	b := make([]entry, n)
	return &b
}

func (a *arena) row(capacity int) []entry {
	if capacity == 0 {
		return nil
	}
	if a == nil || capacity > arenaBlock {
		return make([]entry, 0, capacity)
	}
	if len(a.buf) < capacity {
		bp := blockPool.Get().(*[]entry)
		a.blocks = append(a.blocks, bp)
		a.buf = *bp
	}
	r := a.buf[:0:capacity]
	a.buf = a.buf[capacity:]
	return r
}

// release returns the arena's blocks to the pool; rows handed out before
// must not be used afterwards.
func (a *arena) release() {
	for _, b := range a.blocks {
		blockPool.Put(b)
	}
	a.blocks, a.buf = nil, nil
}

// sortTouched orders the distinct columns in cols ascending. touched[j] is
// true exactly for the columns in cols. A dense row is rebuilt by scanning
// touched (O(n)) rather than sorted (O(k log k)).
func sortTouched(cols []uint16, touched []bool) []uint16 {
	if len(cols) > len(touched)/16 {
		cols = cols[:0]
		for j, t := range touched {
			if t {
				cols = append(cols, uint16(j))
			}
		}
		return cols
	}
	slices.Sort(cols)
	return cols
}
