package compression

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
)

// MaxWindow is the largest zstd window a decoder accepts by default: the
// zstd command's own limit without --memory (windowLog 27).
const MaxWindow = 128 << 20

// minReserve is reserved for every zstd stream, whatever its first frame
// says: streams of many frames (zstd:chunked) often start with a small
// one, and ordinary levels use windows up to 8 MiB.
const minReserve = 8 << 20

// decoderOverhead is a decoder's memory besides its window: block and
// literal buffers, and the ring's spare room.
const decoderOverhead = 1 << 20

// openZstd starts a zstd decoder whose window is bounded by what the
// stream's first frame asks for, reserved from the budget if there is one.
func openZstd(src *sourceReader, o options) (*decoder, Kind, error) {
	window, err := firstWindow(src)
	if err != nil {
		return nil, Zstd, err
	}
	if window > o.maxWindow {
		return nil, Zstd, &Error{Kind: Zstd, Err: &windowError{need: window, limit: o.maxWindow}}
	}
	reserve := min(max(window, minReserve), o.maxWindow)
	release := func() {}
	if o.budget != nil {
		cost := reserve + decoderOverhead
		if err := o.budget.acquire(o.ctx, cost); err != nil {
			return nil, Zstd, err
		}
		release = func() { o.budget.release(cost) }
	}
	// One goroutine per decoder: layers are already decoded in parallel.
	zr, err := zstd.NewReader(src, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(uint64(reserve)), zstd.WithDecoderMaxMemory(uint64(reserve)))
	if err != nil {
		release()
		return nil, Zstd, classify(Zstd, src, err)
	}
	d := &decoder{kind: Zstd, src: src}
	d.r = &windowGuard{r: zr, reserve: reserve}
	d.close = func() error { zr.Close(); release(); release = func() {}; return nil }
	return d, Zstd, nil
}

// windowGuard names the limit when a later frame asks for more window
// than was reserved from the first.
type windowGuard struct {
	r       io.Reader
	reserve int64
}

func (g *windowGuard) Read(b []byte) (int, error) {
	n, err := g.r.Read(b)
	if errors.Is(err, zstd.ErrWindowSizeExceeded) || errors.Is(err, zstd.ErrDecoderSizeExceeded) {
		err = &Error{Kind: Zstd, Err: &windowError{limit: g.reserve, reserve: true}}
	}
	return n, err
}

// firstWindow reads the window size from the header of the first frame
// (RFC 8878, 3.1.1.1) without consuming it.
func firstWindow(src *sourceReader) (int64, error) {
	head, _ := src.br.Peek(6)
	if len(head) < 6 {
		return 0, classify(Zstd, src, errors.New("short frame header"))
	}
	fhd := head[4]
	single := fhd&0x20 != 0
	if !single {
		wd := head[5]
		exp, mantissa := int64(wd>>3), int64(wd&7)
		if exp > 31 {
			return 0, &Error{Kind: Zstd, Err: fmt.Errorf("invalid window descriptor %#x", wd)}
		}
		base := int64(1) << (10 + exp)
		return base + base/8*mantissa, nil
	}
	// A single-segment frame has no window descriptor: its window is its
	// content size.
	didLen := [4]int{0, 1, 2, 4}[fhd&3]
	fcsLen := [4]int{1, 2, 4, 8}[fhd>>6]
	full, _ := src.br.Peek(5 + didLen + fcsLen)
	if len(full) < 5+didLen+fcsLen {
		return 0, classify(Zstd, src, errors.New("short frame header"))
	}
	b := full[5+didLen:]
	var fcs uint64
	switch fcsLen {
	case 1:
		fcs = uint64(b[0])
	case 2:
		fcs = uint64(binary.LittleEndian.Uint16(b)) + 256
	case 4:
		fcs = uint64(binary.LittleEndian.Uint32(b))
	default:
		fcs = binary.LittleEndian.Uint64(b)
	}
	if fcs > 1<<62 {
		fcs = 1 << 62 // still over any limit, and no int64 overflow
	}
	return max(int64(fcs), 1<<10), nil
}
