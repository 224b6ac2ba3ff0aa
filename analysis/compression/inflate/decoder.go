package inflate

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// sym is what a decoder writes: bytes when it knows the window before its
// output, uint16 when it does not (values of 256 and more are then markers
// for a position of that unknown window).
type sym interface{ ~uint8 | ~uint16 }

// windowSize is DEFLATE's largest distance.
const windowSize = 32 << 10

// maxMatch is the most one symbol writes.
const maxMatch = 258

// markerBase: marker m stands for position m-markerBase of the 32 KiB
// before a speculative chunk's first output.
const markerBase = 256

// status says why run returned.
type status int

const (
	atBoundary status = iota // at a block header at or after stop
	atEnd                    // after the final block
	needInput                // in is used up and more may come
	outFull                  // out has no room for another symbol
)

const (
	sHeader = iota
	sStored
	sHuffman
	sDone
)

// ErrTruncated means the compressed data ends before the stream does.
var ErrTruncated = errors.New("unexpected end of compressed data")

// CorruptError is a fault of the DEFLATE data at a byte offset of the
// compressed input.
type CorruptError struct {
	Offset int64
	What   string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("flate: corrupt input before offset %d: %s", e.Offset, e.What)
}

// decoder decodes DEFLATE data held in memory, from a block boundary to
// the first block boundary at or after a given bit, or until its input or
// output runs out; it can then be given more and resumed.
type decoder[T sym] struct {
	in    []byte
	ip    int    // next byte of in to load into bits
	bits  uint64 // nb valid bits, the next one lowest
	nb    uint
	base  int64 // offset of in[0] in the compressed input
	final bool  // in holds the end of the input

	out []T // written at op; len(out) is the room
	op  int
	// markers: distances that reach before out[0] make markers (out[0]
	// is a chunk's first output, its window unknown). Otherwise they are
	// errors: out[0:op] is all the history there is.
	markers bool
	minRef  int // the lowest window position a marker stands for

	state      int
	last       bool // the current block is the final one
	storedLeft int
	stop       int64 // bit offset: stop at the first block header at or after it
	lit, dist  *table
	dyn        [2]table // tables of the current dynamic block
	clt        table
	lens       [286 + 32]uint8
}

// pos is the bit offset of the next unread bit in the compressed input.
func (d *decoder[T]) pos() int64 { return (d.base+int64(d.ip))*8 - int64(d.nb) }

// seek starts decoding at a block header at bit offset p, which must lie in
// in.
func (d *decoder[T]) seek(p int64) {
	d.ip = int(p/8 - d.base)
	d.bits, d.nb = 0, 0
	d.state, d.last, d.storedLeft = sHeader, false, 0
	d.minRef = windowSize
	if s := uint(p % 8); s != 0 {
		d.bits, d.nb = uint64(d.in[d.ip])>>s, 8-s
		d.ip++
	}
}

// setInput gives the decoder a new input buffer that starts at offset base
// and holds every byte the decoder has not consumed, including those in its
// bit buffer.
func (d *decoder[T]) setInput(in []byte, base int64, final bool) {
	abs := d.base + int64(d.ip)
	d.in, d.base, d.final = in, base, final
	d.ip = int(abs - base)
}

func (d *decoder[T]) corrupt(what string) error {
	return &CorruptError{Offset: d.base + int64(d.ip), What: what}
}

// short is what running out of input means: the end of the data, or a
// pause until more comes.
func (d *decoder[T]) short() (status, error) {
	if d.final {
		return 0, ErrTruncated
	}
	return needInput, nil
}

// run decodes until a stop condition; see status.
func (d *decoder[T]) run() (status, error) {
	for {
		switch d.state {
		case sHeader:
			if d.last {
				d.state = sDone
				return atEnd, nil
			}
			if d.pos() >= d.stop {
				return atBoundary, nil
			}
			if st, err := d.header(); err != nil || st != -1 {
				return st, err
			}
		case sStored:
			if st, err := d.stored(); err != nil || st != -1 {
				return st, err
			}
		case sHuffman:
			if st, err := d.huffman(); err != nil || st != -1 {
				return st, err
			}
		default:
			return atEnd, nil
		}
	}
}

// need loads bytes until n bits are buffered; false if in ends first.
func (d *decoder[T]) need(n uint) bool {
	for d.nb < n {
		if d.ip >= len(d.in) {
			return false
		}
		d.bits |= uint64(d.in[d.ip]) << d.nb
		d.ip++
		d.nb += 8
	}
	return true
}

func (d *decoder[T]) take(n uint) uint32 {
	v := uint32(d.bits & (1<<n - 1))
	d.bits >>= n
	d.nb -= n
	return v
}

// header reads a block header (all of it, or nothing: a dynamic header is
// read again from its start once more input has come). -1: go on.
func (d *decoder[T]) header() (status, error) {
	ip, bits, nb := d.ip, d.bits, d.nb
	st, err := d.readHeader()
	if err == errShort {
		d.ip, d.bits, d.nb = ip, bits, nb
		return d.short()
	}
	return st, err
}

var errShort = errors.New("short")

func (d *decoder[T]) readHeader() (status, error) {
	if !d.need(3) {
		return 0, errShort
	}
	h := d.take(3)
	d.last = h&1 != 0
	switch h >> 1 {
	case 0:
		d.take(d.nb % 8)
		if !d.need(32) {
			return 0, errShort
		}
		n, nn := d.take(16), d.take(16)
		if n != ^nn&0xffff {
			return 0, d.corrupt("stored block length check")
		}
		// The whole bytes still buffered are the ones just before ip.
		d.ip -= int(d.nb / 8)
		d.bits, d.nb = 0, 0
		d.storedLeft, d.state = int(n), sStored
	case 1:
		f := fixedTables()
		d.lit, d.dist, d.state = f[0], f[1], sHuffman
	case 2:
		if err := d.readDynamic(); err != nil {
			return 0, err
		}
		d.lit, d.dist, d.state = &d.dyn[0], &d.dyn[1], sHuffman
	default:
		return 0, d.corrupt("reserved block type")
	}
	return -1, nil
}

// clOrder is the order of the code length code's lengths.
var clOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

func (d *decoder[T]) readDynamic() error {
	if !d.need(14) {
		return errShort
	}
	nlit := int(d.take(5)) + 257
	ndist := int(d.take(5)) + 1
	ncl := int(d.take(4)) + 4
	if nlit > 286 || ndist > 30 {
		return d.corrupt("too many codes")
	}
	var cl [19]uint8
	for i := range ncl {
		if !d.need(3) {
			return errShort
		}
		cl[clOrder[i]] = uint8(d.take(3))
	}
	clt := &d.clt
	if !clt.build(cl[:], clSym[:], clBits) {
		return d.corrupt("bad code length code")
	}
	lens := d.lens[:nlit+ndist]
	for i := 0; i < len(lens); {
		d.need(7 + 7) // as many as there are; checked below
		e := clt.t[d.bits&(1<<clBits-1)]
		n := uint(e & 0xff)
		if n > d.nb {
			return errShort
		}
		if e&fBad != 0 {
			return d.corrupt("bad code length")
		}
		v := e >> 16
		if v < 16 {
			d.take(n)
			lens[i] = uint8(v)
			i++
			continue
		}
		var rep, x uint32
		var val uint8
		switch v {
		case 16:
			if i == 0 {
				return d.corrupt("repeat with no length")
			}
			rep, x, val = 3, 2, lens[i-1]
		case 17:
			rep, x = 3, 3
		default:
			rep, x = 11, 7
		}
		if n+uint(x) > d.nb {
			return errShort
		}
		d.take(n)
		rep += d.take(uint(x))
		if i+int(rep) > len(lens) {
			return d.corrupt("code lengths overflow")
		}
		for range rep {
			lens[i] = val
			i++
		}
	}
	if !d.dyn[0].build(lens[:nlit], litSym[:], litBits) || !d.dyn[1].build(lens[nlit:], distSym[:], distBits) {
		return d.corrupt("bad literal/length or distance code")
	}
	return nil
}

// stored copies a stored block's bytes. -1: go on.
func (d *decoder[T]) stored() (status, error) {
	n := min(d.storedLeft, len(d.in)-d.ip, len(d.out)-d.op)
	src, dst := d.in[d.ip:d.ip+n], d.out[d.op:d.op+n]
	for i, b := range src {
		dst[i] = T(b)
	}
	d.ip += n
	d.op += n
	d.storedLeft -= n
	switch {
	case d.storedLeft == 0:
		d.state = sHeader
		return -1, nil
	case d.op == len(d.out):
		return outFull, nil
	}
	return d.short()
}

// huffman decodes a Huffman block's symbols: fast while in and out have
// room for the longest symbol, then one careful symbol at a time. -1: the
// block ended.
func (d *decoder[T]) huffman() (status, error) {
	for {
		if d.ip+8 <= len(d.in) && d.op+maxMatch+8 <= len(d.out) {
			if err := d.fast(); err != nil {
				return 0, err
			}
			if d.state != sHuffman {
				return -1, nil
			}
			continue
		}
		if d.op+maxMatch > len(d.out) {
			return outFull, nil
		}
		ok, err := d.slowSymbol()
		if err != nil {
			return 0, err
		}
		if !ok {
			return d.short()
		}
		if d.state != sHuffman {
			return -1, nil
		}
	}
}

// lookup is the entry for the code at the bottom of b.
func (h *table) lookup(b uint64) uint32 {
	e := h.t[b&(1<<h.primary-1)]
	if e&fLink != 0 {
		e = h.t[e>>16+uint32(b>>h.primary)&(1<<(e>>8&15)-1)]
	}
	return e
}

// slowSymbol decodes one symbol with the bits there are, changing nothing
// unless all of it is there (false).
func (d *decoder[T]) slowSymbol() (bool, error) {
	for d.nb < 56 && d.ip < len(d.in) {
		d.bits |= uint64(d.in[d.ip]) << d.nb
		d.ip++
		d.nb += 8
	}
	b, have := d.bits, d.nb
	e := d.lit.lookup(b)
	used := uint(e & 0xff)
	if used > have {
		return false, nil
	}
	switch {
	case e&fBad != 0: // the bad entries have a length
		return false, d.corrupt("bad literal/length code")
	case e&fLit != 0:
		d.out[d.op] = T(e >> 16)
		d.op++
		d.bits >>= used
		d.nb -= used
		return true, nil
	case e&fEOB != 0:
		d.bits >>= used
		d.nb -= used
		d.state = sHeader
		return true, nil
	}
	x := uint(e >> 8 & 15)
	if used+x > have {
		return false, nil
	}
	length := int(e>>16) + int(b>>used&(1<<x-1))
	used += x
	de := d.dist.lookup(b >> used)
	dn := uint(de & 0xff)
	if used+dn > have {
		return false, nil
	}
	if de&fBad != 0 {
		return false, d.corrupt("bad distance code")
	}
	dx := uint(de >> 8 & 15)
	if used+dn+dx > have {
		return false, nil
	}
	dist := int(de>>16) + int(b>>(used+dn)&(1<<dx-1))
	used += dn + dx
	if err := d.copyMatch(dist, length); err != nil {
		return false, err
	}
	d.bits >>= used
	d.nb -= used
	return true, nil
}

// copyMatch writes a back-reference.
func (d *decoder[T]) copyMatch(dist, length int) error {
	op, out := d.op, d.out
	if dist > op {
		if !d.markers || dist > op+windowSize {
			return d.corrupt("distance too far back")
		}
		// The part before the chunk: markers for the unknown window.
		n := min(dist-op, length)
		w := windowSize + op - dist
		d.minRef = min(d.minRef, w)
		for i := range n {
			out[op+i] = T(markerBase + w + i)
		}
		op += n
		length -= n
		if length == 0 {
			d.op = op
			return nil
		}
	}
	src, end := op-dist, op+length
	if dist >= length {
		copy(out[op:end], out[src:src+length])
	} else {
		for op < end {
			op += copy(out[op:end], out[src:op])
		}
	}
	d.op = end
	return nil
}

var le = binary.LittleEndian
