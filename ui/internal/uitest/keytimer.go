package uitest

import (
	"runtime"
	"slices"
	"testing"
	"time"
)

// Key ends the key being measured: what Time ran since the last Key.
func (k *KeyTimer) Key() {
	k.wall, k.cpu = append(k.wall, k.curWall), append(k.cpu, k.curCPU)
	k.curWall, k.curCPU = 0, 0
}

// Stop reports the 95th percentiles, wall (p95-ms) and CPU (p95-cpu-ms):
// what a user feels is the slow key, not the mean. It unlocks the thread.
func (k *KeyTimer) Stop(b *testing.B) {
	runtime.UnlockOSThread()
	p95 := func(d []time.Duration) float64 {
		if len(d) == 0 {
			return 0
		}
		d = slices.Clone(d)
		slices.Sort(d)
		return float64(d[len(d)*95/100]) / 1e6
	}
	b.ReportMetric(p95(k.wall), "p95-ms")
	b.ReportMetric(p95(k.cpu), "p95-cpu-ms")
}
