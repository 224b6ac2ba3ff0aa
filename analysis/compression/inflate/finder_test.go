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

// blockStarts decodes data serially and returns every block's start bit
// and type.
func blockStarts(t testing.TB, data []byte) (starts []int64, types []uint8) {
	hdr, err := parseHeader(data)
	if err != nil {
		t.Fatal(err)
	}
	d := &decoder[byte]{in: data, out: make([]byte, windowSize+1<<20), final: true}
	d.seek(int64(hdr) * 8)
	for {
		d.stop = d.pos() + 1
		p := d.pos()
		if d.state == sHeader && !d.last {
			starts = append(starts, p)
			types = append(types, uint8(tail(data[p/8:min(len(data), int(p/8)+2)])>>(p%8)>>1&3))
		}
		st, err := d.run()
		if err == ErrTruncated {
			return starts, types
		}
		if err != nil {
			t.Fatal(err)
		}
		switch st {
		case atEnd:
			return starts, types
		case outFull:
			n := copy(d.out, d.out[d.op-windowSize:d.op])
			d.op = n
		}
	}
}

// TestFinderFindsRealBlocks: every real dynamic block header of the big
// blob's first 20 MB is one the finder accepts.
func TestFinderFindsRealBlocks(t *testing.T) {
	if raceOn {
		t.Skip("20 MB decoded: too slow under the race detector")
	}
	data := loadBig(t)[:20<<20]
	starts, types := blockStarts(t, data)
	var f finder
	count := map[uint8]int{}
	missed := 0
	for i, p := range starts {
		count[types[i]]++
		if types[i] != 2 || i == len(starts)-1 {
			continue
		}
		if f.dynamic(data, 0, p, p+1) != p {
			missed++
			if missed < 5 {
				t.Logf("block %d at %d not plausible", i, p)
			}
		}
	}
	t.Logf("%d blocks: types %v; %d dynamic ones missed", len(starts), count, missed)
	if missed > 0 {
		t.Errorf("the finder misses %d real dynamic block headers", missed)
	}
}

// TestFinderOnSegments: from each MiB of the big blob, the first place
// the finder stops is nearly always a real block.
func TestFinderOnSegments(t *testing.T) {
	if raceOn {
		t.Skip("20 MB decoded: too slow under the race detector")
	}
	data := loadBig(t)[:20<<20]
	starts, _ := blockStarts(t, data)
	real := map[int64]bool{}
	for _, p := range starts {
		real[p] = true
	}
	var f finder
	segs, first := 0, 0
	for seg := int64(1 << 20); seg < int64(len(data))-(2<<20); seg += 1 << 20 {
		from, tries := seg*8, 0
		for {
			p, at := f.find(data, 0, from, from+8<<20)
			tries++
			if p < 0 || real[p] || at >= 0 {
				t.Logf("segment at %d: found %d after %d bytes, %d tries, stored %v", seg, p, p/8-seg, tries, at >= 0)
				break
			}
			from = p + 1
		}
		segs++
		if tries == 1 {
			first++
		}
	}
	if first*10 < segs*9 {
		t.Errorf("a false start first in %d of %d segments", segs-first, segs)
	}
}
