package runtime

import (
	"context"

	"github.com/subnetd/subnetd/hostfns"
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
	// compile turns screened module bytes into something instantiable.
	compile(ctx context.Context, wasm []byte) (compiledModule, error)
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
	// gas reads the metered module's gas counter (meter.GasExport); setGas writes it.
	gas() (int64, error)
	setGas(v int64) error
	close(ctx context.Context) error
}
