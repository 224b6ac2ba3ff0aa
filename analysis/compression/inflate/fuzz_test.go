package inflate

import (
	"bytes"
	"testing"
)

// withSegment sets any segment size, below WithSegmentSize's floor too:
// tiny segments make every seam path run on small fuzz inputs.
func withSegment(n int) Option { return func(c *config) { c.segment = n } }

// FuzzInflate: arbitrary bytes never panic or hang the Reader; it reads
// what compress/gzip reads, byte for byte, and fails where it fails.
func FuzzInflate(f *testing.F) {
	text := bytes.Repeat([]byte("the quick brown layer jumps over the lazy tar. "), 60)
	for _, b := range [][]byte{
		stdGzip(f, 6, text),
		stdGzip(f, 1, text),
		stdGzip(f, 0, text),
		stdGzip(f, -2, text), // Huffman only
		klauspostGzip(f, text),
		append(stdGzip(f, 9, text[:700]), stdGzip(f, 6, text[700:])...),
		stdGzip(f, 6, nil),
		stdGzip(f, 6, []byte{0}),
		append(stdGzip(f, 6, []byte("x")), "trailing"...),
	} {
		f.Add(b, uint16(64))
		f.Add(b, uint16(300))
	}
	f.Fuzz(func(t *testing.T, b []byte, seg uint16) {
		opts := []Option{withSegment(int(seg%2048) + 16), WithMaxChunk(1 << 16)}
		ref, refErr := want(b)
		got, _, err := inflateAll(t, b, opts...)
		switch {
		case refErr == nil && err != nil:
			t.Fatalf("compress/gzip reads it, Reader fails: %v", err)
		case refErr != nil && err == nil:
			t.Fatalf("compress/gzip fails (%v), Reader reads %d bytes", refErr, len(got))
		case err == nil && !bytes.Equal(got, ref):
			t.Fatalf("output differs at %d", firstDiff(got, ref))
		case err != nil && !isFault(err):
			t.Fatalf("error %v (%T) is not a stream fault", err, err)
		}
	})
}
