package fixed

import (
	"math"
	"math/bits"
	"strconv"
)

// I32F32 is a signed fixed-point number with 32 integer and 32 fractional
// bits, stored as its raw int64 bit pattern (value = raw / 2^32).
type I32F32 int64

const (
	// FracBits32 is the number of fractional bits of I32F32.
	FracBits32 = 32
	// Zero is I32F32 zero.
	Zero I32F32 = 0
	// One is I32F32 one.
	One I32F32 = 1 << 32
	// MaxI32F32 is the largest I32F32 value.
	MaxI32F32 I32F32 = math.MaxInt64
	// MinI32F32 is the smallest I32F32 value.
	MinI32F32 I32F32 = math.MinInt64
	// U16Max is 65535 as an I32F32.
	U16Max I32F32 = 65535 << 32
)

// FromBits returns the I32F32 whose raw bit pattern is raw.
func FromBits(raw int64) I32F32 { return I32F32(raw) }

// Bits returns the raw bit pattern of x.
func (x I32F32) Bits() int64 { return int64(x) }

// FromInt converts an integer exactly, saturating outside the I32F32 range.
func FromInt(v int64) I32F32 {
	if v > math.MaxInt32 {
		return MaxI32F32
	}
	if v < math.MinInt32 {
		return MinI32F32
	}
	return I32F32(v << 32)
}

// FromU16 converts a u16 exactly (the value, not a proportion: 65535 -> 65535.0).
func FromU16(v uint16) I32F32 { return I32F32(int64(v) << 32) }

// FromU64 converts a u64 exactly, saturating at MaxI32F32.
func FromU64(v uint64) I32F32 {
	if v > math.MaxInt32 {
		return MaxI32F32
	}
	return I32F32(int64(v) << 32)
}

// FromFloat64 converts a float64 rounding to nearest (ties to even), like
// substrate-fixed's from_num for floats; it saturates and maps NaN to zero.
func FromFloat64(f float64) I32F32 {
	if math.IsNaN(f) {
		return 0
	}
	s := math.RoundToEven(f * (1 << 32))
	if s >= 9.223372036854775807e18 {
		return MaxI32F32
	}
	if s < -9.223372036854775808e18 {
		return MinI32F32
	}
	return I32F32(int64(s))
}

// FromFloat32 converts a float32 (as the chain's test literals are) rounding
// to nearest.
func FromFloat32(f float32) I32F32 { return FromFloat64(float64(f)) }

// Float64 returns the nearest float64 (for display and tests only).
func (x I32F32) Float64() float64 { return float64(x) / (1 << 32) }

// String formats x as a decimal float (display only).
func (x I32F32) String() string { return strconv.FormatFloat(x.Float64(), 'g', -1, 64) }

// mul128 returns the signed 128-bit product a*b as (hi, lo).
func mul128(a, b int64) (int64, uint64) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if a < 0 {
		hi -= uint64(b)
	}
	if b < 0 {
		hi -= uint64(a)
	}
	return int64(hi), lo
}

// CheckedMul returns floor(x*y) and false when the result does not fit.
func (x I32F32) CheckedMul(y I32F32) (I32F32, bool) {
	if x >= 0 && y >= 0 {
		// Non-negative operands (every proportion in the epoch): the
		// unsigned product shifted right is the floor.
		hi, lo := bits.Mul64(uint64(x), uint64(y))
		if hi>>31 != 0 {
			return 0, false
		}
		return I32F32(hi<<32 | lo>>32), true
	}
	hi, lo := mul128(int64(x), int64(y))
	// Arithmetic shift of the 128-bit product right by 32 (floor).
	rlo := int64(uint64(hi)<<32 | lo>>32)
	rhi := hi >> 32
	if rhi != rlo>>63 {
		return 0, false
	}
	return I32F32(rlo), true
}

// Mul is the saturating product, rounded toward minus infinity.
func (x I32F32) Mul(y I32F32) I32F32 {
	if uint64(x|y) < 1<<32 {
		// Both in [0, 1): the exact product fits in 64 bits (inlined fast path).
		return I32F32(uint64(x) * uint64(y) >> 32)
	}
	return x.mulSlow(y)
}

func (x I32F32) mulSlow(y I32F32) I32F32 {
	r, ok := x.CheckedMul(y)
	if !ok {
		if (x < 0) != (y < 0) {
			return MinI32F32
		}
		return MaxI32F32
	}
	return r
}

// CheckedDiv returns (x << 32) / y truncated toward zero, and false on
// division by zero or overflow.
func (x I32F32) CheckedDiv(y I32F32) (I32F32, bool) {
	if y == 0 {
		return 0, false
	}
	a, b := int64(x), int64(y)
	if a >= math.MinInt32 && a <= math.MaxInt32 {
		if b == -1 && a == math.MinInt32 {
			return 0, false
		}
		return I32F32((a << 32) / b), true
	}
	if a >= 0 && b > 0 {
		// floor(N / (y'·2^t)) = floor(floor(N / 2^t) / y'): strip the
		// divisor's trailing zero bits from both sides; when the shifted
		// numerator fits in 64 bits one 64-bit division is exact. This
		// covers integer-valued divisors such as sums of u16 weights.
		t := uint(bits.TrailingZeros64(uint64(b)))
		yb := uint64(b) >> t
		var nb uint64
		switch {
		case t >= 32:
			nb = uint64(a) >> (t - 32)
		case uint64(a) < 1<<(32+t):
			nb = uint64(a) << (32 - t)
		default:
			goto wide
		}
		if q := nb / yb; q <= math.MaxInt64 {
			return I32F32(q), true
		}
		return 0, false
	}
wide:
	neg := (a < 0) != (b < 0)
	ua, ub := absU(a), absU(b)
	hi, lo := ua>>32, ua<<32
	if hi >= ub {
		return 0, false
	}
	q, _ := bits.Div64(hi, lo, ub)
	if neg {
		if q > 1<<63 {
			return 0, false
		}
		return I32F32(-int64(q)), true // -(1<<63) wraps to MinInt64, which is right
	}
	if q > math.MaxInt64 {
		return 0, false
	}
	return I32F32(int64(q)), true
}

// SafeDiv is the chain's safe_div: the truncating quotient, or zero on
// division by zero or overflow.
func (x I32F32) SafeDiv(y I32F32) I32F32 {
	if uint64(x) < 1<<32 && y > 0 {
		// x in [0, 1): (x << 32) fits in 64 bits, so one 64-bit division
		// gives the truncated quotient (inlined fast path).
		if q := uint64(x) << 32 / uint64(y); q <= 1<<63-1 {
			return I32F32(q)
		}
		return 0
	}
	return x.safeDivSlow(y)
}

func (x I32F32) safeDivSlow(y I32F32) I32F32 {
	r, ok := x.CheckedDiv(y)
	if !ok {
		return 0
	}
	return r
}

// SaturatingDiv is the truncating quotient clamped to the range on overflow.
// Division by zero (a panic in substrate-fixed) saturates by the sign of x
// (zero for x == 0) so that no input can crash a caller.
func (x I32F32) SaturatingDiv(y I32F32) I32F32 {
	r, ok := x.CheckedDiv(y)
	if ok {
		return r
	}
	if x == 0 {
		return 0
	}
	if (x < 0) != (y < 0) && y != 0 {
		return MinI32F32
	}
	if y == 0 && x < 0 {
		return MinI32F32
	}
	return MaxI32F32
}

func absU(a int64) uint64 {
	if a < 0 {
		return uint64(-a) // MinInt64 maps to 1<<63, as intended
	}
	return uint64(a)
}

// CheckedAdd returns x+y and false on overflow.
func (x I32F32) CheckedAdd(y I32F32) (I32F32, bool) {
	r := x + y
	if (x >= 0) == (y >= 0) && (r >= 0) != (x >= 0) {
		return 0, false
	}
	return r, true
}

// Add is the saturating sum.
func (x I32F32) Add(y I32F32) I32F32 {
	r := x + y
	if (x^r)&(y^r) < 0 { // both operands' sign differs from the result's
		return satBySign(x)
	}
	return r
}

func satBySign(x I32F32) I32F32 {
	if x < 0 {
		return MinI32F32
	}
	return MaxI32F32
}

// Sub is the saturating difference.
func (x I32F32) Sub(y I32F32) I32F32 {
	r := x - y
	if (x >= 0) != (y >= 0) && (r >= 0) != (x >= 0) {
		if x < 0 {
			return MinI32F32
		}
		return MaxI32F32
	}
	return r
}

// Neg is the saturating negation.
func (x I32F32) Neg() I32F32 {
	if x == MinI32F32 {
		return MaxI32F32
	}
	return -x
}

// Min returns the smaller of x and y.
func (x I32F32) Min(y I32F32) I32F32 {
	if y < x {
		return y
	}
	return x
}

// Max returns the larger of x and y.
func (x I32F32) Max(y I32F32) I32F32 {
	if y > x {
		return y
	}
	return x
}

// Floor returns x rounded toward minus infinity to an integer value.
func (x I32F32) Floor() I32F32 { return x &^ (1<<32 - 1) }

// Round rounds to the nearest integer, ties away from zero, saturating.
func (x I32F32) Round() I32F32 {
	if x >= 0 {
		if x > MaxI32F32-(1<<31) {
			return MaxI32F32.Floor()
		}
		return (x + 1<<31).Floor()
	}
	// ties away from zero: -2.5 -> -3
	ax := absU(int64(x))
	q := (ax + 1<<31) >> 32
	return I32F32(-int64(q << 32))
}

// ToU16 converts to u16 rounding toward minus infinity, saturating at 0 and 65535.
func (x I32F32) ToU16() uint16 {
	if x <= 0 {
		return 0
	}
	v := int64(x) >> 32
	if v > math.MaxUint16 {
		return math.MaxUint16
	}
	return uint16(v)
}

// ToU64 converts to u64 rounding toward minus infinity, saturating at 0.
func (x I32F32) ToU64() uint64 {
	if x <= 0 {
		return 0
	}
	return uint64(int64(x) >> 32)
}

// ProportionToU16 is the chain's fixed_proportion_to_u16: floor(x * 65535),
// saturating to [0, 65535].
func ProportionToU16(x I32F32) uint16 {
	if x >= 0 && x <= One {
		// The exact product x·65535 fits in 64 bits; shifting floors it.
		return uint16(uint64(x) * 65535 >> 32)
	}
	return x.Mul(U16Max).ToU16()
}

// U16Proportion is the chain's u16_proportion_to_fixed: v / 65535 truncated.
func U16Proportion(v uint16) I32F32 { return FromU16(v).SafeDiv(U16Max) }
