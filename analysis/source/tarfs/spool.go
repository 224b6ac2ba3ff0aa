package tarfs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/dustin/go-humanize"

	"github.com/layerscope/layerscope/analysis/compression"
	"github.com/layerscope/layerscope/analysis/internal/ctxio"
)

// spoolChunk is the unit of copying, and holeBlock the unit of zeros that
// become holes (small enough to catch zeros between tar headers).
const (
	spoolChunk = 1 << 20
	holeBlock  = 64 << 10
)

// freeMargin is left free on the spool's file system.
const freeMargin = 256 << 20

// expand decompresses the archive behind br into a spool file that is
// unlinked at once: its space goes back when it is closed or the process
// ends, however it ends, and nothing is ever left in the directory.
func expand(o options, br *bufio.Reader) (*os.File, error) {
	zr, kind, err := compression.Reader(br)
	if err != nil {
		return nil, fmt.Errorf("decompressing the archive: %w", err)
	}
	defer zr.Close()
	dir := o.tempDir
	if dir == "" {
		dir = os.TempDir()
	}
	f, err := os.CreateTemp(dir, "layerscope-archive-*.tar")
	if err != nil {
		return nil, fmt.Errorf("spooling the %s archive: %w", kind, err)
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, fmt.Errorf("spooling the %s archive: %w", kind, err)
	}
	if err := copySparse(f, ctxio.Reader(o.ctx, zr), o.maxExpanded, freeSpace(dir), dir); err != nil {
		f.Close()
		var ce *compression.Error
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("decompressing the archive: %w", err)
		}
		return nil, err
	}
	return f, nil
}

// copySparse copies r to f, seeking over chunks of zeros (so that zero
// bombs take no disk), and fails once more than limit bytes come or more
// than free would be written.
func copySparse(f *os.File, r io.Reader, limit, free int64, dir string) error {
	buf := make([]byte, spoolChunk)
	zero := make([]byte, holeBlock)
	var total, written int64
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			if total += int64(n); total > limit {
				return fmt.Errorf("the archive decompresses to more than %s", humanize.IBytes(uint64(limit)))
			}
			w, err := writeSparse(f, buf[:n], zero)
			if err != nil {
				return fmt.Errorf("spooling the archive: %w", err)
			}
			if written += w; written > free {
				return fmt.Errorf("decompressing the archive needs more than the %s free in %s", humanize.IBytes(uint64(max(free, 0))), dir)
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	// A trailing hole needs the size set explicitly.
	return f.Truncate(total)
}

// writeSparse writes b at the file's offset, seeking over blocks of zeros
// and writing the rest in as few calls as possible; it returns how many
// bytes it wrote.
func writeSparse(f *os.File, b, zero []byte) (int64, error) {
	var written int64
	for len(b) > 0 {
		n := 0 // the leading run of zero blocks, or else of the others
		for n < len(b) && isZero(b[n:min(n+holeBlock, len(b))], zero) {
			n = min(n+holeBlock, len(b))
		}
		if n > 0 {
			if _, err := f.Seek(int64(n), io.SeekCurrent); err != nil {
				return written, err
			}
			b = b[n:]
			continue
		}
		for n < len(b) && !isZero(b[n:min(n+holeBlock, len(b))], zero) {
			n = min(n+holeBlock, len(b))
		}
		if _, err := f.Write(b[:n]); err != nil {
			return written, err
		}
		written += int64(n)
		b = b[n:]
	}
	return written, nil
}

func isZero(b, zero []byte) bool { return bytes.Equal(b, zero[:len(b)]) }
