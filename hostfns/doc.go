// Package hostfns holds everything a scorer may import: the "subnetd" host module (log, abort)
// and a deterministic subset of WASI preview 1 ("wasi_snapshot_preview1").
//
// The functions are engine-neutral: each is a Go function over a Memory and a stack of uint64
// values, the calling convention wazero uses and any other engine can adapt to. Every call
// of a scorer gets its own Env, which pins the clock to the round's block time, seeds
// random_get from the round seed, captures stdout/stderr and log calls as rate-limited log
// lines, and answers every file, socket or environment request as if there were none. A WASI
// command scorer's Env (SetCommand) also serves its argv and environment, its input message on
// stdin, its stdout as the output (capped), and one read-only in-memory directory (FS) preopened
// as fd 3, out of which no path can climb. Nothing
// here reads the host's clock, randomness or environment, so the same Round gives the same
// results on every machine.
package hostfns
