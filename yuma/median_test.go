package yuma

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/subnetd/subnetd/yuma/fixed"
)

// TestWeightedQuantile_MatchesChain checks weightedQuantile against the
// chain's quickselect (weightedMedianFast, itself checked against
// subtensor's vectors) on random vectors: ties, zero and tiny stakes, a
// few distinct values, wide and narrow score ranges, negative scores, and
// minorities below zero, inside and above the stake total.
func TestWeightedQuantile_MatchesChain(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 8))
	var s1, s2 medianScratch
	for k := 0; k < 30000; k++ {
		m := []int{0, 1, 2, 3, 5, 17, 64, 256, 300}[r.IntN(9)]
		stake := make([]fx, m)
		score := make([]fx, m)
		distinct := []int{1, 2, 3, 1 << 30}[r.IntN(4)]
		scale := []int64{1 << 8, 1 << 21, 1 << 32, 1 << 40}[r.IntN(4)]
		values := make([]fx, min(distinct, m+1))
		for i := range values {
			values[i] = fx(r.Int64N(scale + 1))
			if r.IntN(8) == 0 {
				values[i] = -values[i]
			}
		}
		for i := range m {
			if distinct < 1<<30 {
				score[i] = values[r.IntN(len(values))]
			} else {
				score[i] = fx(r.Int64N(scale + 1))
			}
			switch r.IntN(5) {
			case 0: // zero stake (a positive stake normalised to 0)
			case 1:
				stake[i] = fx(1 + r.IntN(4))
			default:
				stake[i] = fx(r.Int64N(1 << 32))
			}
		}
		if r.IntN(10) == 0 && m > 0 {
			score[r.IntN(m)] = fixed.One << 20 // one outlier: every other score in bucket 0
		}
		normalize(stake)
		total := sum(stake)
		if !proportions(stake) || total > fixed.One {
			continue
		}
		minority := []fx{total - fixed.U16Proportion(32767), -1, 0, total, total + 1, fx(r.Int64N(int64(total) + 2))}[r.IntN(6)]
		part := make([]int, m)
		for i := range part {
			part[i] = i
		}
		want := weightedMedianFast(stake, score, part, minority, 0, total, &s1)
		lo, hi := minMax(score)
		got := weightedQuantile(stake, score, minority, total, lo, hi, &s2)
		if got != want {
			t.Fatalf("case %d (m=%d): got %v, want %v\nstake %v\nscore %v\nminority %v", k, m, got, want, stake, score, minority)
		}
	}
}

// TestQuantileFew_MatchesChain checks quantileFew (the zeros of a sparse
// column taken as one element) against the chain's quickselect on sparse
// score vectors: explicit zero entries, zero stakes, negative minorities.
func TestQuantileFew_MatchesChain(t *testing.T) {
	r := rand.New(rand.NewPCG(34, 55))
	var s1, s2 medianScratch
	for k := 0; k < 30000; k++ {
		m := 1 + r.IntN(300)
		stake := make([]fx, m)
		score := make([]fx, m)
		for i := range stake {
			if r.IntN(6) != 0 {
				stake[i] = fx(r.Int64N(1 << 32))
			}
		}
		normalize(stake)
		total := sum(stake)
		var ks []uint16
		for _, i := range r.Perm(m)[:r.IntN(m/4+1)] {
			ks = append(ks, uint16(i))
			switch r.IntN(4) {
			case 0: // an explicit zero weight
			case 1:
				score[i] = fx(r.Int64N(4))
			default:
				score[i] = fx(r.Int64N(int64(fixed.One) + 1))
			}
		}
		if len(ks) == 0 {
			continue
		}
		minority := []fx{total - fixed.U16Proportion(32767), -1, 0, total, fx(r.Int64N(int64(total) + 2))}[r.IntN(5)]
		part := make([]int, m)
		for i := range part {
			part[i] = i
		}
		want := weightedMedianFast(stake, score, part, minority, 0, total, &s1)
		if got := quantileFew(stake, score, ks, minority, total, &s2); got != want {
			t.Fatalf("case %d (m=%d, %d entries): got %v, want %v", k, m, len(ks), got, want)
		}
	}
}

// TestFirstAtOrAbove checks the windowed search against a binary search
// over the whole row, on rows of every density, with and without columns
// at or above n.
func TestFirstAtOrAbove(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 9))
	for trial := 0; trial < 3000; trial++ {
		n := 1 + r.IntN(300)
		width := n
		if trial%3 == 0 {
			width = n + 1 + r.IntN(20) // some columns at or above n
		}
		density := r.Float64()
		var row []entry
		for j := 0; j < width; j++ {
			if r.Float64() < density {
				row = append(row, entry{col: uint16(j), val: 1})
			}
		}
		for c := 0; c <= width+1; c++ {
			want, _ := slices.BinarySearchFunc(row, uint16(c), func(e entry, c uint16) int { return int(e.col) - int(c) })
			if got := firstAtOrAbove(row, uint16(c), n); got != want {
				t.Fatalf("n=%d row of %d, column %d: %d, want %d", n, len(row), c, got, want)
			}
		}
	}
}
