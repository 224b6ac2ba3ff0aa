package inflate

import (
	"bytes"
	stdgzip "compress/gzip"
	"context"
	"errors"
	"io"
	"runtime"
	"testing"
	"time"
)

// noLeak fails t if goroutines started during the test outlive it.
func noLeak(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(2 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			t.Errorf("%d goroutines left behind", n-before)
		}
	})
}

// sameVerdict decodes b with Reader (small segments, so that speculation
// happens) and compress/gzip: both succeed with the same output, or both
// fail; Reader's errors are stream faults, never a panic.
func sameVerdict(t *testing.T, b []byte, opts ...Option) {
	t.Helper()
	ref, refErr := want(b)
	got, _, err := inflateAll(t, b, opts...)
	switch {
	case refErr == nil && err != nil:
		t.Fatalf("%d bytes: compress/gzip reads it, Reader fails: %v", len(b), err)
	case refErr != nil && err == nil:
		t.Fatalf("%d bytes: compress/gzip fails (%v), Reader reads %d bytes", len(b), refErr, len(got))
	case err == nil && !bytes.Equal(got, ref):
		t.Fatalf("%d bytes: output differs at %d", len(b), firstDiff(got, ref))
	case err != nil && !isFault(err):
		t.Fatalf("%d bytes: error %v (%T) is not a stream fault", len(b), err, err)
	}
}

func isFault(err error) bool {
	var ce *CorruptError
	return errors.Is(err, ErrTruncated) || errors.Is(err, ErrHeader) || errors.Is(err, ErrChecksum) || errors.As(err, &ce)
}

func TestCorruptAndTruncated(t *testing.T) {
	noLeak(t)
	plain, _ := readPrefix("/usr/bin/bash", 600<<10)
	plain = append(plain, bytes.Repeat([]byte("some text "), 20000)...)
	for how, gz := range map[string][]byte{
		"gzip -6":   cliGzip(t, "gzip", "-6", plain),
		"go":        stdGzip(t, 6, plain),
		"klauspost": klauspostGzip(t, plain),
	} {
		if gz == nil {
			continue
		}
		t.Run(how, func(t *testing.T) {
			n := 80
			if raceOn {
				n = 12
			}
			for i := 0; i < n; i++ {
				at := i * len(gz) / n
				sameVerdict(t, gz[:at], WithSegmentSize(8<<10))
				c := bytes.Clone(gz)
				c[at] ^= 1 << (i % 8)
				sameVerdict(t, c, WithSegmentSize(8<<10))
				c[at] ^= 0xff
				sameVerdict(t, c, WithSegmentSize(16<<10))
			}
		})
	}
}

func TestTrailing(t *testing.T) {
	noLeak(t)
	gz := stdGzip(t, 6, []byte("hello, layers"))
	for name, b := range map[string][]byte{
		"garbage":      append(bytes.Clone(gz), "junk after the stream"...),
		"zero padding": append(bytes.Clone(gz), make([]byte, 512)...),
		"a few bytes":  append(bytes.Clone(gz), 1, 2, 3),
		"empty member": append(bytes.Clone(gz), stdGzip(t, 6, nil)...),
		"header only":  gz[:10],
		"nothing":      nil,
	} {
		t.Run(name, func(t *testing.T) { sameVerdict(t, b) })
	}
}

// TestHeaderFields: FEXTRA, FNAME, FCOMMENT and FHCRC are read and skipped
// (a wrong header CRC is an error), as compress/gzip does.
func TestHeaderFields(t *testing.T) {
	body := stdGzip(t, 6, []byte("payload"))[10:]
	for _, h := range [][]byte{
		{0x1f, 0x8b, 8, flagExtra, 0, 0, 0, 0, 0, 3, 4, 0, 'a', 'b', 'c', 'd'},
		append([]byte{0x1f, 0x8b, 8, flagName | flagComment, 0, 0, 0, 0, 0, 3}, "name\x00comment\x00"...),
		append([]byte{0x1f, 0x8b, 8, flagName, 0, 0, 0, 0, 0, 3}, append(bytes.Repeat([]byte{'n'}, 600), 0)...),
		hcrc([]byte{0x1f, 0x8b, 8, flagHCRC | flagName, 0, 0, 0, 0, 0, 3, 'x', 0}, false),
		hcrc([]byte{0x1f, 0x8b, 8, flagHCRC | flagName, 0, 0, 0, 0, 0, 3, 'x', 0}, true),
		{0x1f, 0x8b, 8, 0x20, 0, 0, 0, 0, 0, 3}, // a reserved flag
	} {
		sameVerdict(t, append(bytes.Clone(h), body...))
	}
}

func hcrc(h []byte, wrong bool) []byte {
	c := uint16(crc32IEEE(h))
	if wrong {
		c++
	}
	return append(h, byte(c), byte(c>>8))
}

// TestHostileRatio: a stream that inflates 1000:1 stays within the caps:
// a worker gives its segment up at the cap, and the serial decoder
// streams.
func TestHostileRatio(t *testing.T) {
	noLeak(t)
	zeros := make([]byte, 64<<20)
	var big bytes.Buffer
	if !raceOn { // 1.25 GiB is minutes under the race detector
		zw, _ := stdgzip.NewWriterLevel(&big, 9)
		for range 20 { // 1.25 GiB in 1.2 MiB: more than a default segment
			zw.Write(zeros)
		}
		zw.Close()
	}
	for _, c := range []struct {
		name  string
		gz    []byte
		size  int64
		opts  []Option
		limit uint64
	}{
		{"small segments and cap", stdGzip(t, 9, zeros), 64 << 20, []Option{WithSegmentSize(4 << 10), WithMaxChunk(1 << 20)}, 48 << 20},
		{"defaults", big.Bytes(), 20 * 64 << 20, nil, 96 << 20},
	} {
		if raceOn && c.gz == nil {
			continue
		}
		gz := c.gz
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		before := ms.TotalAlloc
		zr, err := NewReader(bytes.NewReader(gz), c.opts...)
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, zr)
		zr.Close()
		if err != nil || n != c.size {
			t.Fatalf("%s: read %d, %v", c.name, n, err)
		}
		runtime.ReadMemStats(&ms)
		if alloc := ms.TotalAlloc - before; alloc > c.limit {
			t.Errorf("%s: allocated %d MiB inflating a %d KiB stream", c.name, alloc>>20, len(gz)>>10)
		}
		t.Logf("%s: %d MiB allocated for %d MiB out, %+v", c.name, (ms.TotalAlloc-before)>>20, n>>20, zr.Stats())
	}
}

// TestCloseStopsWorkers: Close in the middle of a stream, and a context
// that ends, stop every worker.
func TestCloseStopsWorkers(t *testing.T) {
	noLeak(t)
	plain, _ := readPrefix("/usr/bin/bash", 1<<20)
	gz := stdGzip(t, 6, bytes.Repeat(plain, 4))
	zr, err := NewReader(bytes.NewReader(gz), WithSegmentSize(16<<10))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(zr, make([]byte, 100<<10)); err != nil {
		t.Fatal(err)
	}
	zr.Close()
	if _, err := zr.Read(make([]byte, 10)); err == nil {
		t.Error("a Read after Close succeeded")
	}

	ctx, cancel := context.WithCancel(context.Background())
	zr, err = NewReader(bytes.NewReader(gz), WithSegmentSize(16<<10), WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if _, err := io.ReadFull(zr, make([]byte, 100<<10)); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := io.Copy(io.Discard, zr); !errors.Is(err, context.Canceled) {
		t.Fatalf("after cancel: %v", err)
	}
}

// TestSourceError: an error of the input comes through as itself.
func TestSourceError(t *testing.T) {
	noLeak(t)
	gz := stdGzip(t, 6, bytes.Repeat([]byte("abcdefgh"), 100000))
	boom := errors.New("disk on fire")
	src := io.MultiReader(bytes.NewReader(gz[:len(gz)/2]), errReader{boom})
	zr, err := NewReader(src, WithSegmentSize(8<<10))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if _, err := io.Copy(io.Discard, zr); err != boom {
		t.Fatalf("got %v, want the input's own error", err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// TestFallbackIsRare: on real compressors' output, nearly every segment is
// decoded by a worker and used. The few that are not are mostly a false
// block start that decodes without error up to the next real boundary.
func TestFallbackIsRare(t *testing.T) {
	if raceOn {
		t.Skip("a count, not a race: too slow under the race detector")
	}
	plain, err := readPrefix("/tmp/layerscope-debootstrap-bookworm.tar", 24<<20)
	if err != nil || len(plain) < 8<<20 {
		plain, _ = readPrefix("/usr/bin/bash", 1<<20)
		plain = bytes.Repeat(append(plain, corpus(t)["text"]...), 3)
	}
	for how, gz := range map[string][]byte{
		"gzip -1":   cliGzip(t, "gzip", "-1", plain),
		"gzip -6":   cliGzip(t, "gzip", "-6", plain),
		"gzip -9":   cliGzip(t, "gzip", "-9", plain),
		"pigz":      cliGzip(t, "pigz", "-6", plain),
		"go":        stdGzip(t, 6, plain),
		"klauspost": klauspostGzip(t, plain),
	} {
		if gz == nil {
			continue
		}
		got, st, err := inflateAll(t, gz, WithSegmentSize(256<<10))
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("%s: %v", how, err)
		}
		t.Logf("%s: %d chunks used, %d stretches decoded serially", how, st.Speculated, st.Serial)
		if st.Serial*10 > st.Speculated+st.Serial {
			t.Errorf("%s: %d of %d segments fell back to serial decoding", how, st.Serial, st.Speculated+st.Serial)
		}
	}
}
