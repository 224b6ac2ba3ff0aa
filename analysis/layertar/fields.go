package layertar

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Header formats, told apart by their magic as archive/tar does.
type format int

const (
	formatV7 format = iota
	formatUSTAR
	formatSTAR
	formatGNU
)

func (t *Reader) format() format {
	b := t.blk[:]
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

// readHeader reads one header block into t.hdr, as its fields say before
// any extension applies. Like archive/tar it refuses a block with a bad
// checksum or with any numeric field that does not parse, also fields
// this reader does not keep (device numbers, STAR times).
func (t *Reader) readHeader() error {
	if _, err := io.ReadFull(t.r, t.blk[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return io.EOF // a stream without end blocks ends here too
		}
		return unexpected(err)
	}
	if t.blk == [blockSize]byte{} {
		// End of archive: a second zero block, or the end of the stream.
		if _, err := io.ReadFull(t.r, t.blk[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return io.EOF
			}
			return unexpected(err)
		}
		if t.blk == [blockSize]byte{} {
			return io.EOF
		}
		return fmt.Errorf("%w: data after an end-of-archive block", ErrHeader)
	}
	if !t.checksumOK() {
		return fmt.Errorf("%w: bad checksum", ErrHeader)
	}
	b := t.blk[:]
	p := fieldParser{b: b}
	h := &t.hdr
	*h = Header{
		Typeflag: b[156],
		Name:     cString(b[0:100]),
		Linkname: cString(b[157:257]),
		Size:     p.number(124, 12),
		Mode:     p.number(100, 8),
		UID:      int(p.number(108, 8)),
		GID:      int(p.number(116, 8)),
		ModTime:  p.number(136, 12),
	}
	if f := t.format(); f != formatV7 {
		p.number(329, 8) // device major
		p.number(337, 8) // and minor
		var prefix []byte
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
			times := fieldParser{b: b}
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
		if prefix = cBytes(prefix); len(prefix) > 0 {
			h.Name = string(prefix) + "/" + h.Name
		}
	}
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

func (t *Reader) checksumOK() bool {
	want, err := parseOctal(t.blk[148:156])
	if err != nil {
		return false
	}
	// The checksum field counts as eight spaces. Pairs of bytes are
	// added in four 16-bit lanes (64 words of at most 2×255 each fit),
	// and the lanes once at the end.
	const m = 0x00ff00ff00ff00ff
	var lanes uint64
	for i := 0; i < blockSize; i += 8 {
		x := binary.LittleEndian.Uint64(t.blk[i:])
		if i == 144 {
			x &= 0x00000000ffffffff // bytes 148-151 belong to the field
		} else if i == 152 {
			x &= 0xffffffff00000000 // and bytes 152-155
		}
		lanes += x&m + x>>8&m
	}
	unsigned := int64(8*' ') + int64(lanes&0xffff+lanes>>16&0xffff+lanes>>32&0xffff+lanes>>48)
	if want == unsigned {
		return true
	}
	// Some old tar writers summed signed bytes.
	signed := int64(8 * ' ')
	for i, c := range t.blk {
		if i < 148 || i >= 156 {
			signed += int64(int8(c))
		}
	}
	return want == signed
}

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

// parseOctal reads an octal field the way archive/tar does: padding of
// spaces and NULs around it, and the value ends at the first NUL.
func parseOctal(b []byte) (int64, error) {
	// bytes.Trim(b, " \x00"), without its per-call set: this runs for
	// every numeric field of every header.
	i, j := 0, len(b)
	for i < j && (b[i] == ' ' || b[i] == 0) {
		i++
	}
	for j > i && (b[j-1] == ' ' || b[j-1] == 0) {
		j--
	}
	if i == j {
		return 0, nil
	}
	b = cBytes(b[i:j])
	var v int64
	for _, c := range b {
		if c < '0' || c > '7' {
			return 0, ErrHeader
		}
		if v > math.MaxInt64>>3 {
			return 0, ErrHeader
		}
		v = v<<3 | int64(c-'0')
	}
	return v, nil
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
