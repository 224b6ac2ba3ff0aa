//go:build unix

package inflate

import (
	"syscall"
	"time"
)

// cpuTime is the process's CPU time so far: benchmarks report it beside
// wall time, which a shared machine makes noisy.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
