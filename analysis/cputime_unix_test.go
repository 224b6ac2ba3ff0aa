//go:build unix

package analysis

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used so far: benchmarks report
// it beside wall time, which on a shared machine says more about the
// neighbours than about the code.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
