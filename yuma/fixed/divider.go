package fixed

import "math/bits"

// Divider divides many numerators by one divisor and gives exactly
// x.SafeDiv(divisor) for every x. For a positive divisor and non-negative
// numerators it replaces the hardware 128-by-64-bit division with a
// multiplication by a precomputed reciprocal (Möller and Granlund,
// "Improved division by invariant integers", 2011, algorithm 4); anything
// else falls back to SafeDiv.
type Divider struct {
	y     I32F32 // the divisor
	dn    uint64 // divisor normalised so its top bit is set
	v     uint64 // reciprocal floor((2^128-1)/dn) - 2^64
	shift uint   // leading zeros of the divisor
	fast  bool
}

// NewDivider prepares division by y.
func NewDivider(y I32F32) Divider {
	if y <= 0 {
		return Divider{y: y}
	}
	s := uint(bits.LeadingZeros64(uint64(y)))
	dn := uint64(y) << s
	v, _ := bits.Div64(^dn, ^uint64(0), dn)
	return Divider{y: y, dn: dn, v: v, shift: s, fast: true}
}

// Div returns x.SafeDiv(y) for the divider's y.
func (d Divider) Div(x I32F32) I32F32 {
	if !d.fast || x < 0 {
		return x.SafeDiv(d.y)
	}
	// Numerator (x << 32) as two words, then normalised by the same shift.
	u1, u0 := uint64(x)>>32, uint64(x)<<32
	if u1 >= uint64(d.y) {
		return 0 // quotient does not fit in 64 bits: SafeDiv gives 0
	}
	s := d.shift
	u1 = u1<<s | u0>>(64-s) // Go: a shift by 64 gives 0, so s == 0 is fine
	u0 <<= s
	q1, q0 := bits.Mul64(d.v, u1)
	var c uint64
	q0, c = bits.Add64(q0, u0, 0)
	q1, _ = bits.Add64(q1, u1, c)
	q1++
	r := u0 - q1*d.dn
	if r > q0 {
		q1--
		r += d.dn
	}
	if r >= d.dn {
		q1++
	}
	if q1 > 1<<63-1 {
		return 0 // overflows I32F32: SafeDiv gives 0
	}
	return I32F32(q1)
}
