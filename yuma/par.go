package yuma

import (
	"sync"
	"sync/atomic"
)

// par runs the row-wise passes of an epoch on up to workers goroutines,
// each taking chunks of contiguous rows, with its own arena. Rows are
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
	// chunks: chunk c is [bounds[c], bounds[c+1]).
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

// balance splits the rows for rows(len(cost), …) into chunks of about the
// same total cost, cost[i] being row i's share of the work (its stored
// weights and bonds). Validators are usually a few uids, often the lowest
// ones: an even split by row count would leave one worker with all the
// work. Which worker takes a row never changes a result (see par).
func (p *par) balance(cost []int) {
	n := len(cost)
	if p.workers == 1 {
		return
	}
	chunks := p.workers * chunksPerWorker
	total := 0
	for _, c := range cost {
		total += c
	}
	b := make([]int, chunks+1)
	b[chunks] = n
	w, acc := 1, 0
	for i := 0; i < n && w < chunks; i++ {
		for w < chunks && acc*chunks >= total*w {
			b[w] = i
			w++
		}
		acc += cost[i]
	}
	for ; w < chunks; w++ {
		b[w] = n
	}
	p.bounds = b
}

// rows calls fn(w, from, to) for contiguous ranges covering [0, n), each
// range once, and waits for all of them. With several workers the rows are
// cut into chunksPerWorker chunks per worker (of about equal cost when
// balance was given n rows, of equal row counts otherwise), and each worker
// goroutine w takes the next chunk not yet taken until none is left: when
// one worker is slowed down (another process on its core), the others take
// its share instead of waiting for it. fn may thus be called several times
// per worker, never concurrently for the same w; empty ranges are skipped.
// Which worker takes a chunk never changes a result (see par).
func (p *par) rows(n int, fn func(w, from, to int)) {
	if p.workers == 1 || n < 2*p.workers {
		fn(0, 0, n)
		return
	}
	if chunks := p.workers * chunksPerWorker; len(p.bounds) == chunks+1 && p.bounds[chunks] == n {
		p.run(p.bounds, fn)
		return
	}
	p.run(p.even(n), fn)
}

// cols calls fn(from, to) for contiguous column ranges covering [0, n),
// each once, of equal sizes (not the rows' balance), on the workers as rows
// does, and waits for all of them: the per-column preparations between two
// row passes (sums from the partials, divisors), which would otherwise run
// on one goroutine while the others wait. Columns below minParallelCols run
// on the caller's goroutine.
func (p *par) cols(n int, fn func(from, to int)) {
	if p.workers == 1 || n < minParallelCols {
		fn(0, n)
		return
	}
	p.run(p.even(n), func(_, from, to int) { fn(from, to) })
}

// minParallelCols is the number of columns from which par.cols uses the
// workers: below it the hand-off costs more than the columns.
const minParallelCols = 1024

// even cuts [0, n) into chunksPerWorker chunks per worker of equal sizes.
func (p *par) even(n int) []int {
	chunks := p.workers * chunksPerWorker
	bounds := make([]int, chunks+1)
	for c := range bounds {
		bounds[c] = n * c / chunks
	}
	return bounds
}

// run hands the chunks [bounds[c], bounds[c+1]) out to the workers, each
// taking the next chunk not yet taken, and waits for all of them (see rows).
func (p *par) run(bounds []int, fn func(w, from, to int)) {
	chunks := len(bounds) - 1
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < p.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c := int(next.Add(1)) - 1
				if c >= chunks {
					return
				}
				if from, to := bounds[c], bounds[c+1]; from < to {
					fn(w, from, to)
				}
			}
		}()
	}
	wg.Wait()
}

// chunksPerWorker is how many chunks par.rows cuts per worker: enough for
// a slowed-down worker's share to be taken over, few enough that taking a
// chunk (one atomic add) costs nothing next to its rows.
const chunksPerWorker = 8

// perWorker returns vals[w], making it with mk on first use: the scratch of
// worker w, kept across the several calls of a par.rows fn that the worker
// may make (worker w alone touches vals[w]).
func perWorker[T any](vals []*T, w int, mk func() *T) *T {
	if vals[w] == nil {
		vals[w] = mk()
	}
	return vals[w]
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
