package runtime_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/subnetd/subnetd/runtime"
)

// memoryProbe is a hand-written scorer whose score grows memory by pages, traps unless every
// probed address reads zero, and then writes to each of them: a call that sees what an earlier
// call wrote fails. The addresses sit in the first page (past the data), in grown pages, and
// beyond 16 MiB (past what a reused memory keeps resident: those pages go back to the kernel).
func memoryProbe(grow int32, addrs []int32) []byte {
	const output = `{"scores":[]}`
	return rawScorer(output, func(m *wmod) {
		var body []byte
		body = append(body, i32const(grow)...)
		body = append(body, 0x40, 0x00, 0x1a) // memory.grow 0; drop
		for _, a := range addrs {
			body = append(body, i32const(a)...)
			body = append(body, 0x28, 0x02, 0x00)       // i32.load align=4
			body = append(body, 0x04, 0x40, 0x00, 0x0b) // if: unreachable
			body = append(body, i32const(a)...)
			body = append(body, i32const(0x5a5a5a5a)...)
			body = append(body, 0x36, 0x02, 0x00) // i32.store
		}
		body = append(body, i64const(2048<<32|int64(len(output)))...)
		m.codes[1] = append(uleb(uint64(len(body)+2)), append(append([]byte{0}, body...), 0x0b)...)
	})
}

// TestScorer_Score_freshMemory checks that every call starts from zeroed memory although
// instances reuse linear memories, one after another and side by side, on every engine.
func TestScorer_Score_freshMemory(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		grow  int32
		addrs []int32
	}{
		{"first page", 0, []int32{4096, 60000}},
		{"grown pages", 40, []int32{70000, 40 << 16}},
		{"past the resident part", 400, []int32{100, 17 << 20, 25<<20 + 12}},
	}
	round, meta := testRound(t, "")
	for _, eng := range benchEngines() {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/%s", eng, tt.name), func(t *testing.T) {
				rt, err := runtime.New(ctx, runtime.Config{Engine: eng})
				if err != nil {
					t.Fatal(err)
				}
				defer rt.Close(ctx)
				s := load(t, rt, "probe", memoryProbe(tt.grow, tt.addrs))
				for k := range 3 {
					if _, err := s.Score(ctx, round, meta); err != nil {
						t.Fatalf("call %d: %v", k, err)
					}
				}
				scoreConcurrently(t, round, meta, 8, s)
			})
		}
	}
}

// imageProbe is preinitScorer (its start-up writes the output and a global) with one more data
// segment, "ABCD" at 3000, and a score that grows memory by grow pages, traps unless every
// probed address reads zero and 3000 still reads "ABCD", then writes over all of them: a call
// that does not start from the pre-initialised image, exactly, fails.
func imageProbe(grow int32, addrs []int32) []byte {
	const output = `X"scores":[]}`
	return preinitScorer(nil, func(m *wmod, _ uint32) {
		m.data = append(m.data, slices.Concat([]byte{0x00}, i32const(3000), []byte{0x0b}, str("ABCD")))
		body := slices.Concat(i32const(grow), []byte{0x40, 0x00, 0x1a}) // memory.grow 0; drop
		for _, a := range addrs {
			body = slices.Concat(body, i32const(a), []byte{0x28, 0x02, 0x00, 0x04, 0x40, 0x00, 0x0b}) // i32.load; if: unreachable
			body = slices.Concat(body, i32const(a), i32const(0x5a5a5a5a), []byte{0x36, 0x02, 0x00})   // i32.store
		}
		body = slices.Concat(body, i32const(3000), []byte{0x28, 0x02, 0x00}, i32const(0x44434241), []byte{0x47, 0x04, 0x40, 0x00, 0x0b}) // i32.ne "ABCD": unreachable
		body = slices.Concat(body, i32const(3000), i32const(0x5a5a5a5a), []byte{0x36, 0x02, 0x00})
		// The output: (i64.extend_i32_u (global.get 0)) << 32 | len, as preinitScorer's.
		body = slices.Concat(body, []byte{0x23, 0x00, 0xad}, i64const(32), []byte{0x86}, i64const(int64(len(output))), []byte{0x84})
		m.codes[1] = append(uleb(uint64(len(body)+2)), append(append([]byte{0}, body...), 0x0b)...)
	})
}

// TestScorer_Score_freshImage checks that every call of a pre-initialised scorer starts from its
// image exactly, although memories are kept holding the image between calls (wazero), also when
// calls of another scorer, which must see zeros, take the same memories in between.
func TestScorer_Score_freshImage(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		grow  int32
		addrs []int32
	}{
		{"first page", 0, []int32{100, 2100, 4096, 60000}},
		{"grown pages", 40, []int32{70000, 40 << 16}},
		{"past the resident part", 400, []int32{100, 17 << 20, 25<<20 + 12}},
	}
	round, meta := testRound(t, "")
	for _, eng := range benchEngines() {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/%s", eng, tt.name), func(t *testing.T) {
				rt, err := runtime.New(ctx, runtime.Config{Engine: eng})
				if err != nil {
					t.Fatal(err)
				}
				defer rt.Close(ctx)
				img := load(t, rt, "image", imageProbe(tt.grow, tt.addrs))
				if pre, why := img.PreInitialised(); !pre {
					t.Fatalf("not pre-initialised: %s", why)
				}
				zero := load(t, rt, "probe", memoryProbe(tt.grow, tt.addrs))
				for k := range 4 {
					for _, s := range []*runtime.Scorer{img, img, zero} {
						if res, err := s.Score(ctx, round, meta); err != nil || string(res.Output) != `{"scores":[]}` {
							t.Fatalf("call %d of %s: %s, %v", k, s.Name(), res.Output, err)
						}
					}
				}
				scoreConcurrently(t, round, meta, 12, img, zero)
			})
		}
	}
}

// scoreConcurrently makes n calls at once, taking the scorers in turn, and reports each error.
func scoreConcurrently(t *testing.T, round []byte, meta runtime.RoundMeta, n int, scorers ...*runtime.Scorer) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for k := range n {
		s := scorers[k%len(scorers)]
		wg.Go(func() {
			if _, err := s.Score(context.Background(), round, meta); err != nil {
				errs <- fmt.Errorf("%s: %w", s.Name(), err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent call: %v", err)
	}
}
