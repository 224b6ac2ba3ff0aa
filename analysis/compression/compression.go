// Package compression recognises how a blob is compressed from its first
// bytes (never from its name or media type, which are often wrong) and
// decompresses it.
package compression

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Kind is a compression format.
type Kind string

// The formats layerscope reads.
const (
	None Kind = "none"
	Gzip Kind = "gzip"
	Zstd Kind = "zstd"
)

var (
	gzipMagic  = []byte{0x1f, 0x8b}
	zstdMagic  = []byte{0x28, 0xb5, 0x2f, 0xfd}
	bzip2Magic = []byte("BZh")
	xzMagic    = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
)

// ErrUnsupported is returned for compressions layerscope does not read.
var ErrUnsupported = errors.New("unsupported compression")

// Sniff returns the compression of the stream behind br without consuming it.
func Sniff(br *bufio.Reader) (Kind, error) {
	head, err := br.Peek(6)
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	switch {
	case bytes.HasPrefix(head, gzipMagic):
		return Gzip, nil
	case bytes.HasPrefix(head, zstdMagic):
		return Zstd, nil
	case bytes.HasPrefix(head, bzip2Magic):
		return "", fmt.Errorf("%w: bzip2", ErrUnsupported)
	case bytes.HasPrefix(head, xzMagic):
		return "", fmt.Errorf("%w: xz", ErrUnsupported)
	}
	return None, nil
}

// Reader decompresses r, whatever its compression. Close releases the
// decoder; it does not close r.
func Reader(r io.Reader) (io.ReadCloser, Kind, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 1<<20)
	}
	kind, err := Sniff(br)
	if err != nil {
		return nil, "", err
	}
	switch kind {
	case Gzip:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, kind, fmt.Errorf("corrupt gzip stream: %w", err)
		}
		return zr, kind, nil
	case Zstd:
		// One goroutine per decoder: layers are already decoded in
		// parallel, and the window cap keeps a hostile frame from asking
		// for gigabytes.
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(1<<30), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, kind, fmt.Errorf("corrupt zstd stream: %w", err)
		}
		return zstdCloser{zr}, kind, nil
	}
	return io.NopCloser(br), None, nil
}

type zstdCloser struct{ *zstd.Decoder }

func (z zstdCloser) Close() error { z.Decoder.Close(); return nil }
