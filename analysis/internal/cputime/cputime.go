// Package cputime reads the process's CPU time, which benchmarks report
// beside wall time: on a shared machine the wall time says more about the
// neighbours than about the code.
package cputime

import (
	"testing"
	"time"
)

// Report adds d, the CPU time of b's whole run, per operation to b's
// results.
func Report(b *testing.B, d time.Duration) {
	b.ReportMetric(float64(d.Milliseconds())/float64(b.N), "cpu-ms/op")
}
