// Package runtime runs subnet scorers: untrusted WebAssembly modules that speak the scorer ABI v1
// (docs/ABI.md).
//
// A Runtime screens a module before compiling it (imports, exports, memory, threads, SIMD, size),
// instruments it with a deterministic gas meter (docs/METERING.md), compiles it once (cached in
// memory and on disk, keyed by the hash of the module without its custom sections, engine
// version and config), and serves every call
// from a fresh instance with the limits of its Config: memory pages, message and state sizes,
// log caps, a gas budget that stops an endless loop at the same instruction on every machine
// and engine (ErrOutOfGas, with the figure in Result.GasUsed), a call-depth limit, and a
// wall-clock backstop (ErrTimeout). The host functions and the deterministic WASI subset come
// from package hostfns; the Scores a scorer returns are validated (known, unique uids; finite,
// non-negative scores) before anyone uses them.
//
// A scorer is either a reactor (it exports subnetd_alloc and subnetd_score) or a WASI command (it
// exports _start; an interpreter such as CPython carrying its program in custom sections, see
// PackCommand and docs/ABI.md §8), which runs once per call with the message on stdin.
//
// The default engine is wazero's optimizing compiler (pure Go). Binaries built with
// -tags wasmtime also have EngineWasmtime (Cranelift through cgo, NaN canonicalisation on),
// which serves the same host functions, meters the same bytes and gives the same Scores and
// gas: an auditor replays a round on either and compares.
package runtime
