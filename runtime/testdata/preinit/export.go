package main

// subnetdPreinit declares that this scorer's start-up runs in the fixed start-up environment
// (docs/ABI.md, "Start-up"), so the runtime may run it once at load. The tests add this file to
// a scorer's package with go build -overlay; the host never calls it.
//
//go:wasmexport subnetd_preinit
func subnetdPreinit() {}
