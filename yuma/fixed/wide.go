package fixed

import (
	"math"
	"math/big"
	"math/bits"
)

// int128 is a two's-complement signed 128-bit integer.
type int128 struct {
	hi int64
	lo uint64
}

var (
	maxInt128 = int128{hi: math.MaxInt64, lo: math.MaxUint64}
	minInt128 = int128{hi: math.MinInt64, lo: 0}
	two64     = new(big.Int).Lsh(big.NewInt(1), 64)
	bigMaxI   = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 127), big.NewInt(1))
	bigMinI   = new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), 127))
	bigMaxU   = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1))
)

func (a int128) big() *big.Int {
	b := new(big.Int).SetInt64(a.hi)
	b.Lsh(b, 64)
	return b.Or(b, new(big.Int).SetUint64(a.lo)) // OR is correct for the low word in two's complement
}

// int128FromBig converts with saturation.
func int128FromBig(b *big.Int) int128 {
	if b.Cmp(bigMaxI) > 0 {
		return maxInt128
	}
	if b.Cmp(bigMinI) < 0 {
		return minInt128
	}
	m := new(big.Int).And(b, new(big.Int).Sub(two64, big.NewInt(1)))
	h := new(big.Int).Rsh(b, 64) // arithmetic (floor) shift
	return int128{hi: h.Int64(), lo: m.Uint64()}
}

func (a int128) add(b int128) (int128, bool) {
	lo, c := bits.Add64(a.lo, b.lo, 0)
	hi := a.hi + b.hi + int64(c)
	r := int128{hi: hi, lo: lo}
	// overflow when operands share a sign the result lacks
	if (a.hi >= 0) == (b.hi >= 0) && (r.hi >= 0) != (a.hi >= 0) {
		return int128{}, false
	}
	return r, true
}

func (a int128) satAdd(b int128) int128 {
	r, ok := a.add(b)
	if !ok {
		if a.hi < 0 {
			return minInt128
		}
		return maxInt128
	}
	return r
}

func (a int128) cmp(b int128) int {
	switch {
	case a.hi < b.hi:
		return -1
	case a.hi > b.hi:
		return 1
	case a.lo < b.lo:
		return -1
	case a.lo > b.lo:
		return 1
	}
	return 0
}

// floorShift returns floor(a / 2^s) for 0 < s < 64, as int128.
func (a int128) floorShift(s uint) int128 {
	return int128{hi: a.hi >> s, lo: a.lo>>s | uint64(a.hi)<<(64-s)}
}

// satInt64 clamps a to the int64 range.
func (a int128) satInt64() int64 {
	if a.hi > 0 || (a.hi == 0 && a.lo > math.MaxInt64) {
		return math.MaxInt64
	}
	if a.hi < -1 || (a.hi == -1 && a.lo < 1<<63) {
		return math.MinInt64
	}
	return int64(a.lo)
}

// mulShift returns saturate((a*b) >> s) with floor rounding.
func mulShift(a, b *big.Int, s uint) *big.Int {
	p := new(big.Int).Mul(a, b)
	return p.Rsh(p, s) // big.Int Rsh is an arithmetic (floor) shift
}

// divShift returns trunc((a << s) / b); ok is false when b is zero.
func divShift(a, b *big.Int, s uint) (*big.Int, bool) {
	if b.Sign() == 0 {
		return nil, false
	}
	n := new(big.Int).Lsh(a, s)
	return n.Quo(n, b), true // Quo truncates toward zero
}

// I64F64 is a signed fixed-point number with 64 integer and 64 fractional
// bits (i128 raw). The chain uses it for raw stake and its normalisation.
type I64F64 struct{ v int128 }

// I64F64FromU64 converts an integer exactly, saturating above 2^63-1.
func I64F64FromU64(x uint64) I64F64 {
	if x > math.MaxInt64 {
		return I64F64{maxInt128}
	}
	return I64F64{int128{hi: int64(x)}}
}

// I64F64FromI32F32 widens exactly.
func I64F64FromI32F32(x I32F32) I64F64 {
	return I64F64{int128{hi: int64(x) >> 32, lo: uint64(x) << 32}}
}

// I64F64FromBits builds a value from its raw 128-bit pattern (hi, lo words).
func I64F64FromBits(hi int64, lo uint64) I64F64 { return I64F64{int128{hi: hi, lo: lo}} }

// Bits returns the raw 128-bit pattern as (hi, lo) words.
func (x I64F64) Bits() (int64, uint64) { return x.v.hi, x.v.lo }

// IsZero reports whether x is zero.
func (x I64F64) IsZero() bool { return x.v == int128{} }

// Cmp compares x and y (-1, 0, +1).
func (x I64F64) Cmp(y I64F64) int { return x.v.cmp(y.v) }

// Add is the saturating sum.
func (x I64F64) Add(y I64F64) I64F64 { return I64F64{x.v.satAdd(y.v)} }

// Mul is the saturating product, rounded toward minus infinity.
//
// The epoch's products are a whole number of rao times the TAO weight (a
// fraction in [0, 1)): for x = X·2^64 (raw) and y in [0, 2^64) (raw) the
// exact product X·y·2^64 shifted right by 64 is X·y, one 64×64→128-bit
// multiply, below 2^127 for X < 2^63. Everything else goes through math/big.
func (x I64F64) Mul(y I64F64) I64F64 {
	switch {
	case x.v.hi >= 0 && x.v.lo == 0 && y.v.hi == 0:
		h, l := bits.Mul64(uint64(x.v.hi), y.v.lo)
		return I64F64{int128{hi: int64(h), lo: l}}
	case y.v.hi >= 0 && y.v.lo == 0 && x.v.hi == 0:
		h, l := bits.Mul64(uint64(y.v.hi), x.v.lo)
		return I64F64{int128{hi: int64(h), lo: l}}
	}
	return x.mulBig(y)
}

func (x I64F64) mulBig(y I64F64) I64F64 {
	return I64F64{int128FromBig(mulShift(x.v.big(), y.v.big(), 64))}
}

// SafeDiv is the truncating quotient, zero on division by zero or overflow.
//
// Normalising stakes divides each 0 <= x <= y by their sum y > 0: the
// quotient floor(x·2^64 / y) is then at most 2^64, and is computed with
// 64-bit words (divide128); everything else goes through math/big.
func (x I64F64) SafeDiv(y I64F64) I64F64 {
	if x.v.hi >= 0 && y.v.hi >= 0 && !y.IsZero() {
		switch x.v.cmp(y.v) {
		case 0:
			return I64F64{int128{hi: 1}}
		case -1:
			return I64F64{int128{lo: divide128(uint64(x.v.hi), x.v.lo, uint64(y.v.hi), y.v.lo)}}
		}
	}
	return x.safeDivBig(y)
}

// divide128 returns floor((x1·2^64 + x0)·2^64 / (y1·2^64 + y0)) for
// x < y (so the quotient is below 2^64), y > 0, by long division of three
// words by two (Knuth's algorithm D with one quotient digit): with y
// shifted so that its top bit is set, the estimate from the top words is
// at least the quotient and at most 2 above it, and it is corrected while
// its product with y exceeds the dividend.
func divide128(x1, x0, y1, y0 uint64) uint64 {
	s := uint(bits.LeadingZeros64(y1))
	if y1 == 0 {
		s = 64 + uint(bits.LeadingZeros64(y0))
	}
	// Shift x and y left by s (x < y, so x fits in 128 bits too).
	d1, d0 := shl128(y1, y0, s)
	n2, n1 := shl128(x1, x0, s)
	// Dividend n2:n1:0, divisor d1:d0 with its top bit set, n2:n1 < d1:d0.
	var q uint64
	if n2 >= d1 {
		q = math.MaxUint64
	} else {
		q, _ = bits.Div64(n2, n1, d1)
	}
	// p = q·d as three words.
	ph, pm := bits.Mul64(q, d1)
	pl0, p0 := bits.Mul64(q, d0)
	p1, c := bits.Add64(pm, pl0, 0)
	p2 := ph + c
	for p2 > n2 || p2 == n2 && (p1 > n1 || p1 == n1 && p0 > 0) {
		q--
		var b uint64
		p0, b = bits.Sub64(p0, d0, 0)
		p1, b = bits.Sub64(p1, d1, b)
		p2 -= b
	}
	return q
}

// shl128 shifts the 128-bit hi:lo left by s < 128.
func shl128(hi, lo uint64, s uint) (uint64, uint64) {
	switch {
	case s == 0:
		return hi, lo
	case s >= 64:
		return lo << (s - 64), 0
	}
	return hi<<s | lo>>(64-s), lo << s
}

func (x I64F64) safeDivBig(y I64F64) I64F64 {
	q, ok := divShift(x.v.big(), y.v.big(), 64)
	if !ok || q.Cmp(bigMaxI) > 0 || q.Cmp(bigMinI) < 0 {
		return I64F64{}
	}
	return I64F64{int128FromBig(q)}
}

// ToU64 converts to an integer rounding toward minus infinity, saturating at 0.
func (x I64F64) ToU64() uint64 {
	if x.v.hi < 0 {
		return 0
	}
	return uint64(x.v.hi)
}

// ToI32F32 drops the low 32 fractional bits (floor), saturating.
func (x I64F64) ToI32F32() I32F32 { return I32F32(x.v.floorShift(32).satInt64()) }

// Float64 returns an approximation for display and tests.
func (x I64F64) Float64() float64 {
	f, _ := new(big.Float).SetInt(x.v.big()).Float64()
	return f / math.Exp2(64)
}

// U96F32 is an unsigned fixed-point number with 96 integer and 32 fractional
// bits (u128 raw). The chain uses it for the TAO weight.
type U96F32 struct{ hi, lo uint64 }

func (x U96F32) big() *big.Int {
	b := new(big.Int).SetUint64(x.hi)
	b.Lsh(b, 64)
	return b.Or(b, new(big.Int).SetUint64(x.lo))
}

func u96FromBig(b *big.Int) U96F32 {
	if b.Sign() < 0 {
		return U96F32{}
	}
	if b.Cmp(bigMaxU) > 0 {
		return U96F32{math.MaxUint64, math.MaxUint64}
	}
	lo := new(big.Int).And(b, new(big.Int).Sub(two64, big.NewInt(1))).Uint64()
	return U96F32{hi: new(big.Int).Rsh(b, 64).Uint64(), lo: lo}
}

// U96F32FromU64 converts an integer exactly.
func U96F32FromU64(x uint64) U96F32 { return U96F32{hi: x >> 32, lo: x << 32} }

// SafeDiv is the truncating quotient, zero on division by zero or overflow.
func (x U96F32) SafeDiv(y U96F32) U96F32 {
	q, ok := divShift(x.big(), y.big(), 32)
	if !ok || q.Cmp(bigMaxU) > 0 {
		return U96F32{}
	}
	return u96FromBig(q)
}

// Bits returns the raw 128-bit pattern as (hi, lo) words.
func (x U96F32) Bits() (uint64, uint64) { return x.hi, x.lo }

// ToI64F64 converts exactly (32 more fractional bits), saturating.
func (x U96F32) ToI64F64() I64F64 {
	return I64F64{int128FromBig(new(big.Int).Lsh(x.big(), 32))}
}

// TaoWeight is the chain's get_tao_weight: TaoWeight / u64::MAX in U96F32.
func TaoWeight(raw uint64) U96F32 {
	return U96F32FromU64(raw).SafeDiv(U96F32FromU64(math.MaxUint64))
}

// I96F32 is a signed fixed-point number with 96 integer and 32 fractional
// bits (i128 raw). The chain uses it to turn proportions into rao.
type I96F32 struct{ v int128 }

// I96F32FromI32F32 widens exactly.
func I96F32FromI32F32(x I32F32) I96F32 {
	hi := int64(0)
	if x < 0 {
		hi = -1
	}
	return I96F32{int128{hi: hi, lo: uint64(x)}}
}

// I96F32FromU64 converts an integer exactly.
func I96F32FromU64(x uint64) I96F32 { return I96F32{int128{hi: int64(x >> 32), lo: x << 32}} }

// Mul is the saturating product, rounded toward minus infinity.
func (x I96F32) Mul(y I96F32) I96F32 {
	return I96F32{int128FromBig(mulShift(x.v.big(), y.v.big(), 32))}
}

// ToU64 converts to an integer rounding toward minus infinity, saturating to [0, 2^64-1].
func (x I96F32) ToU64() uint64 {
	if x.v.hi < 0 {
		return 0
	}
	i := x.v.floorShift(32)
	if i.hi != 0 {
		return math.MaxUint64
	}
	return i.lo
}

// RaoOf is floor(I96F32(x) * I96F32(rao)) as a saturating u64: the chain's
// conversion of a normalised emission share into rao.
func RaoOf(x I32F32, rao uint64) uint64 {
	if x <= 0 {
		return 0
	}
	// The exact product x_raw * rao fits in 128 bits; shift by 32 (floor).
	hi, lo := bits.Mul64(uint64(x), rao)
	if hi>>32 != 0 {
		return math.MaxUint64
	}
	return hi<<32 | lo>>32
}
