package yuma

import "sync"

// par runs the row-wise passes of an epoch on up to workers goroutines,
// each over a contiguous range of rows with its own arena. Rows are
// independent in every such pass; the only cross-row results are column
// sums of non-negative values and column maxima. A saturating sum of
// non-negative terms is min(total, MAX) whatever the grouping, and a maximum
// does not depend on order, so per-worker partials combined afterwards give
// exactly the chain's sequential result: the output never depends on the
// number of workers.
type par struct {
	workers int
	ars     []*arena
	// bounds, when set by balance for n rows, are the row ranges of the
	// workers: worker w takes [bounds[w], bounds[w+1]).
	bounds []int
}

// minParallelCells is the number of stored weights below which an epoch
// runs on one goroutine: smaller epochs are faster without the hand-off.
const minParallelCells = 1 << 16

func newPar(workers int) *par {
	workers = max(workers, 1)
	p := &par{workers: workers, ars: make([]*arena, workers)}
	for i := range p.ars {
		p.ars[i] = &arena{}
	}
	return p
}

// release returns every worker's arena blocks to the pool.
func (p *par) release() {
	for _, a := range p.ars {
		a.release()
	}
}

// balance splits the rows for rows(len(cost), …) so that every worker gets
// about the same total cost, cost[i] being row i's share of the work (its
// stored weights and bonds). Validators are usually a few uids, often the
// lowest ones: an even split by row count would leave one worker with all
// the work. Which worker takes a row never changes a result (see par).
func (p *par) balance(cost []int) {
	n := len(cost)
	if p.workers == 1 {
		return
	}
	total := 0
	for _, c := range cost {
		total += c
	}
	b := make([]int, p.workers+1)
	b[p.workers] = n
	w, acc := 1, 0
	for i := 0; i < n && w < p.workers; i++ {
		for w < p.workers && acc*p.workers >= total*w {
			b[w] = i
			w++
		}
		acc += cost[i]
	}
	for ; w < p.workers; w++ {
		b[w] = n
	}
	p.bounds = b
}

// rows calls fn(w, from, to) for contiguous ranges covering [0, n), worker w
// on its own goroutine, and waits for all of them. The ranges are those of
// balance when it was given n rows, equal row counts otherwise; empty
// ranges are skipped.
func (p *par) rows(n int, fn func(w, from, to int)) {
	if p.workers == 1 || n < 2*p.workers {
		fn(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < p.workers; w++ {
		from, to := n*w/p.workers, n*(w+1)/p.workers
		if len(p.bounds) == p.workers+1 && p.bounds[p.workers] == n {
			from, to = p.bounds[w], p.bounds[w+1]
		}
		if from == to {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(w, from, to)
		}()
	}
	wg.Wait()
}

// partials allocates one n-long accumulator per worker.
func (p *par) partials(n int) [][]fx {
	out := make([][]fx, p.workers)
	for i := range out {
		out[i] = make([]fx, n)
	}
	return out
}

// sumPartials adds per-worker column sums of non-negative values.
func sumPartials(parts [][]fx) []fx {
	out := parts[0]
	for _, q := range parts[1:] {
		for j, v := range q {
			out[j] = out[j].Add(v)
		}
	}
	return out
}
