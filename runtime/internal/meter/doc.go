// Package meter instruments a WebAssembly module with a deterministic gas counter, so that
// every engine bounds a scorer's execution at exactly the same instruction. It is the
// mechanism behind runtime.Limits.Gas; docs/METERING.md explains the cost model.
package meter
