package fixed

import (
	"math"
	"math/rand/v2"
	"testing"
)

func checkDivider(t *testing.T, x, y int64) {
	t.Helper()
	if got, want := NewDivider(FromBits(y)).Div(FromBits(x)), FromBits(x).SafeDiv(FromBits(y)); got != want {
		t.Fatalf("Divider(%d).Div(%d) = %d, SafeDiv %d", y, x, got, want)
	}
}

func TestDivider_MatchesSafeDiv(t *testing.T) {
	edges := []int64{0, 1, -1, 2, 3, 7, 1 << 31, 1<<31 - 1, 1 << 32, 1<<32 + 1, 3 << 31, 65535 << 32,
		1 << 62, math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MaxInt32, math.MinInt32}
	for _, x := range edges {
		for _, y := range edges {
			checkDivider(t, x, y)
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 200000; i++ {
		x := int64(r.Uint64() >> r.IntN(64))
		y := int64(r.Uint64() >> r.IntN(64))
		if i%7 == 0 {
			x = -x
		}
		checkDivider(t, x, y)
	}
}

func FuzzDivider(f *testing.F) {
	f.Add(int64(1<<32), int64(3))
	f.Fuzz(func(t *testing.T, x, y int64) { checkDivider(t, x, y) })
}
