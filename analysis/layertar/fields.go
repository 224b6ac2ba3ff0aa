package layertar

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// Header formats, told apart by their magic as archive/tar does.
type format int

const (
	formatV7 format = iota
	formatUSTAR
	formatSTAR
	formatGNU
)

func blockFormat(b *[blockSize]byte) format {
	switch {
	case string(b[257:263]) == "ustar\x00" && string(b[508:512]) == "tar\x00":
		return formatSTAR
	case string(b[257:263]) == "ustar\x00":
		return formatUSTAR
	case string(b[257:265]) == "ustar  \x00":
		return formatGNU
	}
	return formatV7
}

// peekBlock returns the next block in the read buffer itself, without
// copying it, and consumes it: it stays valid until the next read from
// t.r. Errors are io.ReadFull's: io.EOF only when nothing is left.
func (t *Reader) peekBlock() (*[blockSize]byte, error) {
	b, err := t.r.Peek(blockSize)
	if len(b) < blockSize {
		if err == nil || (len(b) > 0 && err == io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	t.r.Discard(blockSize) // cannot fail: the block is buffered
	return (*[blockSize]byte)(b), nil
}

// readHeader reads one header block into t.hdr, as its fields say before
// any extension applies. Like archive/tar it refuses a block with a bad
// checksum or with any numeric field that does not parse, also fields
// this reader does not keep (device numbers, STAR times). It parses the
// block where it lies in the read buffer: copying every header out of it
// cost more than the parse (a million headers are half a gigabyte).
func (t *Reader) readHeader() error {
	b, err := t.peekBlock()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return io.EOF // a stream without end blocks ends here too
		}
		return unexpected(err)
	}
	if *b == [blockSize]byte{} {
		// End of archive: a second zero block, or the end of the stream.
		if b, err = t.peekBlock(); err != nil {
			if errors.Is(err, io.EOF) {
				return io.EOF
			}
			return unexpected(err)
		}
		if *b == [blockSize]byte{} {
			return io.EOF
		}
		return fmt.Errorf("%w: data after an end-of-archive block", ErrHeader)
	}
	if !checksumOK(b) {
		return fmt.Errorf("%w: bad checksum", ErrHeader)
	}
	if b[156] == TypeGNUSparse {
		t.blk = *b // its map is read after the buffer moved on (oldGNUSparseMap)
	}
	p := fieldParser{b: b[:]}
	h := &t.hdr
	*h = Header{
		Typeflag: b[156],
		Linkname: t.names.str(cBytes(b[157:257])),
		Size:     p.number(124, 12),
		Mode:     p.number(100, 8),
		UID:      int(p.number(108, 8)),
		GID:      int(p.number(116, 8)),
		ModTime:  p.number(136, 12),
	}
	var prefix []byte
	if f := blockFormat(b); f != formatV7 {
		p.number(329, 8) // device major
		p.number(337, 8) // and minor
		switch f {
		case formatUSTAR:
			prefix = b[345:500]
		case formatSTAR:
			prefix = b[345:476]
			p.number(476, 12) // atime
			p.number(488, 12) // ctime
		case formatGNU:
			// archive/tar reads files of Go writers before 1.8, which
			// put a USTAR prefix where GNU keeps atime and ctime: when
			// these do not parse and the field is ASCII, it is a prefix.
			times := fieldParser{b: b[:]}
			if b[345] != 0 {
				times.number(345, 12)
			}
			if b[357] != 0 {
				times.number(357, 12)
			}
			if times.bad && isASCII(cBytes(b[345:500])) {
				prefix = b[345:500]
			}
		}
	}
	h.Name = t.names.join(cBytes(prefix), cBytes(b[0:100]))
	if p.bad {
		return fmt.Errorf("%w: a numeric field does not parse", ErrHeader)
	}
	return nil
}

// isASCII is archive/tar's test: no byte of 0x80 or more (a string with
// invalid UTF-8 is not ASCII either).
func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// checksumOK checks a header's checksum field against the sum of its
// bytes, the field itself counted as eight spaces, as archive/tar does.
func checksumOK(b *[blockSize]byte) bool {
	want, err := parseOctal(b[148:156])
	if err != nil {
		return false
	}
	// The field lies in bytes 148-155: add all, take it out again.
	unsigned := int64(sumBytes(b)) - int64(sumWord(binary.LittleEndian.Uint64(b[148:]))) + 8*' '
	if want == unsigned {
		return true
	}
	// Some old tar writers summed signed bytes.
	signed := int64(8 * ' ')
	for i, c := range b {
		if i < 148 || i >= 156 {
			signed += int64(int8(c))
		}
	}
	return want == signed
}

// lanes8 selects every other byte of a word: the bytes of a word are added
// in four 16-bit lanes, eight at a time instead of one (this sum runs over
// every header, half of a layer of small files).
const lanes8 = 0x00ff00ff00ff00ff

// sumBytes is the sum of a block's bytes. Two accumulators of four lanes
// each take 32 words of at most 2×255 a lane: 32640 fits in 16 bits.
func sumBytes(b *[blockSize]byte) uint64 {
	var a, c uint64
	for s := b[:]; len(s) >= 16; s = s[16:] {
		x := binary.LittleEndian.Uint64(s[:8])
		y := binary.LittleEndian.Uint64(s[8:16])
		a += x&lanes8 + x>>8&lanes8
		c += y&lanes8 + y>>8&lanes8
	}
	return addLanes(a) + addLanes(c)
}

// sumWord is the sum of a word's eight bytes.
func sumWord(x uint64) uint64 { return addLanes(x&lanes8 + x>>8&lanes8) }

func addLanes(l uint64) uint64 { return l&0xffff + l>>16&0xffff + l>>32&0xffff + l>>48 }

// fieldParser reads numeric fields of a block and remembers whether any
// failed, so that a header is checked whole.
type fieldParser struct {
	b   []byte
	bad bool
}

func (p *fieldParser) number(off, n int) int64 {
	v, err := parseNumber(p.b[off : off+n])
	if err != nil {
		p.bad = true
	}
	return v
}

// parseNumber parses a numeric field: octal, or GNU base-256 when the high
// bit of the first byte is set.
func parseNumber(b []byte) (int64, error) {
	if len(b) > 0 && b[0]&0x80 != 0 {
		return parseBase256(b)
	}
	return parseOctal(b)
}

// parseOctal reads an octal field the way archive/tar does: it trims
// spaces and NULs on both sides, cuts the rest at its first NUL and parses
// what is left as octal digits. Nearly every field is laid out as all
// writers do it, digits filling it but for a NUL or space at the end; it
// runs for every numeric field of every header, so that layout is parsed
// eight digits at a time.
func parseOctal(b []byte) (int64, error) {
	if v, ok := octalFilled(b); ok {
		return v, nil
	}
	return parseOctalPadded(b)
}

// octalFilled parses an 8- or 12-byte field of 7 or 11 digits and a NUL
// or a space; ok is false for any other field.
func octalFilled(b []byte) (v int64, ok bool) {
	switch len(b) {
	case 8:
		if !padByte(b[7]) {
			return 0, false
		}
		// A leading '0' in place of the last byte: eight digits.
		x := binary.LittleEndian.Uint64(b)<<8 | '0'
		if !octalDigits(x) {
			return 0, false
		}
		return int64(octal8(x)), true
	case 12:
		if !padByte(b[11]) {
			return 0, false
		}
		x := binary.LittleEndian.Uint64(b)
		// The last three digits, after five '0's.
		y := uint64(binary.LittleEndian.Uint32(b[8:])&0xffffff)<<40 | 0x3030303030
		if !octalDigits(x) || !octalDigits(y) {
			return 0, false
		}
		return int64(octal8(x)<<9 | octal8(y)), true
	}
	return 0, false
}

func padByte(c byte) bool { return c == 0 || c == ' ' }

// octalDigits reports whether all eight bytes of x are '0' to '7': those
// are the bytes 0x30 to 0x37, whose top five bits are 00110.
func octalDigits(x uint64) bool { return x&0xf8f8f8f8f8f8f8f8 == 0x3030303030303030 }

// octal8 is the value of the eight octal digits in x, the most significant
// in its low byte: pairs of digits are combined in every 16-bit lane at
// once, then pairs of pairs in 32-bit lanes, then the two halves.
func octal8(x uint64) uint64 {
	x &= 0x0707070707070707
	x = (x&0x00ff00ff00ff00ff)<<3 + x>>8&0x00ff00ff00ff00ff
	x = (x&0x0000ffff0000ffff)<<6 + x>>16&0x0000ffff0000ffff
	return (x&0xffffffff)<<12 + x>>32
}

// parseOctalPadded is parseOctal for any layout, in one pass over the
// field: after the leading padding, digits; then the end of the field, a
// NUL (whatever follows is cut off), or a space that only padding may
// follow.
func parseOctalPadded(b []byte) (int64, error) {
	i := 0
	for i < len(b) && padByte(b[i]) {
		i++
	}
	var v int64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '7' {
			if c == 0 || (c == ' ' && onlyPadding(b[i:])) {
				break
			}
			return 0, ErrHeader
		}
		if v > math.MaxInt64>>3 {
			return 0, ErrHeader
		}
		v = v<<3 | int64(c-'0')
	}
	return v, nil
}

// onlyPadding reports whether b holds only spaces and NULs.
func onlyPadding(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != 0 {
			return false
		}
	}
	return true
}

func parseBase256(b []byte) (int64, error) {
	neg := b[0]&0x40 != 0
	var v uint64
	for i, c := range b {
		if neg {
			c ^= 0xff
		}
		if i == 0 {
			c &= 0x7f // the marker bit
		}
		if v > math.MaxUint64>>8 {
			return 0, ErrHeader
		}
		v = v<<8 | uint64(c)
	}
	if v > math.MaxInt64 {
		return 0, ErrHeader
	}
	if neg {
		return -int64(v) - 1, nil
	}
	return int64(v), nil
}

// cBytes is b up to its first NUL.
func cBytes(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

func cString(b []byte) string { return string(cBytes(b)) }

// strArena makes the names of headers, many to an allocation: one
// allocation per name of a million was a tenth of the analysis's CPU. The
// strings are a strings.Builder's, which only ever appends: what it
// returned once never changes. A name keeps its chunk alive, as a name
// from the interner of the tree keeps its layer's.
type strArena struct{ b strings.Builder }

// arenaChunk is a chunk's size: header names are at most 256 bytes.
const arenaChunk = 16 << 10

// str returns b as a string.
func (a *strArena) str(b []byte) string { return a.join(nil, b) }

// join returns prefix + "/" + name as a string, or name when prefix is
// empty, as archive/tar joins a USTAR prefix and name.
func (a *strArena) join(prefix, name []byte) string {
	n := len(name)
	if len(prefix) > 0 {
		n += len(prefix) + 1
	}
	if n == 0 {
		return ""
	}
	if a.b.Cap()-a.b.Len() < n {
		a.b = strings.Builder{} // a new chunk; the old one lives as long as its strings
		a.b.Grow(max(arenaChunk, n))
	}
	start := a.b.Len()
	if len(prefix) > 0 {
		a.b.Write(prefix)
		a.b.WriteByte('/')
	}
	a.b.Write(name)
	return a.b.String()[start:]
}
