package validator

import (
	"context"
	"errors"
	"fmt"
	goruntime "runtime"
	"sync"

	"github.com/subnetd/subnetd/runtime"
)

// Runtimes shares one runtime.Runtime among the subnets whose runtime configuration (engine,
// limits, cache directory) is equal, so that subnets running the same scorer module, or the
// same interpreter with different programs, hold one copy of its compiled code instead of one
// each. Instances stay per call, so sharing code shares no state between subnets.
//
// It also holds the scoring slots: at most a fixed number of scorer calls (challenge or score)
// run at once across all its subnets, the others wait their turn in order. Scoring is CPU-bound,
// so more calls than cores finish no sooner in total; unbounded, 128 subnets whose rounds start
// on the same block would each run 64 times slower on two cores and reach the scorers'
// wall-clock backstop (a call's timeout starts when it has its slot), and hold 128 instances'
// memory at once. The daemon keeps one Runtimes for all its subnets; it is safe for concurrent
// use.
type Runtimes struct {
	slots chan struct{}

	mu     sync.Mutex
	byCfg  map[runtime.Config]*runtime.Runtime
	order  []*runtime.Runtime
	closed bool
}

// DefaultSlots is the number of scorer calls that run at once when NewRuntimes is given none:
// twice the CPUs Go may use, and at least 4.
func DefaultSlots() int { return max(4, 2*goruntime.GOMAXPROCS(0)) }

// NewRuntimes returns an empty set of shared runtimes whose subnets run at most slots scorer
// calls at once (slots <= 0: DefaultSlots).
func NewRuntimes(slots int) *Runtimes {
	if slots <= 0 {
		slots = DefaultSlots()
	}
	return &Runtimes{slots: make(chan struct{}, slots), byCfg: map[runtime.Config]*runtime.Runtime{}}
}

// Slots returns the number of scorer calls that may run at once.
func (r *Runtimes) Slots() int { return cap(r.slots) }

// Acquire waits for a scoring slot (in arrival order) or for ctx to end, and returns the
// function that gives the slot back.
func (r *Runtimes) Acquire(ctx context.Context) (release func(), err error) {
	select {
	case r.slots <- struct{}{}:
		return func() { <-r.slots }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for a scoring slot (%d in use): %w", cap(r.slots), ctx.Err())
	}
}

// Get returns the runtime for cfg, creating it on first use. The runtime belongs to r: callers
// release the scorers they load from it, never the runtime itself.
func (r *Runtimes) Get(ctx context.Context, cfg runtime.Config) (*runtime.Runtime, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, errors.New("runtimes: closed")
	}
	if rt, ok := r.byCfg[cfg]; ok {
		return rt, nil
	}
	rt, err := runtime.New(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("runtime %s: %w", cfg.Engine, err)
	}
	r.byCfg[cfg] = rt
	r.order = append(r.order, rt)
	return rt, nil
}

// Len returns the number of distinct runtimes created so far.
func (r *Runtimes) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.order)
}

// Close releases every runtime (and so all compiled code); close the subnets first.
func (r *Runtimes) Close(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	var errs []error
	for _, rt := range r.order {
		errs = append(errs, rt.Close(ctx))
	}
	r.byCfg, r.order = nil, nil
	return errors.Join(errs...)
}
