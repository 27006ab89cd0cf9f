// Package runtime runs subnet scorers: untrusted WebAssembly modules that speak the scorer ABI v1
// (docs/ABI.md).
//
// A Runtime screens a module before compiling it (imports, exports, memory, threads, SIMD, size),
// compiles it once (cached in memory and on disk, keyed by module hash, engine version and
// config), and serves every call from a fresh instance with the limits of its Config: memory
// pages, message and state sizes, log caps, and an execution bound that stops an endless loop
// and frees its CPU, in the module's start function and _initialize too. The host functions
// and the deterministic WASI subset come from package hostfns; the Scores a scorer returns are
// validated (known, unique uids; finite, non-negative scores) before anyone uses them.
//
// The engine is wazero's optimizing compiler; the engine seam (engine.go) is where a second
// engine plugs in.
package runtime
