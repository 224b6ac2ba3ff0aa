package inflate

import "testing"

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

func TestFinderFindsRealBlocks(t *testing.T) {
	data := loadBig(t)[:20<<20]
	starts, types := blockStarts(t, data[:len(data)])
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
}

func TestFinderOnSegments(t *testing.T) {
	data := loadBig(t)[:20<<20]
	starts, _ := blockStarts(t, data)
	real := map[int64]bool{}
	for _, p := range starts {
		real[p] = true
	}
	var f finder
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
	}
}
