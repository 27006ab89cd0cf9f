package yuma

import (
	"sync"
	"testing"
)

func TestPar_Rows(t *testing.T) {
	for _, tc := range []struct {
		name     string
		workers  int
		n        int
		balanced bool
	}{
		{"one worker", 1, 100, false},
		{"two workers", 2, 100, false},
		{"two workers balanced", 2, 1000, true},
		{"three workers, few rows", 3, 7, false},
		{"eight workers balanced", 8, 4096, true},
		{"more chunks than rows", 4, 20, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPar(tc.workers)
			if tc.balanced {
				cost := make([]int, tc.n)
				for i := range cost {
					cost[i] = 1
					if i < tc.n/8 {
						cost[i] = 500 // a few heavy rows first, as validators are
					}
				}
				p.balance(cost)
			}
			seen := make([]int, tc.n)
			var mu sync.Mutex
			busy := make([]bool, tc.workers)
			p.rows(tc.n, func(w, from, to int) {
				mu.Lock()
				if busy[w] {
					t.Errorf("worker %d called concurrently", w)
				}
				busy[w] = true
				mu.Unlock()
				if from >= to {
					t.Errorf("empty range [%d, %d)", from, to)
				}
				for i := from; i < to; i++ {
					seen[i]++ // ranges are disjoint: no race when correct
				}
				mu.Lock()
				busy[w] = false
				mu.Unlock()
			})
			for i, c := range seen {
				if c != 1 {
					t.Fatalf("row %d visited %d times, want 1", i, c)
				}
			}
		})
	}
}
