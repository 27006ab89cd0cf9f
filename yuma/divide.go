package yuma

import (
	"math/bits"

	"github.com/subnetd/subnetd/yuma/fixed"
)

// reciprocal divides integers below 2^63 by a fixed divisor d >= 2 with one
// 64×64→128-bit multiply and a shift instead of a hardware division,
// giving exactly floor(n/d) (Granlund–Montgomery, round-up variant).
//
// Proof. Let l = ceil(log2 d) >= 1 (so 2^(l-1) < d <= 2^l), k = 63+l and
// m = ceil(2^k/d). Then m·d = 2^k + e with 0 <= e < d <= 2^l, and for
// 0 <= n < 2^63, n·m/2^k = n/d + n·e/(d·2^k), where the error term is at
// least 0 and below 2^63·2^l/(d·2^(63+l)) = 1/d. Writing n = q·d + r with
// 0 <= r <= d-1, n/d + error < q + (d-1)/d + 1/d = q+1, so
// floor(n·m/2^k) = q. m fits in 64 bits: m = 2^63 when d = 2^l, and
// otherwise d >= 2^(l-1)+1 gives 2^k/d <= 2^64/(1+2^(1-l)) < 2^64-1 for
// l <= 63. floor(n·m/2^k) is the high word of n·m shifted right by l-1.
type reciprocal struct {
	m     uint64
	shift uint
}

// newReciprocal returns the reciprocal of d, which must be in [2, 2^63).
func newReciprocal(d uint64) reciprocal {
	l := uint(bits.Len64(d - 1))
	// floor(2^(63+l)/d): the high word 2^(l-1) is below d, so the
	// 128-by-64 division cannot overflow.
	q, r := bits.Div64(uint64(1)<<(l-1), 0, d)
	if r != 0 {
		q++
	}
	return reciprocal{m: q, shift: l - 1}
}

// quo returns floor(n/d) for n < 2^63.
func (r reciprocal) quo(n uint64) uint64 {
	h, _ := bits.Mul64(n, r.m)
	return h >> r.shift
}

// divisor divides I32F32 values by a fixed y, giving exactly x.SafeDiv(y)
// for every x. The epoch divides every entry of a row by the row's sum and
// every entry of a column by the column's sum; with the divisor prepared
// once per row or column, the common cases cost a multiply and a shift.
// The two reciprocals are stored flat (32 bytes in all), since the column
// passes keep one divisor per column in cache.
type divisor struct {
	y fx
	// small divides x<<32 by y, for y >= 2 (raw): multiplier sm, shift ss.
	sm uint64
	// whole divides x >> wpre by y >> t, when y > 0 has t >= 32 trailing
	// zero bits (an integer-valued sum) and y >> t >= 2: multiplier wm, shift ws.
	wm               uint64
	ss, ws, wpre     uint8
	smallOK, wholeOK bool
}

func newDivisor(y fx) divisor {
	d := divisor{y: y}
	if y < 2 {
		return d
	}
	r := newReciprocal(uint64(y))
	d.sm, d.ss, d.smallOK = r.m, uint8(r.shift), true
	if t := uint(bits.TrailingZeros64(uint64(y))); t >= 32 && uint64(y)>>t >= 2 {
		r := newReciprocal(uint64(y) >> t)
		d.wm, d.ws, d.wpre, d.wholeOK = r.m, uint8(r.shift), uint8(t-32), true
	}
	return d
}

// div returns x.SafeDiv(d.y).
func (d *divisor) div(x fx) fx {
	if q, ok := d.quick(x); ok {
		return q
	}
	return x.SafeDiv(d.y)
}

// quick returns x.SafeDiv(d.y) and true for x in [0, 1/2) (normalised
// values), without a hardware division; otherwise false. It is small
// enough to be inlined, which div is not: hot loops call it directly and
// fall back to SafeDiv.
//
// For y > 0 and x in [0, 2^32), SafeDiv returns (x<<32)/y unless that
// exceeds MaxInt64; for x < 2^31 the numerator x<<32 is below 2^63, so the
// reciprocal applies, and for y >= 2 the quotient is below 2^62.
func (d *divisor) quick(x fx) (fx, bool) {
	if uint64(x) < 1<<31 && d.smallOK {
		h, _ := bits.Mul64(uint64(x)<<32, d.sm)
		return fx(h >> d.ss), true
	}
	return 0, false
}

// divOrKeep returns x.SafeDiv(d.y), or x unchanged when d.y is 0 (the
// column normalisations skip a zero sum).
func (d *divisor) divOrKeep(x fx) fx {
	if d.y == 0 {
		return x
	}
	return d.div(x)
}

// propU16 is fixed.ProportionToU16 with its common case (x in [0, 1])
// small enough to be inlined in the loops that store bonds.
func propU16(x fx) uint16 {
	if uint64(x) <= uint64(fixed.One) {
		return uint16(uint64(x) * 65535 >> 32)
	}
	return fixed.ProportionToU16(x)
}

// divSlow is d.divOrKeep(x) kept out of line, so that the hot loops
// calling it when a quick path declines stay small enough to be inlined.
//
//go:noinline
func divSlow(d *divisor, x fx) fx { return d.divOrKeep(x) }

// fastDiv is the reciprocal of a divisor's quick path alone (16 bytes), for
// hot loops that keep several per-column values together; ok is false when
// the quick path does not apply to the divisor at all.
type fastDiv struct {
	m     uint64
	shift uint8
	ok    bool
}

// fast returns d's quick path as a fastDiv.
func (d *divisor) fast() fastDiv { return fastDiv{m: d.sm, shift: d.ss, ok: d.smallOK} }

// quick is divisor.quick: x.SafeDiv(y) and true for x in [0, 1/2) when the
// reciprocal applies, false otherwise.
func (f *fastDiv) quick(x fx) (fx, bool) {
	if uint64(x) < 1<<31 && f.ok {
		h, _ := bits.Mul64(uint64(x)<<32, f.m)
		return fx(h >> f.shift), true
	}
	return 0, false
}

// quickInt is quick for x >= 1 and an integer-valued y (u16 weights and
// bonds over their sums).
//
// For x >= 2^32 (outside the int32 range CheckedDiv handles first) and
// y > 0 with t >= 32 trailing zero bits, CheckedDiv returns
// (x >> (t-32)) / (y >> t) (at most x, so it fits); the numerator is below 2^63.
func (d *divisor) quickInt(x fx) (fx, bool) {
	if x >= 1<<32 && d.wholeOK {
		h, _ := bits.Mul64(uint64(x)>>d.wpre, d.wm)
		return fx(h >> d.ws), true
	}
	return 0, false
}

// u16Prop is fixed.U16Proportion(v) = FromU16(v).SafeDiv(U16Max) without
// the general division: for v = 0 both give 0; for v >= 1, x = v<<32 is
// outside the int32 range and U16Max = 65535<<32 has exactly 32 trailing
// zeros, so CheckedDiv returns (v<<32) / 65535. That floor is taken without
// a division or a 128-bit product: 2^32/65535 = 65537 + 1/65535, so
// v·2^32/65535 = 65537·v + v/65535, whose floor for v <= 65535 is 65537·v,
// plus 1 when v = 65535 ((v+1)>>16). TestU16Prop checks every u16.
func u16Prop(v uint16) fx { return fx(uint64(v)*65537 + (uint64(v)+1)>>16) }
