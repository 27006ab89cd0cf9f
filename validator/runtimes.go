package validator

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/subnetd/subnetd/runtime"
)

// Runtimes shares one runtime.Runtime among the subnets whose runtime configuration (engine,
// limits, cache directory) is equal, so that subnets running the same scorer module, or the
// same interpreter with different programs, hold one copy of its compiled code instead of one
// each. Instances stay per call, so sharing code shares no state between subnets. The daemon
// keeps one Runtimes for all its subnets; it is safe for concurrent use.
type Runtimes struct {
	mu     sync.Mutex
	byCfg  map[runtime.Config]*runtime.Runtime
	order  []*runtime.Runtime
	closed bool
}

// NewRuntimes returns an empty set of shared runtimes.
func NewRuntimes() *Runtimes { return &Runtimes{byCfg: map[runtime.Config]*runtime.Runtime{}} }

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
