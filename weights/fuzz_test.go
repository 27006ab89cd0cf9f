package weights

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"testing"
)

// FuzzCompute feeds arbitrary float32 bit patterns (NaN, ±Inf, negatives, subnormals) and
// parameters through the whole pipeline: it must never panic, an error must be one of the
// package's sentinels, and a result must be well formed.
func FuzzCompute(f *testing.F) {
	f.Add([]byte{0, 0, 128, 63, 0, 0, 0, 64}, uint16(2), uint16(0), uint8(0), uint16(0))
	f.Add([]byte{0, 0, 192, 127, 0, 0, 128, 127, 0, 0, 128, 255, 1, 0, 0, 0}, uint16(4), uint16(3), uint8(2), uint16(0))
	f.Add(make([]byte, 64), uint16(20), uint16(1), uint8(4), uint16(500))
	limits := []float64{1, 0.5, 0.1, 0.05, 0.01, 0, 2, 0.3}
	f.Fuzz(func(t *testing.T, data []byte, extra uint16, k uint16, limitSel uint8, q uint16) {
		m := len(data) / 4
		scores := make([]float64, m)
		uids := make([]int64, m)
		for i := range scores {
			scores[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:])))
			uids[i] = int64(i)
		}
		p := Params{
			NumNeurons:        m + int(extra%8),
			MinAllowedWeights: int(k % 16),
			MaxWeightLimit:    limits[int(limitSel)%len(limits)],
			ExcludeQuantile:   int(q),
		}
		pr, perr := Process(uids, scores, p)
		if perr == nil && len(pr.UIDs) != len(pr.Weights) {
			t.Fatalf("Process: %d uids, %d weights", len(pr.UIDs), len(pr.Weights))
		}
		if perr == nil && len(pr.Weights) > 0 {
			finite := true
			for _, w := range pr.Weights {
				finite = finite && !math.IsNaN(w) && !math.IsInf(w, 0)
			}
			if s := pySumFloat(pr.Weights); finite && s != 0 && math.Abs(s-1) > 1e-3 {
				t.Fatalf("Process weights sum to %v, want about 1", s)
			}
		}
		got, err := Compute(uids, scores, p)
		if err != nil {
			known := []error{ErrNothingToEmit, ErrNegativeWeight, ErrNegativeUID, ErrLengthMismatch,
				ErrNotFinite, ErrIndex, ErrInvalidParams, ErrUIDRange}
			if !slices.ContainsFunc(known, func(e error) bool { return errors.Is(err, e) }) {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		if len(got.UIDs) != len(got.Weights) {
			t.Fatalf("%d uids, %d weights", len(got.UIDs), len(got.Weights))
		}
		if len(got.Weights) > 0 && slices.Max(got.Weights) != U16Max {
			t.Fatalf("max weight %d, want 65535", slices.Max(got.Weights))
		}
		for i, w := range got.Weights {
			if w == 0 {
				t.Fatal("a zero weight was emitted")
			}
			if int(got.UIDs[i]) >= max(m, p.NumNeurons) {
				t.Fatalf("uid %d beyond the input", got.UIDs[i])
			}
			if i > 0 && got.UIDs[i] <= got.UIDs[i-1] {
				t.Fatalf("uids not strictly increasing: %v", got.UIDs)
			}
		}
		// The chain's max-upscale leaves an SDK-emitted vector unchanged.
		if up := MaxUpscale(got.Weights); !slices.Equal(up, got.Weights) {
			t.Fatalf("MaxUpscale changed %v to %v", got.Weights, up)
		}
	})
}
