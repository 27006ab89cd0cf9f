package report

import "math"

// Buckets split n rounds into at most cols consecutive groups of (nearly) equal size, one per
// pixel column of a chart, so a chart draws at most cols points per series however long the
// history: every round falls into exactly one bucket, none is dropped.
type Buckets struct {
	// Start[i] is the index of bucket i's first round; bucket i ends where bucket i+1 starts
	// (the last one at N).
	Start []int
	// N is the number of rounds.
	N int
}

// NewBuckets groups n rounds into min(n, cols) buckets.
func NewBuckets(n, cols int) Buckets {
	k := min(n, cols)
	b := Buckets{Start: make([]int, k), N: n}
	for i := range k {
		b.Start[i] = i * n / k
	}
	return b
}

// Len returns the number of buckets.
func (b Buckets) Len() int { return len(b.Start) }

// Bounds returns the round indexes [lo, hi) of bucket i.
func (b Buckets) Bounds(i int) (lo, hi int) {
	lo = b.Start[i]
	hi = b.N
	if i+1 < len(b.Start) {
		hi = b.Start[i+1]
	}
	return lo, hi
}

// Downsampled reports whether some bucket holds more than one round.
func (b Buckets) Downsampled() bool { return b.Len() < b.N }

// Stat is the minimum, maximum and mean of a bucket's values; N counts the values (NaN, meaning
// "no value in this round", is not counted). With N == 0 all three are NaN.
type Stat struct {
	Min, Max, Mean float64
	N              int
}

// Reduce computes the Stat of every bucket of v (len(v) == b.N).
func (b Buckets) Reduce(v []float64) []Stat {
	out := make([]Stat, b.Len())
	for i := range out {
		lo, hi := b.Bounds(i)
		s := Stat{Min: math.Inf(1), Max: math.Inf(-1)}
		sum := 0.0
		for _, x := range v[lo:hi] {
			if math.IsNaN(x) {
				continue
			}
			s.N++
			sum += x
			s.Min = math.Min(s.Min, x)
			s.Max = math.Max(s.Max, x)
		}
		if s.N == 0 {
			s = Stat{Min: math.NaN(), Max: math.NaN(), Mean: math.NaN()}
		} else {
			s.Mean = sum / float64(s.N)
		}
		out[i] = s
	}
	return out
}
