package runtime_test

import (
	"context"
	"testing"

	"github.com/subnetd/subnetd/runtime"
)

// A module whose output is spread over data segments listed out of order: the meter joins them
// at load time, and the guest must still see exactly the bytes the segments describe.
func TestScorer_Score_dataSegments(t *testing.T) {
	out := `{"scores":[{"uid":3,"score":0.25}]}`
	wasm := rawScorer(out, func(m *wmod) {
		m.data = nil
		pieces := []struct {
			at   int
			text string
		}{{20, out[20:]}, {0, out[:7]}, {7, out[7:20]}}
		for _, p := range pieces {
			seg := append([]byte{0x00}, i32const(int32(2048+p.at))...)
			seg = append(seg, 0x0b)
			seg = append(seg, str(p.text)...)
			m.data = append(m.data, seg)
		}
	})
	rt := newRuntime(t, runtime.Limits{})
	s := load(t, rt, "segments", wasm)
	round, meta := testRound(t, "")
	res, err := s.Score(context.Background(), round, meta)
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Output) != out {
		t.Fatalf("output %q, want %q", res.Output, out)
	}
}
