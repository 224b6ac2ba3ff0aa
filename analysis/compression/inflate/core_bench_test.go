package inflate

import "testing"

// BenchmarkCore decodes the big blob's first 8 MiB of deflate data
// serially into one buffer, as bytes and as uint16 symbols: the cost of
// speculation's wider output.
func BenchmarkCore(b *testing.B) {
	data := loadBig(b)[:8<<20]
	hdr, err := parseHeader(data)
	if err != nil {
		b.Fatal(err)
	}
	stop := int64(len(data)-(1<<20)) * 8
	b.Run("byte", func(b *testing.B) {
		d := &decoder[byte]{in: data, out: make([]byte, 40<<20)}
		for b.Loop() {
			d.op, d.stop = 0, stop
			d.seek(int64(hdr) * 8)
			if st, err := d.run(); err != nil || st != atBoundary {
				b.Fatal(st, err)
			}
		}
		b.SetBytes(int64(d.op))
	})
	b.Run("uint16", func(b *testing.B) {
		d := &decoder[uint16]{in: data, out: make([]uint16, 40<<20), markers: true}
		for b.Loop() {
			d.op, d.stop = 0, stop
			d.seek(int64(hdr) * 8)
			if st, err := d.run(); err != nil || st != atBoundary {
				b.Fatal(st, err)
			}
		}
		b.SetBytes(int64(d.op))
	})
}
