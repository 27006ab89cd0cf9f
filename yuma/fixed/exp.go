package fixed

import "math/bits"

// I9F23 is a signed fixed-point number with 9 integer and 23 fractional bits.
// The chain only uses it for the constants inside substrate-fixed's exp.
type I9F23 int32

// EI9F23 is Euler's number as substrate-fixed stores it: the 126-bit
// constant shifted right by 103 bits, i.e. truncated to 23 fractional bits.
const EI9F23 I9F23 = 22802600

// ToI32F32 widens an I9F23 exactly.
func (x I9F23) ToI32F32() I32F32 { return I32F32(int64(x) << (32 - 23)) }

// ErrOverflow-style failures are reported with ok == false, as substrate-fixed
// returns Err(()).

// Exp is substrate_fixed::transcendental::exp for I32F32: exp(0) = 1,
// exp(1) = the I9F23 constant E; otherwise 1 + x + sum of 30 further Taylor
// terms of |x| (each term multiplied with floor and divided by i with
// truncation), inverted with a truncating division when x < 0. ok is false
// when any checked step overflows.
func Exp(x I32F32) (I32F32, bool) {
	if x == 0 {
		return One, true
	}
	if x == One {
		return EI9F23.ToI32F32(), true
	}
	neg := x < 0
	if neg {
		if x == MinI32F32 {
			return 0, false
		}
		x = -x
	}
	result, ok := x.CheckedAdd(One)
	if !ok {
		return 0, false
	}
	// Every term is a product of non-negative values, so term / i (the
	// chain's checked division by the I32F32 integer i) is
	// trunc(term·2^32 / i·2^32) = floor(term / i), which cannot fail: it is
	// taken with a precomputed reciprocal (divSmall). TestExp_Literal
	// compares this with the literal series.
	// The loop is written on machine words: with term, x and result
	// non-negative, CheckedMul is the 128-bit product shifted right by 32
	// (failing when it does not fit) and CheckedAdd fails exactly when the
	// sum wraps negative.
	term := uint64(x)
	for i := uint64(2); i < FracBits32; i++ {
		hi, lo := bits.Mul64(term, uint64(x))
		if hi>>31 != 0 {
			return 0, false
		}
		term = divSmall(hi<<32|lo>>32, i)
		if term == 0 {
			// Every later term is 0·x/i = 0 and adds nothing: the
			// remaining steps cannot change the result or fail.
			break
		}
		r := result + I32F32(term)
		if r < 0 {
			return 0, false
		}
		result = r
	}
	if neg {
		if result, ok = One.CheckedDiv(result); !ok {
			return 0, false
		}
	}
	return result, true
}

// recip divides integers below 2^63 by a fixed d >= 2 with one multiply
// and a shift: floor(n/d) = hi(n·m) >> shift with l = ceil(log2 d),
// m = ceil(2^(63+l)/d), shift = l-1 (Granlund–Montgomery, round-up variant;
// the error term n·(m·d - 2^(63+l))/(d·2^(63+l)) is below 1/d, so the floor
// is exact: the proof is written out at yuma's reciprocal type).
type recip struct {
	m     uint64
	shift uint
}

func newRecip(d uint64) recip {
	l := uint(bits.Len64(d - 1))
	q, r := bits.Div64(uint64(1)<<(l-1), 0, d)
	if r != 0 {
		q++
	}
	return recip{m: q, shift: l - 1}
}

// seriesDiv[i] divides by i, for the series' divisors 2 <= i <= 31. It is a
// table of constants, computed once.
var seriesDiv = func() (t [FracBits32]recip) {
	for i := uint64(2); i < FracBits32; i++ {
		t[i] = newRecip(i)
	}
	return t
}()

// divSmall returns t / i for t < 2^63 and 2 <= i <= 31.
func divSmall(t, i uint64) uint64 {
	r := &seriesDiv[i]
	h, _ := bits.Mul64(t, r.m)
	return h >> r.shift
}

// ExpSafe is the chain's exp_safe: x is clamped to [-20, 20] before Exp, and
// a failed Exp gives 0 for x <= 0 and MaxI32F32 otherwise.
func ExpSafe(x I32F32) I32F32 {
	lo, hi := FromInt(-20), FromInt(20)
	if x < lo {
		x = lo
	} else if hi < x {
		x = hi
	}
	r, ok := Exp(x)
	if !ok {
		if x <= 0 {
			return 0
		}
		return MaxI32F32
	}
	return r
}

// SigmoidSafe is the chain's sigmoid_safe: 1 / (1 + exp_safe(-rho*(x-kappa)))
// with saturating steps and a safe (zero on failure) final division.
func SigmoidSafe(x, rho, kappa I32F32) I32F32 {
	offset := x.Sub(kappa)
	negRho := rho.Mul(One.Neg())
	e := ExpSafe(negRho.Mul(offset))
	return One.SafeDiv(e.Add(One))
}
