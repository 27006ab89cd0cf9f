//go:build unix

package plugins

import "syscall"

// processCPU returns the CPU time this process has used (user and system, all threads), or
// 0 where the system cannot say.
func processCPU() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
