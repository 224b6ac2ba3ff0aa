package inflate

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkFinder scans compressed data (the big blob's middle, so real
// blocks are far apart relative to the scan) and random bytes; MB/s is
// compressed bytes scanned.
func BenchmarkFinder(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	random := make([]byte, 1<<20)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	b.Run("random", func(b *testing.B) {
		var f finder
		b.SetBytes(int64(len(random)))
		for b.Loop() {
			from := int64(0)
			for {
				p, _ := f.find(random, 0, from, int64(len(random))*8)
				if p < 0 {
					break
				}
				from = p + 1
			}
		}
	})
}

// BenchmarkFinderSegments finds the first block after each MiB of the big
// blob, as the workers do: time per segment.
func BenchmarkFinderSegments(b *testing.B) {
	data := loadBig(b)[:20<<20]
	var f finder
	for b.Loop() {
		for seg := int64(1 << 20); seg < int64(len(data))-(2<<20); seg += 1 << 20 {
			f.find(data, 0, seg*8, (seg+1<<20)*8)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/17, "ns/segment")
}
