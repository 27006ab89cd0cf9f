package runtime

import (
	"context"
	"errors"

	"github.com/subnetd/subnetd/hostfns"
	"github.com/subnetd/subnetd/runtime/internal/meter"
)

// Engine names a WebAssembly engine.
type Engine string

// The engines this build knows. EngineWazero is always present and the default.
const (
	// EngineWazero is wazero's optimizing compiler (pure Go).
	EngineWazero Engine = "wazero"
	// EngineWasmtime is wasmtime (Cranelift) through wasmtime-go, a cgo binding. It is only in
	// binaries built with -tags wasmtime; elsewhere New reports that it is missing.
	EngineWasmtime Engine = "wasmtime"
)

// engine is the seam a second engine plugs into: compile once, then instantiate per call.
// The ABI logic (alloc, copy, call, validate) sits above it in Scorer and is engine-neutral.
type engine interface {
	// name and version identify the engine in cache keys and round records.
	name() Engine
	version() string
	// compile turns screened module bytes into something instantiable. name, when not empty,
	// names wasm's bytes for the engine's own disk cache: the same name always stands for the
	// same bytes (the caller derives it from the module's key and the versions of everything
	// that made wasm from it), so the engine need not hash wasm to find its code. Empty: the
	// engine keys its cache by the bytes. wasm nil (with a name): only the cache is looked in,
	// and errNotCached returned when the code is not there.
	compile(ctx context.Context, wasm []byte, name string) (compiledModule, error)
	// close releases the engine and everything compiled by it.
	close(ctx context.Context) error
}

// compiledModule is a compiled scorer.
type compiledModule interface {
	// instantiate makes a fresh instance whose host functions use env. It runs the module's
	// start function, bounded by ctx's deadline; _initialize is the caller's to run.
	instantiate(ctx context.Context, env *hostfns.Env) (instance, error)
	close(ctx context.Context) error
}

// instance is one live instance serving one call.
type instance interface {
	// call runs an exported function, bounded by ctx's deadline.
	call(ctx context.Context, name string, params ...uint64) ([]uint64, error)
	// memory is the instance's exported linear memory.
	memory() hostfns.Memory
	// gas reads the metered module's gas counter (meter.GasExport); setGas writes it and
	// puts the yield mark (meter.MarkExport) one meter.YieldInterval below.
	gas() (int64, error)
	setGas(v int64) error
	// depth reads the meter's call depth counter (meter.DepthExport).
	depth() (uint32, error)
	// image copies the whole linear memory and reads the raw bits of the named exported
	// globals (an i32 or f32 in the low 32 bits), for a snapshot (preinit.go).
	image(globals []string) (mem []byte, vals []uint64, err error)
	close(ctx context.Context) error
}

// engineOptions are the engine settings that are not limits.
type engineOptions struct {
	// interrupt turns on wazero's own context interruption (WithCloseOnContextDone). The
	// backstop does not need it (the meter's yields do that job for a fraction of the cost);
	// it stays for the benchmark that measures the difference.
	interrupt bool
	// noMeter skips the gas meter (benchmarks only: the baseline that metering is measured against).
	noMeter bool
	// noPreinit keeps every module's start-up per call (tests and benchmarks only: the
	// baseline that pre-initialised instances are compared with).
	noPreinit bool
	// instrument replaces meter.Instrument, bypassing the meter's disk cache (tests only: the
	// reference emitter, meter.InstrumentV1, that the current one is proved equal to in gas).
	instrument func(wasm []byte) ([]byte, meter.Info, error)
}

// errNotCached is returned by engine.compile asked only to look in its cache, in vain.
var errNotCached = errors.New("compiled code not in the cache")

// errNotMetered is returned by an instance of a module the meter did not instrument.
var errNotMetered = errors.New("module is not metered")

// hostGas is what a host function call costs on top of the call instruction: a fixed
// meter.HostCallGas plus the guest memory it read or wrote at the bulk rate. Every engine
// charges it the same way, so host work is bounded by gas like guest work.
func hostGas(bytes uint64) int64 { return meter.HostCallGas + int64(bytes>>meter.BulkShift) }

// countingMemory counts the bytes a host function reads or writes.
type countingMemory struct {
	mem hostfns.Memory
	n   uint64
}

func (m *countingMemory) Read(offset, n uint32) ([]byte, bool) {
	m.n += uint64(n)
	return m.mem.Read(offset, n)
}

func (m *countingMemory) Write(offset uint32, v []byte) bool {
	m.n += uint64(len(v))
	return m.mem.Write(offset, v)
}

func (m *countingMemory) ReadUint32Le(offset uint32) (uint32, bool) {
	m.n += 4
	return m.mem.ReadUint32Le(offset)
}

func (m *countingMemory) WriteUint32Le(offset, v uint32) bool {
	m.n += 4
	return m.mem.WriteUint32Le(offset, v)
}

func (m *countingMemory) WriteUint64Le(offset uint32, v uint64) bool {
	m.n += 8
	return m.mem.WriteUint64Le(offset, v)
}

// yieldMark is the host side of the meter's yield import, the same on every engine: a call
// that is out of gas or past its wall-clock backstop traps (true); otherwise the guest runs
// on to the next mark, never below zero so that a negative counter always comes back here.
func yieldMark(ctx context.Context, gas int64) (mark int64, trap bool) {
	if gas < 0 || ctx.Err() != nil {
		return 0, true
	}
	return firstMark(gas), false
}

// firstMark is the mark for a counter of gas.
func firstMark(gas int64) int64 { return max(gas-meter.YieldInterval, 0) }
