package layertar

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// countingSeeker counts the bytes read from it.
type countingSeeker struct {
	*bytes.Reader
	read int64
}

func (c *countingSeeker) Read(b []byte) (int, error) {
	n, err := c.Reader.Read(b)
	c.read += int64(n)
	return n, err
}

// TestSeekingReader: a seeking reader yields the headers a plain one
// does, with the data's offsets, reads a fraction of a stream of big
// files, and still finds a truncated one.
func TestSeekingReader(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	bodies := map[string]string{"small": "s", "big1": strings.Repeat("a", 1<<20), "empty": "", "big2": strings.Repeat("b", 3<<20+7)}
	for _, n := range []string{"small", "big1", "empty", "big2"} {
		tw.WriteHeader(&tar.Header{Name: n, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(bodies[n]))})
		tw.Write([]byte(bodies[n]))
	}
	tw.Close()
	data := buf.Bytes()
	src := &countingSeeker{Reader: bytes.NewReader(data)}
	tr := NewSeekingReader(src, int64(len(data)))
	n := 0
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		off := tr.DataOffset()
		if got := string(data[off : off+h.Size]); got != bodies[h.Name] {
			t.Errorf("%s: the data at %d is not its own", h.Name, off)
		}
	}
	if n != 4 || src.read > int64(len(data))/4 {
		t.Errorf("%d entries, read %d of %d bytes", n, src.read, len(data))
	}
	// Truncated in big2's data: an error, as reading would give.
	cut := data[:len(data)-2<<20]
	tr = NewSeekingReader(bytes.NewReader(cut), int64(len(cut)))
	var err error
	for err == nil {
		_, err = tr.Next()
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated: %v", err)
	}
}
