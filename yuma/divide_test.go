package yuma

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/subnetd/subnetd/yuma/fixed"
)

// TestReciprocal_Quo checks floor(n/d) against the hardware division on
// edge and random divisors and numerators below 2^63.
func TestReciprocal_Quo(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ds := []uint64{2, 3, 5, 7, 65535, 1 << 32, 1<<32 + 1, 1<<63 - 1, 1 << 62, 1<<62 + 1}
	for k := 0; k < 2000; k++ {
		ds = append(ds, r.Uint64N(1<<uint(1+r.IntN(63))-1)+2)
	}
	const top = 1<<63 - 1
	for _, d := range ds {
		rc := newReciprocal(d)
		ns := []uint64{0, 1, top, top - 1, d - 1, d, d + 1, 2*d - 1, r.Uint64N(top), r.Uint64N(top) >> uint(r.IntN(63))}
		// Numerators at and just below multiples of d, where a wrong magic fails first.
		for k := 0; k < 8; k++ {
			if m := r.Uint64N(top) / d * d; m > 0 {
				ns = append(ns, m, m-1)
			}
		}
		for _, n := range ns {
			if n > top {
				continue
			}
			if got, want := rc.quo(n), n/d; got != want {
				t.Fatalf("%d/%d: got %d, want %d", n, d, got, want)
			}
		}
	}
}

// TestDivisor_Div checks divisor.div, quick and quickInt against
// fixed.I32F32.SafeDiv bit for bit, including zero, negative,
// integer-valued, power-of-two and tiny divisors.
func TestDivisor_Div(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	vals := []fx{0, 1, 2, 3, -1, fixed.One, fixed.One - 1, fixed.One + 1, fixed.One / 2, fixed.One/2 - 1, fixed.U16Max,
		fixed.MaxI32F32, fixed.MinI32F32, fixed.FromInt(-5), fixed.FromInt(1 << 20), fixed.FromInt(2), fixed.FromInt(3),
		1 << 31, 1<<32 - 1, 1 << 40, 3 << 40}
	for k := 0; k < 300; k++ {
		vals = append(vals, fx(r.Int64()>>uint(r.IntN(63))), fixed.FromU16(uint16(r.UintN(65536))), fx(r.Int64N(1<<32)),
			fixed.FromInt(r.Int64N(1<<28))<<uint(r.IntN(3)), fx(r.Int64N(1<<31)))
	}
	for _, y := range vals {
		d := newDivisor(y)
		for _, x := range vals {
			want := x.SafeDiv(y)
			if got := d.div(x); got != want {
				t.Fatalf("div %d / %d: got %d, want %d", x, y, got, want)
			}
			if got, ok := d.quick(x); ok && got != want {
				t.Fatalf("quick %d / %d: got %d, want %d", x, y, got, want)
			}
			if got, ok := d.quickInt(x); ok && got != want {
				t.Fatalf("quickInt %d / %d: got %d, want %d", x, y, got, want)
			}
		}
	}
}

// TestU16Prop checks u16Prop against fixed.U16Proportion for every u16.
func TestU16Prop(t *testing.T) {
	for v := 0; v <= math.MaxUint16; v++ {
		if got, want := u16Prop(uint16(v)), fixed.U16Proportion(uint16(v)); got != want {
			t.Fatalf("%d: got %d, want %d", v, got, want)
		}
	}
}
