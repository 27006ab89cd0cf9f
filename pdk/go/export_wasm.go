//go:build wasip1

package pdk

import "unsafe"

// inBuf holds the message the host wrote through subnetd_alloc; outBuf keeps the returned
// message alive until the host has read it.
var inBuf, outBuf []byte

//go:wasmimport subnetd abort
func hostAbort(ptr unsafe.Pointer, size uint32)

//go:wasmimport subnetd log
func hostLog(level int32, ptr unsafe.Pointer, size uint32)

//go:wasmexport subnetd_alloc
func subnetdAlloc(size int32) unsafe.Pointer {
	if size <= 0 {
		size = 1
	}
	inBuf = make([]byte, size)
	return unsafe.Pointer(&inBuf[0])
}

// subnetdPreinit is never called: exporting subnetd_preinit declares that this module's start-up
// (Go's runtime initialisation) runs in ABI v1's fixed start-up environment, so the host may run
// it once when the scorer is loaded and start every call from a snapshot (docs/ABI.md,
// "Start-up"). Go's map order and its runtime's random generator are then fixed per module
// rather than drawn from each round's seed: take per-round randomness from Round.Seed.
//
//go:wasmexport subnetd_preinit
func subnetdPreinit() {}

//go:wasmexport subnetd_score
func subnetdScore(ptr unsafe.Pointer, size int32) int64 {
	return finish(ScoreJSON(registered, input(ptr, size)))
}

//go:wasmexport subnetd_challenge
func subnetdChallenge(ptr unsafe.Pointer, size int32) int64 {
	if registered.Challenge == nil {
		return 0 // declined: the subnet's config gives the synapse and body
	}
	return finish(ChallengeJSON(registered, input(ptr, size)))
}

// input returns the message the host placed at ptr.
func input(ptr unsafe.Pointer, size int32) []byte {
	if size <= 0 {
		return nil
	}
	return unsafe.Slice((*byte)(ptr), size)
}

// finish hands the output to the host, or aborts the call with the error's text.
func finish(out []byte, err error) int64 {
	if err != nil {
		msg := []byte(err.Error())
		hostAbort(unsafe.Pointer(unsafe.SliceData(msg)), uint32(len(msg)))
		return 0
	}
	inBuf = nil
	outBuf = out
	if len(out) == 0 {
		return 0
	}
	return int64(uintptr(unsafe.Pointer(&out[0])))<<32 | int64(len(out))
}

// Log sends one line to the validator's log, tagged with the scorer's name. The host rate-limits it.
func Log(level int, msg string) {
	b := []byte(msg)
	hostLog(int32(level), unsafe.Pointer(unsafe.SliceData(b)), uint32(len(b)))
}

// Main does nothing inside Wasm: the host calls the exports directly.
func Main() {}
