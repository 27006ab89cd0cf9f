package weights

import (
	"math"
	"slices"
)

// This file holds the few numpy and CPython behaviours the SDK's weight code depends on,
// written so that each operation rounds exactly where numpy or CPython rounds.
//
// FMA: Go may fuse x*y+z into one instruction on some targets (arm64, amd64 with
// GOAMD64=v3). numpy never fuses, because every operator is its own ufunc call. Every
// product that feeds a sum is therefore wrapped in an explicit conversion (T(x*y)), which
// the Go spec says forces the intermediate rounding.

// float is the element type of the arrays the SDK works on: float32 in the main path,
// float64 in the "fewer than min_allowed_weights" path.
type float interface {
	~float32 | ~float64
}

const (
	// pairwiseBlock is numpy's PW_BLOCKSIZE: below it the pairwise sum is an 8-way unrolled loop.
	pairwiseBlock = 128
	// reduceBuffer is numpy's default buffer size (NPY_BUFSIZE): a reduction over a longer
	// 1-D array calls the pairwise kernel once per 8192-element chunk and adds the chunk
	// sums in order.
	reduceBuffer = 8192
)

// npSum is numpy's arr.sum() for a contiguous 1-D float32 or float64 array: the reduction
// starts from the identity 0 and adds the pairwise sum of each buffer-sized chunk in order.
func npSum[T float](a []T) T {
	var res T
	for len(a) > 0 {
		k := min(len(a), reduceBuffer)
		res += pairwiseSum(a[:k])
		a = a[k:]
	}
	return res
}

// pairwiseSum is numpy's pairwise summation kernel (FLOAT_pairwise_sum / DOUBLE_pairwise_sum
// in loops_utils.h): accumulators have the array's own precision.
//
//   - fewer than 8 elements: a plain left-to-right loop starting from 0;
//   - up to 128 elements: 8 accumulators seeded with the first 8 elements, each adding every
//     8th element; combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)); then the tail left to right;
//   - more: split at n/2 rounded down to a multiple of 8, sum both halves recursively, add.
func pairwiseSum[T float](a []T) T {
	n := len(a)
	switch {
	case n < 8:
		var res T
		for _, v := range a {
			res += v
		}
		return res
	case n <= pairwiseBlock:
		var r [8]T
		copy(r[:], a[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			r[0] += a[i+0]
			r[1] += a[i+1]
			r[2] += a[i+2]
			r[3] += a[i+3]
			r[4] += a[i+4]
			r[5] += a[i+5]
			r[6] += a[i+6]
			r[7] += a[i+7]
		}
		res := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			res += a[i]
		}
		return res
	default:
		n2 := n / 2
		n2 -= n2 % 8
		return pairwiseSum(a[:n2]) + pairwiseSum(a[n2:])
	}
}

// npCumsum is np.cumsum for a 1-D array: a sequential running sum in the array's precision.
func npCumsum[T float](a []T) []T {
	out := make([]T, len(a))
	var acc T
	for i, v := range a {
		if i == 0 {
			acc = v
		} else {
			acc += v
		}
		out[i] = acc
	}
	return out
}

// npMax is arr.max() for a non-empty array: NaN wins if present, as np.maximum propagates it.
func npMax[T float](a []T) T {
	m := a[0]
	for _, v := range a[1:] {
		if v != v {
			return v
		}
		if v > m {
			m = v
		}
	}
	return m
}

// npSort is np.sort: ascending, NaNs last (Go's slices.Sort would put them first).
func npSort[T float](a []T) []T {
	out := make([]T, 0, len(a))
	nans := 0
	for _, v := range a {
		if v != v {
			nans++
			continue
		}
		out = append(out, v)
	}
	slices.Sort(out)
	for range nans {
		out = append(out, T(math.NaN()))
	}
	return out
}

// npQuantileLinear is np.quantile(a, q) with the default "linear" method for a float32
// array and a Python float q, as numpy 2 computes it: q is cast to float32, the virtual
// index (n-1)*q and the interpolation weight are float32, and the interpolation is
// numpy's _lerp (a + (b-a)*t, or b - (b-a)*(1-t) when t >= 0.5), also in float32.
// a must be non-empty and q already checked to lie in [0, 1].
func npQuantileLinear(a []float32, q float64) float32 {
	n := len(a)
	q32 := toFloat32(q)
	virt := float32(n-1) * q32
	prevF := float32(math.Floor(float64(virt)))
	prev, next := int(prevF), int(prevF)+1
	if virt >= float32(n-1) {
		prev, next = -1, -1
	}
	// gamma = virtual - previous index, computed in float64 (the index array is intp) and cast
	// back to float32 by _get_gamma.
	gamma := toFloat32(float64(virt) - float64(prev))
	var lo, hi float32
	if (prev == 0 && next == 1 || n == 1) && !slices.ContainsFunc(a, func(v float32) bool { return v != v }) {
		// q = 0, the SDK's default: the two smallest values are enough (one pass, no sort).
		lo, hi = smallestTwo(a)
	} else {
		sorted := npSort(a)
		at := func(i int) float32 {
			if i < 0 {
				return sorted[n+i]
			}
			return sorted[i]
		}
		lo, hi = at(prev), at(next)
		// After numpy's partition a NaN would sit last and make the result NaN.
		if last := sorted[n-1]; last != last {
			return last
		}
	}
	diff := hi - lo
	var res float32
	if gamma >= 0.5 {
		res = hi - float32(diff*(1-gamma))
	} else {
		res = lo + float32(diff*gamma)
	}
	return res
}

// smallestTwo returns the smallest and the second smallest of a NaN-free, non-empty slice
// (the same value twice for a single element): sorted[0] and sorted[min(1, n-1)].
func smallestTwo(a []float32) (float32, float32) {
	lo, hi := a[0], float32(math.Inf(1))
	if len(a) == 1 {
		return lo, lo
	}
	for _, v := range a[1:] {
		switch {
		case v < lo:
			lo, hi = v, lo
		case v < hi:
			hi = v
		}
	}
	return lo, hi
}

// toFloat32 is numpy's float64 → float32 cast (astype, or assignment into a float32 array):
// round to nearest even, and ±Inf beyond the float32 range. The overflow case is spelled
// out because the Go spec leaves out-of-range non-constant conversions to the platform.
func toFloat32(f float64) float32 {
	// Values at or beyond MaxFloat32 + half an ulp (2^128 - 2^103) round to infinity.
	const overflow = 0x1p128 - 0x1p103
	switch {
	case f >= overflow:
		return float32(math.Inf(1))
	case f <= -overflow:
		return float32(math.Inf(-1))
	}
	return float32(f)
}

// fromFloat64 converts a float64 value to T with numpy's casting rules.
func fromFloat64[T float](f float64) T {
	var zero T
	if _, ok := any(zero).(float32); ok {
		return T(toFloat32(f))
	}
	return T(f)
}

// pyMinFloat is Python's built-in min over a non-empty list of floats: keep the first item
// and replace it only when a later item compares smaller, so a NaN in first place wins and
// a NaN elsewhere is skipped.
func pyMinFloat(a []float64) float64 {
	m := a[0]
	for _, v := range a[1:] {
		if v < m {
			m = v
		}
	}
	return m
}

// pyMaxFloat is Python's built-in max with the same first-item semantics as pyMinFloat.
func pyMaxFloat(a []float64) float64 {
	m := a[0]
	for _, v := range a[1:] {
		if v > m {
			m = v
		}
	}
	return m
}

// pySumFloat is Python 3.12+'s built-in sum over floats: Neumaier-compensated, with the
// compensation added at the end only when it is non-zero and finite.
func pySumFloat(a []float64) float64 {
	var s, c float64
	for _, x := range a {
		t := s + x
		if math.Abs(s) >= math.Abs(x) {
			c += (s - t) + x
		} else {
			c += (x - t) + s
		}
		s = t
	}
	if c != 0 && !math.IsInf(c, 0) && !math.IsNaN(c) {
		s += c
	}
	return s
}
