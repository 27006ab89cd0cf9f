package runtime

import (
	"context"

	"github.com/subnetd/subnetd/runtime/internal/meter"
)

// NewWithOptions builds a Runtime with the meter and the wall-clock interruption switched
// separately, for the benchmarks that measure what each costs.
func NewWithOptions(ctx context.Context, cfg Config, metered, interrupt bool) (*Runtime, error) {
	return newRuntime(ctx, cfg, engineOptions{interrupt: interrupt, noMeter: !metered})
}

// NewWithInstrumenter builds a Runtime whose meter is instrument instead of meter.Instrument
// (the reference emitter, to prove the current one charges the same gas). Give it a CacheDir of
// its own: pre-initialised snapshots in the cache are not told apart by emitter.
func NewWithInstrumenter(ctx context.Context, cfg Config, instrument func([]byte) ([]byte, meter.Info, error)) (*Runtime, error) {
	return newRuntime(ctx, cfg, engineOptions{instrument: instrument})
}
