package inflate

import (
	"bufio"
	"bytes"
	stdgzip "compress/gzip"
	"io"
	"os"
	"testing"

	kgzip "github.com/klauspost/compress/gzip"
	"github.com/layerscope/layerscope/analysis/internal/cputime"
)

// bigBlob is the largest layer of /work/perf/oci (51 MB, 121 MB inflated).
const bigBlob = "/work/perf/oci/blobs/sha256/6fcb0b65a7ca9704b6e254074fd6f0db4184ce74156da775b62325409fa4074e"

func loadBig(b testing.TB) []byte {
	data, err := os.ReadFile(bigBlob)
	if err != nil {
		b.Skip("no perf blob:", err)
	}
	return data
}

func BenchmarkBigBlob(b *testing.B) {
	data := loadBig(b)
	ref, err := want(data)
	if err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, open func(io.Reader) (io.Reader, error)) {
		b.SetBytes(int64(len(ref)))
		c := cputime.Process()
		for b.Loop() {
			zr, err := open(bufio.NewReaderSize(bytes.NewReader(data), 1<<20))
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.Copy(io.Discard, zr)
			if err != nil || n != int64(len(ref)) {
				b.Fatal(n, err)
			}
			if c, ok := zr.(io.Closer); ok {
				c.Close()
			}
		}
		cputime.Report(b, cputime.Process()-c)
	}
	b.Run("klauspost", func(b *testing.B) {
		run(b, func(r io.Reader) (io.Reader, error) { return kgzip.NewReader(r) })
	})
	b.Run("stdlib", func(b *testing.B) {
		run(b, func(r io.Reader) (io.Reader, error) { return stdgzip.NewReader(r) })
	})
	b.Run("serial", func(b *testing.B) {
		run(b, func(r io.Reader) (io.Reader, error) { return NewReader(r, WithDepth(0)) })
	})
	b.Run("parallel", func(b *testing.B) {
		run(b, func(r io.Reader) (io.Reader, error) { return NewReader(r) })
	})
}

func TestBigBlob(t *testing.T) {
	if raceOn {
		t.Skip("121 MB under the race detector: the smaller tests cover the same paths")
	}
	data := loadBig(t)
	ref, err := want(data)
	if err != nil {
		t.Fatal(err)
	}
	got, st, err := inflateAll(t, data)
	if err != nil || !bytes.Equal(got, ref) {
		t.Fatalf("%d bytes, %v; want %d bytes (first difference at %d)", len(got), err, len(ref), firstDiff(got, ref))
	}
	t.Logf("%+v", st)
}
