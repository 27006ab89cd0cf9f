package yuma

import (
	"math/bits"
	"slices"
)

// quantileBits is the number of offset bits weightedQuantile buckets on:
// 128 buckets measured a little faster than 64 or 256 on the dense 4096 ×
// 256 epoch (fewer buckets to clear and scan, about two scores in each).
const quantileBits = 7

// weightedQuantile returns exactly what the chain's weighted_median returns
// for the whole index range (partition 0..m-1, partition_lo = 0,
// partition_hi = total) when its sums are exact: stakes in [0, 1], at most
// 65535 of them, total their sum and at most 1 (weightedMedianFast's
// preconditions). It finds the answer by bucketing instead of by the
// chain's pivots.
//
// Why the answer does not depend on the pivots. Write S(<x) and S(<=x) for
// the total stake of the elements scoring below x and at most x. Every
// partition the quickselect visits holds all elements whose score lies in
// some value interval (equal-to-pivot elements leave it only at its ends),
// and its bounds are partition_lo = S(< its minimum) and partition_hi =
// S(<= its maximum): true at the start (0 and the total), and kept by both
// recursions (lo + lo_stake = S(<pivot) is the new maximum's S(<=), and
// hi - hi_stake = S(<=pivot) the new minimum's S(<)). So at pivot p the
// chain compares minority < S(<p) and S(<=p) <= minority. Let x* be the
// smallest score with S(<=x*) > minority. Then:
//   - p > x*: S(<p) >= S(<=x*) > minority and x* is below p, so it recurses
//     into the lower part, which holds x*;
//   - p < x*: S(<=p) <= minority (x* is the smallest above it) and x* is in
//     the upper part, so it recurses there;
//   - p = x*: S(<p) <= minority (the next smaller score has S(<=) at most
//     minority, or nothing is smaller and the lower part is empty) and
//     S(<=p) > minority, so it returns p.
//
// Each step drops the pivot, so the chain's iteration limit is never
// reached, and it returns x*. When no score qualifies (total <= minority)
// it only ever moves up and returns the largest score. With zero stakes the
// argument is unchanged. TestWeightedQuantile_MatchesChain checks this
// against weightedMedianFast on random and adversarial vectors, and the
// reference epoch checks the whole epoch.
//
// The search: scores are bucketed by their offset from the minimum (the
// top quantileBits significant bits of the offset, so buckets follow score
// order), the bucket where the cumulative stake first exceeds minority holds
// x*, and only that bucket's elements are sorted.
//
// lo and hi must be the smallest and the largest score (minMax).
func weightedQuantile(stake, score []fx, minority, total, lo, hi fx, s *medianScratch) fx {
	m := len(score)
	switch m {
	case 0:
		return 0
	case 1:
		return score[0]
	}
	if total <= minority || lo == hi {
		return hi
	}
	shift := uint(max(bits.Len64(uint64(hi)-uint64(lo))-quantileBits, 0))
	var hist [1 << quantileBits]fx
	bucketStakes(&hist, stake, score, lo, shift)
	var below fx // S(< the first score of bucket b)
	b := 0
	for ; b < len(hist)-1; b++ {
		if below+hist[b] > minority {
			break
		}
		below += hist[b]
	}
	if cap(s.pa) < m {
		s.pa = make([]scoreStake, m)
	}
	cand := bucketMembers(s.pa[:m], stake, score, lo, shift, uint64(b))
	if len(cand) <= 16 {
		for i := 1; i < len(cand); i++ {
			for j := i; j > 0 && cand[j].score < cand[j-1].score; j-- {
				cand[j], cand[j-1] = cand[j-1], cand[j]
			}
		}
	} else {
		slices.SortFunc(cand, func(a, b scoreStake) int {
			switch {
			case a.score < b.score:
				return -1
			case a.score > b.score:
				return 1
			}
			return 0
		})
	}
	for i := 0; i < len(cand); {
		x := cand[i].score
		for ; i < len(cand) && cand[i].score == x; i++ {
			below += cand[i].stake
		}
		if below > minority {
			return x
		}
	}
	return hi // not reached: the bucket's stakes take the sum past minority
}

// bucketStakes adds each score's stake to its bucket of hist: the
// quantileBits significant bits of its offset from lo, shifted right by
// shift. A leaf function kept out of line (inlined, its loop kept its values on
// the stack), so that its loop keeps its values in registers.
//
//go:noinline
func bucketStakes(hist *[1 << quantileBits]fx, stake, score []fx, lo fx, shift uint) {
	stake = stake[:len(score)]
	for k, v := range score {
		hist[(uint64(v)-uint64(lo))>>(shift&63)] += stake[k]
	}
}

// bucketMembers writes the scores in bucket b (see bucketStakes) with their
// stakes to cand (as long as score) and returns them, in score order. A
// leaf function without append, so that its loop keeps its values in
// registers (kept out of line: inlined, it did not).
//
//go:noinline
func bucketMembers(cand []scoreStake, stake, score []fx, lo fx, shift uint, b uint64) []scoreStake {
	stake, cand = stake[:len(score)], cand[:len(score)]
	n := 0
	for k, v := range score {
		if (uint64(v)-uint64(lo))>>(shift&63) == b {
			cand[n] = scoreStake{v, stake[k]}
			n++
		}
	}
	return cand[:n]
}

// quantileFew is weightedQuantile(stake, score, minority, total, …) for a
// score vector in which only the voters ks (distinct) may score non-zero.
// The result depends only on the scores present and on the stake at or
// below each score (see weightedQuantile), so the voters without an entry
// are taken as one element scoring 0 with their stakes' sum, total minus
// the others' (exact: the stakes are proportions summing to total without
// saturation). That element is kept even when its stake is 0: a score
// that is present can be the answer (the smallest, when minority < 0).
func quantileFew(stake, score []fx, ks []uint16, minority, total fx, s *medianScratch) fx {
	qs, qk := s.qs[:0], s.qk[:0]
	var covered fx
	for _, k := range ks {
		qs = append(qs, score[k])
		qk = append(qk, stake[k])
		covered += stake[k]
	}
	if len(ks) < len(stake) {
		qs = append(qs, 0)
		qk = append(qk, total-covered)
	}
	s.qs, s.qk = qs, qk
	lo, hi := minMax(qs)
	return weightedQuantile(qk, qs, minority, total, lo, hi, s)
}

// minMax returns the smallest and the largest value of a non-empty v (0, 0
// for an empty one).
func minMax(v []fx) (lo, hi fx) {
	if len(v) == 0 {
		return 0, 0
	}
	lo, hi = v[0], v[0]
	for _, x := range v[1:] {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}
