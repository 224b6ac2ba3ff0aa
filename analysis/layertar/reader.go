// Package layertar reads the headers of a layer tar stream, fast.
//
// archive/tar spends most of its time on format detection that a layer
// analysis never needs (decoding every header byte as UTF-8 to tell USTAR
// from PAX) and allocates a header, maps and strings per entry. This
// reader parses V7, USTAR, GNU (long names, base-256 numbers, old sparse
// files) and PAX (local records; global records are skipped) headers into
// one reused Header. The tests check it against archive/tar entry by entry,
// also under fuzzing.
package layertar

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

const blockSize = 512

// Type flags, as in archive/tar.
const (
	TypeReg     = '0'
	TypeRegA    = '\x00'
	TypeLink    = '1'
	TypeSymlink = '2'
	TypeChar    = '3'
	TypeBlock   = '4'
	TypeDir     = '5'
	TypeFifo    = '6'
	TypeCont    = '7'
	typePAX     = 'x'
	typePAXG    = 'g'
	typeGNULong = 'L'
	typeGNULink = 'K'
	// TypeGNUSparse is an old-style GNU sparse file.
	TypeGNUSparse = 'S'
)

// maxMetaSize bounds PAX records and GNU long names held in memory.
const maxMetaSize = 1 << 20

// ErrHeader is returned for a header that is not a valid tar header.
var ErrHeader = errors.New("invalid tar header")

// Header is one entry. Its fields are valid until the next call to Next.
type Header struct {
	Name     string
	Linkname string
	Typeflag byte
	Mode     int64
	UID      int
	GID      int
	Size     int64 // logical size (sparse files: the expanded size)
	ModTime  int64 // Unix seconds
}

// Reader reads a tar stream header by header.
type Reader struct {
	r       *bufio.Reader
	blk     [blockSize]byte
	hdr     Header
	body    int64 // unread bytes of the current entry's data
	pad     int64 // padding after it
	pax     map[string]string
	longNm  string
	longLnk string
	err     error
}

// NewReader reads tar from r.
func NewReader(r io.Reader) *Reader {
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < 64<<10 {
		br = bufio.NewReaderSize(r, 256<<10)
	}
	return &Reader{r: br}
}

// Next advances to the next entry, skipping what is left of the current
// one. It returns io.EOF at the end of the archive.
func (t *Reader) Next() (*Header, error) {
	if t.err != nil {
		return nil, t.err
	}
	h, err := t.next()
	if err != nil {
		t.err = err
	}
	return h, err
}

func (t *Reader) skip(n int64) error {
	for n > 0 {
		k, err := t.r.Discard(int(min(n, math.MaxInt32)))
		n -= int64(k)
		if err != nil {
			return unexpected(err)
		}
	}
	return nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

func (t *Reader) next() (*Header, error) {
	if err := t.skip(t.body); err != nil {
		return nil, err
	}
	// Like archive/tar: a stream that ends in the padding after the
	// last entry's data ends cleanly.
	if t.pad > 0 {
		if _, err := t.r.Discard(int(t.pad)); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, io.EOF
			}
			return nil, err
		}
	}
	t.body, t.pad = 0, 0
	clear(t.pax)
	t.longNm, t.longLnk = "", ""
	for {
		if _, err := io.ReadFull(t.r, t.blk[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, io.EOF // a stream without end blocks ends here too
			}
			return nil, unexpected(err)
		}
		if t.blk == [blockSize]byte{} {
			// End of archive: a second zero block, or the end of the stream.
			if _, err := io.ReadFull(t.r, t.blk[:]); err != nil {
				if errors.Is(err, io.EOF) {
					return nil, io.EOF
				}
				return nil, unexpected(err)
			}
			if t.blk == [blockSize]byte{} {
				return nil, io.EOF
			}
			return nil, fmt.Errorf("%w: data after an end-of-archive block", ErrHeader)
		}
		if !t.checksumOK() {
			return nil, fmt.Errorf("%w: bad checksum", ErrHeader)
		}
		flag := t.blk[156]
		size, err := t.number(124, 12)
		if err != nil || size < 0 {
			return nil, fmt.Errorf("%w: bad size", ErrHeader)
		}
		switch flag {
		case typePAX, typePAXG, typeGNULong, typeGNULink:
			meta, err := t.readMeta(size)
			if err != nil {
				return nil, err
			}
			switch flag {
			case typePAX:
				if err := t.parsePAX(meta); err != nil {
					return nil, err
				}
			case typeGNULong:
				t.longNm = cString(meta)
			case typeGNULink:
				t.longLnk = cString(meta)
			}
			continue // the entry itself follows
		}
		return t.header(flag, size)
	}
}

// readMeta reads the body of a metadata entry, padding included.
func (t *Reader) readMeta(size int64) ([]byte, error) {
	if size > maxMetaSize {
		return nil, fmt.Errorf("%w: %d-byte extended header", ErrHeader, size)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(t.r, b); err != nil {
		return nil, unexpected(err)
	}
	// Like archive/tar: a stream that ends in the padding ends at the
	// next header read, cleanly.
	if _, err := t.r.Discard(int(padding(size))); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return b, nil
}

func padding(size int64) int64 { return -size & (blockSize - 1) }

func (t *Reader) header(flag byte, size int64) (*Header, error) {
	b := t.blk[:]
	h := &t.hdr
	*h = Header{Typeflag: flag, Size: size}
	ustar := string(b[257:263]) == "ustar\x00"
	gnu := string(b[257:265]) == "ustar  \x00"
	h.Name = cString(b[0:100])
	if ustar {
		if prefix := cString(b[345:500]); prefix != "" {
			h.Name = prefix + "/" + h.Name
		}
	}
	h.Linkname = cString(b[157:257])
	var err error
	var n int64
	if h.Mode, err = t.number(100, 8); err != nil {
		return nil, fmt.Errorf("%w: bad mode", ErrHeader)
	}
	if n, err = t.number(108, 8); err != nil {
		return nil, fmt.Errorf("%w: bad uid", ErrHeader)
	}
	h.UID = int(n)
	if n, err = t.number(116, 8); err != nil {
		return nil, fmt.Errorf("%w: bad gid", ErrHeader)
	}
	h.GID = int(n)
	if h.ModTime, err = t.number(136, 12); err != nil {
		return nil, fmt.Errorf("%w: bad mtime", ErrHeader)
	}
	stored := size
	if gnu && flag == TypeGNUSparse {
		// The data holds only the non-hole parts; the expanded size
		// is in the header (extended sparse maps are not followed).
		if real, err := t.number(483, 12); err == nil && real >= 0 {
			h.Size = real
		}
	}
	// The order of archive/tar: PAX records, then GNU long names.
	if err := t.applyPAX(h, &stored); err != nil {
		return nil, err
	}
	if t.longNm != "" {
		h.Name = t.longNm
	}
	if t.longLnk != "" {
		h.Linkname = t.longLnk
	}
	if h.Typeflag == TypeRegA {
		// Legacy archives mark directories with a trailing slash only.
		h.Typeflag = TypeReg
		if strings.HasSuffix(h.Name, "/") {
			h.Typeflag = TypeDir
		}
	}
	switch h.Typeflag {
	case TypeLink, TypeSymlink, TypeChar, TypeBlock, TypeDir, TypeFifo:
		// These have no data, whatever the size field says.
		stored, h.Size = 0, 0
	}
	t.body, t.pad = stored, padding(stored)
	return h, nil
}

// Read reads the current entry's data (the stored data for sparse files).
func (t *Reader) Read(p []byte) (int, error) {
	if t.body <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > t.body {
		p = p[:t.body]
	}
	n, err := t.r.Read(p)
	t.body -= int64(n)
	if err != nil && t.body > 0 {
		return n, unexpected(err)
	}
	return n, nil
}

// WriteTo copies the current entry's data to w.
func (t *Reader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for t.body > 0 {
		chunk, err := t.r.Peek(int(min(t.body, int64(t.r.Size()))))
		if len(chunk) > 0 {
			n, werr := w.Write(chunk)
			t.r.Discard(n)
			t.body -= int64(n)
			total += int64(n)
			if werr != nil {
				return total, werr
			}
		}
		if err != nil && t.body > 0 {
			return total, unexpected(err)
		}
	}
	return total, nil
}

func (t *Reader) checksumOK() bool {
	want, err := parseOctal(t.blk[148:156])
	if err != nil {
		return false
	}
	// The checksum field counts as eight spaces.
	unsigned := int64(8 * ' ')
	for i := 0; i < blockSize; i += 8 {
		x := binary.LittleEndian.Uint64(t.blk[i:])
		if i == 144 {
			x &= 0x00000000ffffffff // bytes 148-151 belong to the field
		} else if i == 152 {
			x &= 0xffffffff00000000 // and bytes 152-155
		}
		unsigned += int64(byteSum(x))
	}
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

// byteSum adds the eight bytes of x.
func byteSum(x uint64) uint64 {
	const m = 0x00ff00ff00ff00ff
	x = x&m + x>>8&m                      // four 16-bit sums
	return (x * 0x0001000100010001) >> 48 // added up in the top 16 bits
}

// number parses a numeric field: octal, or GNU base-256 when the high bit
// of the first byte is set.
func (t *Reader) number(off, n int) (int64, error) {
	b := t.blk[off : off+n]
	if len(b) > 0 && b[0]&0x80 != 0 {
		return parseBase256(b)
	}
	return parseOctal(b)
}

// parseOctal reads an octal field the way archive/tar does: padding of
// spaces and NULs around it, and the value ends at the first NUL.
func parseOctal(b []byte) (int64, error) {
	b = bytes.Trim(b, " \x00")
	if len(b) == 0 {
		return 0, nil
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if len(b) == 0 {
		return 0, ErrHeader
	}
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
		if i == 0 {
			c &= 0x7f
			if neg {
				c |= 0x80
			}
		}
		if neg {
			c ^= 0xff
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

func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// parsePAX reads "LEN KEY=VALUE\n" records.
func (t *Reader) parsePAX(b []byte) error {
	if t.pax == nil {
		t.pax = map[string]string{}
	}
	for len(b) > 0 {
		sp := bytes.IndexByte(b, ' ')
		if sp <= 0 {
			return fmt.Errorf("%w: bad PAX record", ErrHeader)
		}
		n, err := strconv.Atoi(string(b[:sp]))
		if err != nil || n <= sp+1 || n > len(b) || b[n-1] != '\n' {
			return fmt.Errorf("%w: bad PAX record", ErrHeader)
		}
		key, value, ok := strings.Cut(string(b[sp+1:n-1]), "=")
		if !ok {
			return fmt.Errorf("%w: bad PAX record", ErrHeader)
		}
		t.pax[key] = value
		b = b[n:]
	}
	return nil
}

func (t *Reader) applyPAX(h *Header, stored *int64) error {
	for k, v := range t.pax {
		var err error
		switch k {
		case "path":
			h.Name = v
		case "linkpath":
			h.Linkname = v
		case "size":
			if *stored, err = strconv.ParseInt(v, 10, 64); err == nil && *stored >= 0 {
				h.Size = *stored
			}
		case "uid":
			h.UID, err = strconv.Atoi(v)
		case "gid":
			h.GID, err = strconv.Atoi(v)
		case "mtime":
			var f float64
			if f, err = strconv.ParseFloat(v, 64); err == nil {
				h.ModTime = int64(math.Floor(f))
			}
		}
		if err != nil || *stored < 0 {
			return fmt.Errorf("%w: bad PAX %s %q", ErrHeader, k, v)
		}
	}
	// PAX sparse files: the expanded size.
	for _, k := range []string{"GNU.sparse.realsize", "GNU.sparse.size"} {
		if v, ok := t.pax[k]; ok {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
				h.Size = n
			}
			break
		}
	}
	if name, ok := t.pax["GNU.sparse.name"]; ok {
		h.Name = name
	}
	return nil
}
