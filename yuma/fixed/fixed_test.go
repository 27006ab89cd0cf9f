package fixed

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// refMul is floor(a*b / 2^32) with big integers; ok is false outside int64.
func refMul(a, b int64) (int64, bool) {
	p := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	p.Rsh(p, 32)
	return p.Int64(), p.IsInt64()
}

// refDiv is trunc((a << 32) / b); ok is false on b == 0 or outside int64.
func refDiv(a, b int64) (int64, bool) {
	if b == 0 {
		return 0, false
	}
	n := new(big.Int).Lsh(big.NewInt(a), 32)
	n.Quo(n, big.NewInt(b))
	return n.Int64(), n.IsInt64()
}

func checkMulDiv(t *testing.T, a, b int64) {
	t.Helper()
	x, y := FromBits(a), FromBits(b)
	got, ok := x.CheckedMul(y)
	want, wok := refMul(a, b)
	if ok != wok || (ok && got.Bits() != want) {
		t.Fatalf("CheckedMul(%d, %d) = %d,%v want %d,%v", a, b, got, ok, want, wok)
	}
	sat := want
	if !wok {
		sat = math.MaxInt64
		if (a < 0) != (b < 0) {
			sat = math.MinInt64
		}
	}
	if m := x.Mul(y); m.Bits() != sat {
		t.Fatalf("Mul(%d, %d) = %d, want %d", a, b, m, sat)
	}
	gd, ok := x.CheckedDiv(y)
	wd, wok := refDiv(a, b)
	if ok != wok || (ok && gd.Bits() != wd) {
		t.Fatalf("CheckedDiv(%d, %d) = %d,%v want %d,%v", a, b, gd, ok, wd, wok)
	}
	if !wok && x.SafeDiv(y) != 0 {
		t.Fatalf("SafeDiv(%d, %d) = %d, want 0", a, b, x.SafeDiv(y))
	}
}

func TestI32F32_MulDivAgainstBigInt(t *testing.T) {
	edges := []int64{0, 1, -1, 2, -2, 1 << 31, -(1 << 31), 1 << 32, -(1 << 32), 3 << 31, 65535 << 32,
		math.MaxInt32, math.MinInt32, math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1}
	for _, a := range edges {
		for _, b := range edges {
			checkMulDiv(t, a, b)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		a, b := int64(r.Uint64()), int64(r.Uint64())
		if i%2 == 0 { // values around the 0..1 range the epoch lives in
			a >>= r.IntN(40)
			b >>= r.IntN(40)
		}
		if i%3 == 0 { // divisors with trailing zero bits (integer-valued sums)
			b &^= 1<<r.IntN(64) - 1
		}
		checkMulDiv(t, a, b)
	}
}

func FuzzI32F32_MulDiv(f *testing.F) {
	f.Add(int64(1), int64(1))
	f.Add(int64(math.MinInt64), int64(-1))
	f.Add(int64(-1), int64(1<<32))
	f.Fuzz(func(t *testing.T, a, b int64) { checkMulDiv(t, a, b) })
}

func TestI32F32_Rounding(t *testing.T) {
	tests := []struct {
		name      string
		got, want I32F32
	}{
		{"mul floors toward -inf", FromBits(-1).Mul(FromBits(1)), FromBits(-1)},
		{"mul floors positive", FromBits(1).Mul(FromBits(1)), 0},
		{"div truncates toward zero", FromBits(-1).SafeDiv(FromInt(2)), 0},
		{"div truncates positive", One.SafeDiv(FromInt(3)), FromBits(1431655765)},
		{"safe div by zero", One.SafeDiv(0), 0},
		{"safe div overflow", MaxI32F32.SafeDiv(FromBits(1)), 0},
		{"saturating mul", MaxI32F32.Mul(FromInt(2)), MaxI32F32},
		{"saturating mul negative", MaxI32F32.Mul(FromInt(-2)), MinI32F32},
		{"saturating add", MaxI32F32.Add(One), MaxI32F32},
		{"saturating sub", MinI32F32.Sub(One), MinI32F32},
		{"neg of min", MinI32F32.Neg(), MaxI32F32},
		{"round half up", FromFloat64(2.5).Round(), FromInt(3)},
		{"round half away from zero", FromFloat64(-2.5).Round(), FromInt(-3)},
		{"round down", FromFloat64(2.4999).Round(), FromInt(2)},
		{"u16 proportion of max", U16Proportion(65535), One},
		{"u16 proportion truncates", U16Proportion(1), FromBits(65537)},
		{"from f32 rounds to nearest", FromFloat32(0.1), FromBits(429496736)},
		{"from f64", FromFloat64(0.1), FromBits(429496730)},
		{"from u64 saturates", FromU64(math.MaxUint64), MaxI32F32},
		{"floor negative", FromFloat64(-0.5).Floor(), FromInt(-1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Fatalf("got %v (raw %d), want %v (raw %d)", tt.got, tt.got.Bits(), tt.want, tt.want.Bits())
			}
		})
	}
}

func TestProportionToU16(t *testing.T) {
	tests := []struct {
		in   I32F32
		want uint16
	}{
		{0, 0}, {-One, 0}, {One, 65535}, {FromInt(2), 65535}, {MaxI32F32, 65535},
		{One / 2, 32767}, {U16Proportion(12345), 12344}, {FromBits(65538), 1},
	}
	for _, tt := range tests {
		if got := ProportionToU16(tt.in); got != tt.want {
			t.Errorf("ProportionToU16(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
	// The fast path agrees with the literal saturating multiply.
	r := rand.New(rand.NewPCG(9, 9))
	for i := 0; i < 100000; i++ {
		x := FromBits(int64(r.Uint64N(1<<32 + 2)))
		if got, want := ProportionToU16(x), x.Mul(U16Max).ToU16(); got != want {
			t.Fatalf("ProportionToU16(%d) = %d, want %d", x, got, want)
		}
	}
	// The u16 round trip loses at most one step, never gains.
	for v := 0; v <= 65535; v += 7 {
		if got := ProportionToU16(U16Proportion(uint16(v))); got != uint16(v) && got != uint16(v)-1 {
			t.Fatalf("round trip of %d gave %d", v, got)
		}
	}
}

func TestExp(t *testing.T) {
	if got, _ := Exp(0); got != One {
		t.Errorf("Exp(0) = %v", got)
	}
	if got, _ := Exp(One); got.Bits() != 22802600<<9 {
		t.Errorf("Exp(1) = raw %d, want the truncated I9F23 constant", got.Bits())
	}
	// The series tracks libm closely for moderate inputs (it is not libm).
	for x := -5.0; x <= 5.0; x += 0.25 {
		got, ok := Exp(FromFloat64(x))
		if !ok {
			t.Fatalf("Exp(%v) failed", x)
		}
		if d := math.Abs(got.Float64()-math.Exp(x)) / math.Exp(x); d > 1e-6 && math.Abs(got.Float64()-math.Exp(x)) > 1e-8 {
			t.Errorf("Exp(%v) = %v, libm %v", x, got, math.Exp(x))
		}
	}
	// exp_safe clamps to [-20, 20].
	e20, _ := Exp(FromInt(20))
	em20, _ := Exp(FromInt(-20))
	for _, tt := range []struct {
		in, want I32F32
	}{{MaxI32F32, e20}, {FromInt(21), e20}, {MinI32F32, em20}, {FromInt(-1000), em20}, {0, One}} {
		if got := ExpSafe(tt.in); got != tt.want {
			t.Errorf("ExpSafe(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if got, ok := Exp(MinI32F32); ok || got != 0 {
		t.Errorf("Exp(MIN) = %v, %v; want failure", got, ok)
	}
}

// expLiteral is substrate-fixed's exp series written as the chain writes
// it: each term divided by I32F32::from_num(i) with the checked division.
func expLiteral(x I32F32) (I32F32, bool) {
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
	term := x
	for i := int64(2); i < FracBits32; i++ {
		if term, ok = term.CheckedMul(x); !ok {
			return 0, false
		}
		if term, ok = term.CheckedDiv(FromInt(i)); !ok {
			return 0, false
		}
		if result, ok = result.CheckedAdd(term); !ok {
			return 0, false
		}
	}
	if neg {
		if result, ok = One.CheckedDiv(result); !ok {
			return 0, false
		}
	}
	return result, true
}

// TestDivSmall checks the series' reciprocal divisions against the
// hardware's on edge and random numerators.
func TestDivSmall(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	for i := uint64(2); i < FracBits32; i++ {
		ns := []uint64{0, 1, i - 1, i, i + 1, 1<<32 - 1, 1 << 32, 1<<63 - 1, 1<<63 - i, (1<<63 - 1) / i * i}
		for k := 0; k < 20_000; k++ {
			ns = append(ns, r.Uint64N(1<<63), r.Uint64N(1<<40))
		}
		for _, n := range ns {
			if got := divSmall(n, i); got != n/i {
				t.Fatalf("divSmall(%d, %d) = %d, want %d", n, i, got, n/i)
			}
		}
	}
}

// TestExp_Literal compares Exp (divisions by constants) with the literal
// series on the sigmoid's whole input range and beyond, including the
// inputs where the series overflows.
func TestExp_Literal(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 15))
	check := func(x I32F32) {
		got, gok := Exp(x)
		want, wok := expLiteral(x)
		if got != want || gok != wok {
			t.Fatalf("Exp(raw %d) = %d, %v; the literal series gives %d, %v", x.Bits(), got.Bits(), gok, want.Bits(), wok)
		}
	}
	for _, x := range []I32F32{0, 1, -1, One, -One, FromInt(20), FromInt(-20), FromInt(21), FromInt(22), FromInt(-22), MaxI32F32, MinI32F32, MinI32F32 + 1} {
		check(x)
	}
	for k := 0; k < 100_000; k++ {
		check(I32F32(r.Int64N(int64(FromInt(44))) - int64(FromInt(22))))
	}
	for k := 0; k < 20_000; k++ {
		check(I32F32(r.Int64()))
	}
}

func TestI64F64(t *testing.T) {
	a := I64F64FromU64(3)
	b := I64F64FromU64(4)
	if got := a.SafeDiv(b).ToI32F32(); got != FromFloat64(0.75) {
		t.Errorf("3/4 = %v", got)
	}
	if got := a.Add(b).ToU64(); got != 7 {
		t.Errorf("3+4 = %d", got)
	}
	if got := a.Mul(b).ToU64(); got != 12 {
		t.Errorf("3*4 = %d", got)
	}
	if got := a.SafeDiv(I64F64{}); !got.IsZero() {
		t.Errorf("div by zero = %v", got.Float64())
	}
	third := I64F64FromU64(1).SafeDiv(a)
	if got := third.ToI32F32(); got != FromBits(1431655765) {
		t.Errorf("1/3 floored to I32F32 = raw %d", got.Bits())
	}
	if got := I64F64FromU64(math.MaxUint64); got.Cmp(I64F64FromU64(math.MaxInt64)) <= 0 {
		t.Errorf("u64::MAX should saturate above i64::MAX integer part")
	}
	big := I64F64FromU64(math.MaxInt64)
	if got := big.Add(big); got.Cmp(big) <= 0 {
		t.Errorf("saturating add went down")
	}
	if got := I64F64FromI32F32(FromFloat64(-0.5)).ToI32F32(); got != FromFloat64(-0.5) {
		t.Errorf("widen/narrow -0.5 = %v", got)
	}
	if got := I64F64FromI32F32(FromFloat64(-0.5)).ToU64(); got != 0 {
		t.Errorf("negative to u64 = %d", got)
	}
}

func TestTaoWeight(t *testing.T) {
	if hi, lo := TaoWeight(math.MaxUint64).Bits(); hi != 0 || lo != 1<<32 {
		t.Errorf("TaoWeight(MAX) = %d:%d, want 1.0", hi, lo)
	}
	if hi, lo := TaoWeight(0).Bits(); hi != 0 || lo != 0 {
		t.Errorf("TaoWeight(0) = %d:%d", hi, lo)
	}
	// Production default ≈ 5.27 %, truncated to 32 fractional bits.
	_, lo := TaoWeight(971_718_665_099_567_868).Bits()
	num := new(big.Int).Lsh(new(big.Int).SetUint64(971_718_665_099_567_868), 32)
	want := num.Quo(num, new(big.Int).SetUint64(math.MaxUint64)).Uint64()
	if lo != want {
		t.Errorf("TaoWeight(default) raw %d, want about %d", lo, want)
	}
	w := TaoWeight(1 << 63).ToI64F64()
	if got := I64F64FromU64(1000).Mul(w).ToU64(); got != 500 {
		t.Errorf("1000 * 0.5 = %d", got)
	}
}

func TestRaoOf(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 2000; i++ {
		x := FromBits(int64(r.Uint64() >> (1 + r.IntN(40))))
		rao := r.Uint64() >> r.IntN(64)
		want := I96F32FromI32F32(x).Mul(I96F32FromU64(rao)).ToU64()
		if got := RaoOf(x, rao); got != want {
			t.Fatalf("RaoOf(%v, %d) = %d, I96F32 path %d", x, rao, got, want)
		}
	}
	if got := RaoOf(One.SafeDiv(FromInt(10)), 1_000_000_000); got != 99_999_999 {
		t.Errorf("0.1 of 1e9 = %d (the chain gives 99999999)", got)
	}
	if got := RaoOf(MaxI32F32, math.MaxUint64); got != math.MaxUint64 {
		t.Errorf("saturation: %d", got)
	}
	if got := RaoOf(-One, 5); got != 0 {
		t.Errorf("negative: %d", got)
	}
}

// TestI64F64_FastPaths checks Mul's integer × fraction path and SafeDiv's
// proportion path against the math/big versions, on edge values and
// random operands of every magnitude.
func TestI64F64_FastPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	word := func() uint64 {
		switch r.IntN(6) {
		case 0:
			return 0
		case 1:
			return math.MaxUint64
		case 2:
			return 1 << r.IntN(64)
		case 3:
			return r.Uint64N(1 << 20)
		}
		return r.Uint64()
	}
	val := func() I64F64 {
		v := I64F64FromBits(int64(word()>>1), word())
		switch r.IntN(4) {
		case 0:
			v = I64F64FromBits(v.v.hi, 0) // whole number
		case 1:
			v = I64F64FromBits(0, v.v.lo) // fraction
		case 2:
			if r.IntN(4) == 0 {
				v = I64F64FromBits(-v.v.hi-1, v.v.lo) // negative
			}
		}
		return v
	}
	for k := 0; k < 200000; k++ {
		x, y := val(), val()
		if got, want := x.Mul(y), x.mulBig(y); got != want {
			t.Fatalf("%v·%v: got %v, want %v", x.v, y.v, got.v, want.v)
		}
		if r.IntN(2) == 0 && x.Cmp(y) > 0 {
			x, y = y, x
		}
		if got, want := x.SafeDiv(y), x.safeDivBig(y); got != want {
			t.Fatalf("%v/%v: got %v, want %v", x.v, y.v, got.v, want.v)
		}
	}
}
