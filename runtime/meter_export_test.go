package runtime

import "context"

// NewWithOptions builds a Runtime with the meter and the wall-clock interruption switched
// separately, for the benchmarks that measure what each costs.
func NewWithOptions(ctx context.Context, cfg Config, metered, interrupt bool) (*Runtime, error) {
	return newRuntime(ctx, cfg, engineOptions{interrupt: interrupt, noMeter: !metered})
}
