//go:build !unix && !wasip1

package pdk

// processCPU returns 0: this system's CPU time is not read.
func processCPU() int64 { return 0 }
