package runtime

import "context"

// Compiles counts the modules r metered and compiled rather than took from its cache.
func (r *Runtime) Compiles() int64 { return r.compiles.Load() }

// Instruments counts the modules r ran through the meter rather than took from the disk cache.
func (r *Runtime) Instruments() int64 { return r.instruments.Load() }

// Snapshots counts the start-ups r ran at load to pre-initialise a module.
func (r *Runtime) Snapshots() int64 { return r.snapshots.Load() }

// EngineCompiles counts the modules r handed to its engine's compiler.
func (r *Runtime) EngineCompiles() int64 { return r.engCompiles.Load() }

// NewPlain builds a Runtime that runs every module's start-up per call, the baseline that
// pre-initialised instances are compared with.
func NewPlain(ctx context.Context, cfg Config) (*Runtime, error) {
	return newRuntime(ctx, cfg, engineOptions{noPreinit: true})
}
