//go:build unix

package yuma

import "syscall"

// cpuNanos returns the process's user+system CPU time, so benchmarks can
// report CPU per epoch next to wall time on a shared machine.
func cpuNanos() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
