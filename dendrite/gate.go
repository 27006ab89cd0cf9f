package dendrite

import (
	"container/heap"
	"context"
	"net/http"
	"slices"
	"sync"
)

// gate admits at most n holders; waiters are admitted highest priority first (FIFO among equals).
type gate struct {
	mu      sync.Mutex
	free    int
	maxWait int
	seq     uint64
	waiters waitHeap
}

type waiter struct {
	prio  float64
	seq   uint64
	ready chan struct{}
	index int
}

type waitHeap []*waiter

func (h waitHeap) Len() int { return len(h) }
func (h waitHeap) Less(i, j int) bool {
	if h[i].prio != h[j].prio {
		return h[i].prio > h[j].prio
	}
	return h[i].seq < h[j].seq
}
func (h waitHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *waitHeap) Push(x any)   { w := x.(*waiter); w.index = len(*h); *h = append(*h, w) }
func (h *waitHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	*h = old[:len(old)-1]
	w.index = -1
	return w
}

func newGate(n, maxWait int) *gate { return &gate{free: n, maxWait: maxWait} }

func (g *gate) acquire(ctx context.Context, prio float64) *axonError {
	g.mu.Lock()
	if g.free > 0 && len(g.waiters) == 0 {
		g.free--
		g.mu.Unlock()
		return nil
	}
	if len(g.waiters) >= g.maxWait {
		g.mu.Unlock()
		return refuse(http.StatusServiceUnavailable, "Service at capacity: %d requests waiting", g.maxWait)
	}
	w := &waiter{prio: prio, seq: g.seq, ready: make(chan struct{})}
	g.seq++
	heap.Push(&g.waiters, w)
	g.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		g.mu.Lock()
		defer g.mu.Unlock()
		if w.index < 0 { // admitted just as the deadline hit: give the slot back
			g.releaseLocked()
		} else {
			heap.Remove(&g.waiters, w.index)
		}
		return refuse(http.StatusRequestTimeout, "timed out waiting for a free slot (priority %g)", prio)
	}
}

func (g *gate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.releaseLocked()
}

func (g *gate) releaseLocked() {
	if len(g.waiters) > 0 {
		w := heap.Pop(&g.waiters).(*waiter)
		close(w.ready)
		return
	}
	g.free++
}

func sortStrings(s []string) { slices.Sort(s) }
