// Package compression recognises how a blob is compressed from its first
// bytes (never from its name or media type, which are often wrong) and
// decompresses it within bounds on memory.
package compression

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/layerscope/layerscope/analysis/compression/inflate"
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

// Option tunes Reader.
type Option func(*options)

type options struct {
	ctx         context.Context
	budget      *Budget
	maxWindow   int64
	gzipWorkers *inflate.Limit // without a budget
}

// WithBudget makes a zstd decoder reserve its memory from b, waiting
// (until ctx ends) while other readers hold it, and gzip decoders share
// b's workers. Readers of one analysis share one Budget, so that their
// total stays bounded however many run at once. A goroutine must hold at
// most one such reader at a time.
func WithBudget(ctx context.Context, b *Budget) Option {
	return func(o *options) { o.ctx, o.budget = ctx, b }
}

// WithMaxWindow sets the largest zstd window one decoder accepts
// (default MaxWindow).
func WithMaxWindow(n int64) Option { return func(o *options) { o.maxWindow = n } }

// Reader decompresses r, whatever its compression. Close releases the
// decoder and its reservation; it does not close r.
//
// Faults of the compressed stream (corrupt, truncated, a window over the
// limit) are *Error; an error of r itself is returned as it is.
func Reader(r io.Reader, opts ...Option) (io.ReadCloser, Kind, error) {
	o := options{ctx: context.Background(), maxWindow: MaxWindow}
	for _, opt := range opts {
		opt(&o)
	}
	if o.budget == nil {
		o.gzipWorkers = inflate.NewLimit(0)
	}
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 1<<20)
	}
	kind, err := Sniff(br)
	if err != nil {
		return nil, "", err
	}
	src := &sourceReader{br: br}
	switch kind {
	case Gzip:
		// inflate decodes one stream on several cores, workers reading
		// ahead of the caller (so no Ahead is needed on top). A failure to
		// read the input comes through as itself.
		limit := o.gzipWorkers
		if o.budget != nil {
			limit = o.budget.gzipWorkers
		}
		zr, err := inflate.NewReader(br, inflate.WithContext(o.ctx), inflate.WithLimit(limit))
		if err != nil {
			return nil, kind, classify(kind, nil, err)
		}
		return &decoder{r: zr, kind: kind, close: zr.Close}, kind, nil
	case Zstd:
		return openZstd(src, o)
	}
	return io.NopCloser(br), None, nil
}

// sourceReader remembers the first error of the compressed input, so that
// a failure to read it is not taken for a fault of the stream.
type sourceReader struct {
	br  *bufio.Reader
	err error
}

func (s *sourceReader) Read(b []byte) (int, error) {
	n, err := s.br.Read(b)
	s.note(err)
	return n, err
}

// ReadByte keeps the gzip reader from buffering the input a second time.
func (s *sourceReader) ReadByte() (byte, error) {
	c, err := s.br.ReadByte()
	s.note(err)
	return c, err
}

func (s *sourceReader) note(err error) {
	if err != nil && s.err == nil {
		s.err = err
	}
}

// decoder turns a decompressor's errors into *Error.
type decoder struct {
	r     io.Reader
	kind  Kind
	src   *sourceReader
	close func() error
}

func (d *decoder) Read(b []byte) (int, error) {
	n, err := d.r.Read(b)
	if err != nil && err != io.EOF {
		err = classify(d.kind, d.src, err)
	}
	return n, err
}

func (d *decoder) Close() error { return d.close() }

// isStreamFault: the errors the gzip decoder makes of bad input.
func isStreamFault(err error) bool {
	var ic *inflate.CorruptError
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, inflate.ErrTruncated) || errors.Is(err, inflate.ErrHeader) || errors.Is(err, inflate.ErrChecksum) ||
		errors.As(err, &ic)
}

// classify tells a fault of the input's reading from one of the stream;
// src, where given, remembers the input's first error.
func classify(kind Kind, src *sourceReader, err error) error {
	var e *Error
	switch {
	case errors.As(err, &e):
		return err
	case src != nil && src.err != nil && src.err != io.EOF:
		return src.err
	case src == nil && !isStreamFault(err):
		return err // the input's own error
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, inflate.ErrTruncated):
		return &Error{Kind: kind, Err: ErrTruncated}
	}
	return &Error{Kind: kind, Err: err}
}
