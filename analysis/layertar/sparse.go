package layertar

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Sparse files store only their data fragments; the holes between them
// read as zeros. archive/tar takes a file as sparse only when its header
// says so: type 'S' (old GNU), or PAX records of GNU sparse format 0.0,
// 0.1 or 1.0. Only then do GNU.sparse.name and GNU.sparse.realsize apply:
// on any other entry they are records like any other, and a reader that
// applied them would show names and sizes that no runtime unpacks.

// maxSparseEntries is archive/tar's bound on a sparse map.
const maxSparseEntries = 1 << 20

var (
	errSparseTooLong = fmt.Errorf("%w: sparse map too long", ErrHeader)
	errMissData      = errors.New("sparse file references non-existent data")
	errUnrefData     = errors.New("sparse file contains unreferenced data")
)

// fragment is a stretch of data in a sparse file.
type fragment struct{ off, n int64 }

func (f fragment) end() int64 { return f.off + f.n }

// sparseReader is the state of reading a sparse entry's logical data.
type sparseReader struct {
	active bool
	frags  []fragment // data fragments not yet passed, in order
	pos    int64      // logical position
	size   int64      // logical size
	buf    []fragment // reused storage for frags
}

// readSparseMap finds out whether h is a sparse file and, if it is, reads
// its map and sets h.Size to its logical size.
func (t *Reader) readSparseMap(h *Header) error {
	var frags []fragment
	var err error
	if h.Typeflag == TypeGNUSparse {
		frags, err = t.oldGNUSparseMap(h)
	} else {
		var sparse bool
		if sparse, err = t.isPAXSparse(h); sparse && err == nil {
			frags, err = t.paxSparseMap()
		}
		if !sparse {
			return nil
		}
	}
	if err != nil {
		return err
	}
	if headerOnly(h.Typeflag) || !validFragments(frags, h.Size) {
		return fmt.Errorf("%w: invalid sparse map", ErrHeader)
	}
	t.sparse = sparseReader{active: true, frags: frags, size: h.Size, buf: frags[:0]}
	return nil
}

// validFragments: in order, not overlapping, inside the file (the checks
// of archive/tar and BSD tar).
func validFragments(frags []fragment, size int64) bool {
	if size < 0 {
		return false
	}
	var prev fragment
	for _, f := range frags {
		switch {
		case f.off < 0 || f.n < 0, f.off > math.MaxInt64-f.n, f.end() > size, prev.end() > f.off:
			return false
		}
		prev = f
	}
	return true
}

func (t *Reader) addFragment(frags []fragment, off, n int64) ([]fragment, error) {
	if len(frags) >= maxSparseEntries {
		return nil, errSparseTooLong
	}
	return append(frags, fragment{off, n}), nil
}

// oldGNUSparseMap reads the map of a type 'S' entry: four fragments in the
// header, more in extension blocks that follow it (outside its size).
func (t *Reader) oldGNUSparseMap(h *Header) ([]fragment, error) {
	if blockFormat(&t.blk) != formatGNU {
		return nil, fmt.Errorf("%w: a sparse entry that is not GNU", ErrHeader)
	}
	p := fieldParser{b: t.blk[:]}
	h.Size = p.number(483, 12) // the expanded size
	if p.bad {
		return nil, fmt.Errorf("%w: bad sparse size", ErrHeader)
	}
	frags := t.sparse.buf[:0]
	// The header's map has 4 entries and a flag, an extension block 21
	// and a flag; archive/tar stops after 1 MiB of them.
	start, entries, total := 386, 4, 4*24+1
	for total < maxMetaSize {
		p := fieldParser{b: t.blk[:]}
		for i := range entries {
			e := start + i*24
			if t.blk[e] == 0 {
				break // as GNU and BSD tar end a map
			}
			off, n := p.number(e, 12), p.number(e+12, 12)
			if p.bad {
				return nil, fmt.Errorf("%w: bad sparse map", ErrHeader)
			}
			var err error
			if frags, err = t.addFragment(frags, off, n); err != nil {
				return nil, err
			}
		}
		if t.blk[start+entries*24] == 0 {
			return frags, nil
		}
		if _, err := io.ReadFull(t.r, t.blk[:]); err != nil {
			return nil, unexpected(err)
		}
		start, entries = 0, 21
		total += blockSize
	}
	return nil, errSparseTooLong
}

// isPAXSparse tells whether the PAX records make h a sparse file and, if
// they do, applies its sparse name and size.
func (t *Reader) isPAXSparse(h *Header) (bool, error) {
	if len(t.pax) == 0 {
		return false, nil
	}
	major, minor := t.pax[sparseMajor], t.pax[sparseMinor]
	switch {
	case major == "0" && (minor == "0" || minor == "1"), major == "1" && minor == "0":
	case major != "" || minor != "":
		return false, nil // a version archive/tar does not know: not sparse
	case t.pax[sparseMap] != "":
		// 0.0 and 0.1 have no version records
	default:
		return false, nil
	}
	if name := t.pax[sparseName]; name != "" {
		h.Name = name
	}
	size := t.pax[sparseSize]
	if size == "" {
		size = t.pax[sparseRealSize]
	}
	if size != "" {
		n, err := strconv.ParseInt(size, 10, 64)
		if err != nil {
			return true, fmt.Errorf("%w: bad sparse size %q", ErrHeader, size)
		}
		h.Size = n
	}
	return true, nil
}

// paxSparseMap reads the map of a PAX sparse file.
func (t *Reader) paxSparseMap() ([]fragment, error) {
	if t.pax[sparseMajor] == "1" {
		return t.sparseMap1x0()
	}
	return t.sparseMap0x1()
}

// sparseMap0x1 reads the map from the PAX records.
func (t *Reader) sparseMap0x1() ([]fragment, error) {
	count, err := strconv.ParseInt(t.pax[sparseNumBlocks], 10, 0)
	if err != nil || count < 0 || 2*count < count {
		return nil, fmt.Errorf("%w: bad sparse block count", ErrHeader)
	}
	fields := strings.Split(t.pax[sparseMap], ",")
	if len(fields) == 1 && fields[0] == "" {
		fields = fields[:0]
	}
	if int64(len(fields)) != 2*count {
		return nil, fmt.Errorf("%w: sparse map does not match its count", ErrHeader)
	}
	frags := t.sparse.buf[:0]
	for ; len(fields) >= 2; fields = fields[2:] {
		off, err1 := strconv.ParseInt(fields[0], 10, 64)
		n, err2 := strconv.ParseInt(fields[1], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%w: bad sparse map", ErrHeader)
		}
		if frags, err = t.addFragment(frags, off, n); err != nil {
			return nil, err
		}
	}
	return frags, nil
}

// sparseMap1x0 reads the map at the start of the entry's data: decimal
// numbers, one a line (count, then offset and length pairs), in whole
// blocks up to the one holding the last line.
func (t *Reader) sparseMap1x0() ([]fragment, error) {
	var buf []byte
	var lines int64 // newlines in buf not yet consumed
	feed := func(want int64) error {
		for lines < want {
			if len(buf)+blockSize > maxMetaSize {
				return errSparseTooLong
			}
			if t.body < blockSize {
				return io.ErrUnexpectedEOF
			}
			blk := make([]byte, blockSize)
			if _, err := io.ReadFull(t.r, blk); err != nil {
				return unexpected(err)
			}
			t.body -= blockSize
			buf = append(buf, blk...)
			lines += int64(bytes.Count(blk, []byte{'\n'}))
		}
		return nil
	}
	next := func() string {
		lines--
		i := bytes.IndexByte(buf, '\n')
		tok := buf[:i]
		buf = buf[i+1:]
		return string(tok)
	}
	if err := feed(1); err != nil {
		return nil, err
	}
	count, err := strconv.ParseInt(next(), 10, 0)
	if err != nil || count < 0 || 2*count < count {
		return nil, fmt.Errorf("%w: bad sparse block count", ErrHeader)
	}
	if err := feed(2 * count); err != nil {
		return nil, err
	}
	frags := t.sparse.buf[:0]
	for range count {
		off, err1 := strconv.ParseInt(next(), 10, 64)
		n, err2 := strconv.ParseInt(next(), 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%w: bad sparse map", ErrHeader)
		}
		if frags, err = t.addFragment(frags, off, n); err != nil {
			return nil, err
		}
	}
	return frags, nil
}

// readSparse reads logical data: stored bytes inside fragments, zeros in
// the holes. Like archive/tar it fails when the stored data is shorter or
// longer than the fragments.
func (t *Reader) readSparse(p []byte) (int, error) {
	s := &t.sparse
	n := 0
	for n < len(p) && s.pos < s.size {
		for len(s.frags) > 0 && s.frags[0].end() <= s.pos {
			s.frags = s.frags[1:]
		}
		want := min(int64(len(p)-n), s.size-s.pos)
		if len(s.frags) == 0 || s.pos < s.frags[0].off {
			holeEnd := s.size
			if len(s.frags) > 0 {
				holeEnd = s.frags[0].off
			}
			k := int(min(want, holeEnd-s.pos))
			clear(p[n : n+k])
			n += k
			s.pos += int64(k)
			continue
		}
		if t.body == 0 {
			return n, errMissData
		}
		k := min(want, s.frags[0].end()-s.pos, t.body)
		m, err := t.r.Read(p[n : n+int(k)])
		n += m
		s.pos += int64(m)
		t.body -= int64(m)
		if err != nil && t.body > 0 {
			return n, unexpected(err)
		}
	}
	if s.pos >= s.size {
		if t.body > 0 {
			return n, errUnrefData
		}
		if n == 0 {
			return 0, io.EOF
		}
	}
	return n, nil
}
