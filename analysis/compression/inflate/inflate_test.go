package inflate

import (
	"bytes"
	stdgzip "compress/gzip"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	kgzip "github.com/klauspost/compress/gzip"
)

// want is what Go's compress/gzip makes of b (every member), or its error.
// One difference: a header with a reserved flag bit set is an error (RFC
// 1952 says so, and klauspost/compress, which layerscope used before, does).
func want(b []byte) ([]byte, error) {
	r := bytes.NewReader(b) // a ByteReader: each member is read exactly
	var out []byte
	var zr *stdgzip.Reader
	for first := true; ; first = false {
		at := len(b) - r.Len()
		if len(b) >= at+4 && b[at] == 0x1f && b[at+3]>>5 != 0 {
			return out, ErrHeader
		}
		var err error
		if first {
			zr, err = stdgzip.NewReader(r)
		} else {
			err = zr.Reset(r)
		}
		if err == io.EOF && !first {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		zr.Multistream(false)
		m, err := io.ReadAll(zr)
		out = append(out, m...)
		if err != nil {
			return out, err
		}
	}
}

// inflateAll decodes b with Reader.
func inflateAll(t testing.TB, b []byte, opts ...Option) ([]byte, Stats, error) {
	t.Helper()
	zr, err := NewReader(bytes.NewReader(b), opts...)
	if err != nil {
		return nil, Stats{}, err
	}
	defer zr.Close()
	out, err := io.ReadAll(zr)
	return out, zr.Stats(), err
}

func stdGzip(t testing.TB, level int, b []byte) []byte {
	var buf bytes.Buffer
	zw, err := stdgzip.NewWriterLevel(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func klauspostGzip(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := kgzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// cliGzip compresses with a real command (gzip, pigz), or skips.
func cliGzip(t testing.TB, tool, level string, b []byte) []byte {
	if _, err := exec.LookPath(tool); err != nil {
		return nil
	}
	cmd := exec.Command(tool, "-c", level)
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v", tool, level, err)
	}
	return out
}

// corpus is plain data of many kinds: real files of this machine, random,
// repetitive, empty, tiny, sizes at segment multiples.
func corpus(t testing.TB) map[string][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 300<<10)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	text := make([]byte, 0, 2<<20)
	words := []string{"layer ", "scope ", "gzip ", "deflate ", "\n", "block ", "huffman ", "window "}
	for len(text) < 2<<20 {
		text = append(text, words[rng.IntN(len(words))]...)
	}
	c := map[string][]byte{
		"empty":      nil,
		"one byte":   {'x'},
		"random":     random,
		"zeros":      make([]byte, 3<<20),
		"text":       text,
		"64KiB":      text[:64<<10],
		"4KiB+1":     text[:4<<10+1],
		"repetitive": bytes.Repeat([]byte("abcabcabd"), 200000),
	}
	mixed := append(append(append([]byte{}, text[:500<<10]...), random[:200<<10]...), text[500<<10:900<<10]...)
	c["mixed"] = mixed
	for _, p := range []string{"/usr/bin/bash", "/usr/bin/gzip", "/usr/share/dict/words", "/usr/share/common-licenses/GPL-3"} {
		if b, err := os.ReadFile(p); err == nil {
			c[filepath.Base(p)] = b
		}
	}
	if b, err := readPrefix("/tmp/layerscope-debootstrap-bookworm.tar", 6<<20); err == nil && !raceOn {
		c["debian rootfs"] = b
	}
	return c
}

func readPrefix(path string, n int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, n))
}

// compressed is every way of compressing plain the tests use.
func compressed(t testing.TB, plain []byte) map[string][]byte {
	m := map[string][]byte{
		"go default":     stdGzip(t, stdgzip.DefaultCompression, plain),
		"go best speed":  stdGzip(t, stdgzip.BestSpeed, plain),
		"go huffman":     stdGzip(t, stdgzip.HuffmanOnly, plain),
		"go none":        stdGzip(t, stdgzip.NoCompression, plain),
		"klauspost":      klauspostGzip(t, plain),
		"gzip -1":        cliGzip(t, "gzip", "-1", plain),
		"gzip -6":        cliGzip(t, "gzip", "-6", plain),
		"gzip -9":        cliGzip(t, "gzip", "-9", plain),
		"pigz -6":        cliGzip(t, "pigz", "-6", plain),
		"gzip -6 twice":  nil,
		"go + klauspost": nil,
	}
	half := len(plain) / 2
	m["gzip -6 twice"] = append(cliGzip(t, "gzip", "-6", plain[:half]), cliGzip(t, "gzip", "-6", plain[half:])...)
	m["go + klauspost"] = append(stdGzip(t, 9, plain[:half]), klauspostGzip(t, plain[half:])...)
	for k, v := range m {
		if v == nil {
			delete(m, k)
		}
	}
	return m
}

func TestDifferential(t *testing.T) {
	segs := []int{4 << 10, 64 << 10, defaultSegment}
	if testing.Short() || raceOn {
		segs = segs[1:2]
	}
	var spec, serial int
	for name, plain := range corpus(t) {
		for how, gz := range compressed(t, plain) {
			ref, err := want(gz)
			if err != nil || !bytes.Equal(ref, plain) {
				t.Fatalf("%s, %s: compress/gzip: %v", name, how, err)
			}
			for _, seg := range segs {
				got, st, err := inflateAll(t, gz, WithSegmentSize(seg))
				if err != nil {
					t.Errorf("%s, %s, segments of %d: %v", name, how, seg, err)
					continue
				}
				if !bytes.Equal(got, plain) {
					t.Errorf("%s, %s, segments of %d: %d bytes differ from the %d written (first at %d)", name, how, seg, len(got), len(plain), firstDiff(got, plain))
				}
				spec += st.Speculated
				serial += st.Serial
			}
		}
	}
	t.Logf("chunks used from workers: %d, stretches decoded again: %d", spec, serial)
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
