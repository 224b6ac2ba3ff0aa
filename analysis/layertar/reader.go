// Package layertar reads the headers of a layer tar stream, fast.
//
// archive/tar spends most of its time on format detection that a layer
// analysis never needs (decoding every header byte as UTF-8 to tell USTAR
// from PAX) and allocates a header, maps and strings per entry. This
// reader parses V7, USTAR, STAR, GNU (long names, base-256 numbers, old
// sparse files) and PAX (local records, GNU sparse formats 0.0, 0.1 and
// 1.0; global records are skipped) headers into one reused Header.
//
// What it yields must be what archive/tar yields, because that is what
// Docker, containerd and Podman unpack: a reader that saw other names or
// sizes would let a layer hide files from the analysis and the gate. So
// it follows archive/tar rule by rule (which extension applies to which
// entry, which field makes a header invalid), and the tests check it
// against archive/tar entry by entry, also under fuzzing.
package layertar

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
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

// maxMetaSize bounds PAX records, GNU long names and sparse maps held in
// memory: archive/tar's limit, so that both refuse the same archives.
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
	Size     int64 // logical size: 0 for types without data, the expanded size of sparse files
	ModTime  int64 // Unix seconds
}

// Reader reads a tar stream header by header.
type Reader struct {
	r       *bufio.Reader
	blk     [blockSize]byte
	hdr     Header
	body    int64 // unread bytes of the current entry's stored data
	pad     int64 // padding after it
	sparse  sparseReader
	pax     map[string]string
	paxMap  []string // GNU sparse 0.0 offset and numbytes records, in order
	longNm  string
	longLnk string
	err     error
	seeker  *seekSource // NewSeekingReader's: skipped data is sought over
	stored  int64       // the current entry's stored data, for DataOffset
	names   strArena    // of the headers' names and link names
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
	if ok, err := t.seekSkip(n); ok {
		return err
	}
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
	t.sparse.active = false
	t.resetMeta()
	for {
		if err := t.readHeader(); err != nil {
			return nil, err
		}
		h := &t.hdr
		if _, err := storedSize(h); err != nil {
			return nil, err
		}
		switch h.Typeflag {
		case typePAX, typePAXG, typeGNULong, typeGNULink:
			meta, err := t.readMeta(h.Size)
			if err != nil {
				return nil, err
			}
			switch h.Typeflag {
			case typePAX:
				if err := t.parsePAX(meta); err != nil {
					return nil, err
				}
			case typePAXG:
				// archive/tar checks a global header's records, hands
				// it out as an entry of its own, and forgets every
				// extension read before it; its records apply to
				// nothing.
				if err := t.parsePAX(meta); err != nil {
					return nil, err
				}
				t.resetMeta()
			case typeGNULong:
				t.longNm = cString(meta)
			case typeGNULink:
				t.longLnk = cString(meta)
			}
			continue // the entry itself follows
		}
		return t.entry(h)
	}
}

// resetMeta forgets the extensions read for the coming entry.
func (t *Reader) resetMeta() {
	clear(t.pax)
	t.paxMap = t.paxMap[:0]
	t.longNm, t.longLnk = "", ""
}

// storedSize is how many bytes of data follow the header: none for types
// that have none, whatever the size field says. archive/tar refuses a
// negative size only where it counts.
func storedSize(h *Header) (int64, error) {
	if headerOnly(h.Typeflag) {
		return 0, nil
	}
	if h.Size < 0 {
		return 0, fmt.Errorf("%w: negative size %d", ErrHeader, h.Size)
	}
	return h.Size, nil
}

func headerOnly(flag byte) bool {
	switch flag {
	case TypeLink, TypeSymlink, TypeChar, TypeBlock, TypeDir, TypeFifo:
		return true
	}
	return false
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

// entry applies the extensions read before the header in t.hdr, in
// archive/tar's order: PAX records, GNU long names, the legacy directory
// flag, then the sparse formats.
func (t *Reader) entry(h *Header) (*Header, error) {
	if err := t.applyPAX(h); err != nil {
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
	stored, err := storedSize(h)
	if err != nil {
		return nil, err
	}
	t.body, t.pad, t.stored = stored, padding(stored), stored
	if err := t.readSparseMap(h); err != nil {
		return nil, err
	}
	if headerOnly(h.Typeflag) {
		h.Size = 0 // these have no data, whatever the size field says
	}
	return h, nil
}

// Read reads the current entry's data; the holes of a sparse file read as
// zeros, as archive/tar reads them.
func (t *Reader) Read(p []byte) (int, error) {
	if t.sparse.active {
		return t.readSparse(p)
	}
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

// WriteTo copies the current entry's data to w, holes expanded.
func (t *Reader) WriteTo(w io.Writer) (int64, error) {
	if t.sparse.active {
		return io.CopyBuffer(w, struct{ io.Reader }{t}, make([]byte, 32<<10))
	}
	return t.writeStored(w)
}

// WriteCompactTo writes what identifies the current entry's data without
// expanding holes: a file's bytes, or for a sparse file its map and then
// its stored fragments. Call it before any Read. A caller that
// fingerprints content uses it, so that the work is bounded by the
// archive's size and not by the sizes a sparse header claims. It fails
// where reading the data would fail.
func (t *Reader) WriteCompactTo(w io.Writer) (int64, error) {
	if !t.sparse.active {
		return t.writeStored(w)
	}
	var total, data int64
	for _, f := range t.sparse.frags {
		data += f.n // no overflow: the fragments lie inside the file
	}
	switch {
	case data > t.body:
		return 0, errMissData
	case data < t.body:
		return 0, errUnrefData
	}
	var b [16]byte
	for _, f := range t.sparse.frags {
		binary.LittleEndian.PutUint64(b[:], uint64(f.off))
		binary.LittleEndian.PutUint64(b[8:], uint64(f.n))
		n, err := w.Write(b[:])
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
	t.sparse.active = false // what is left is stored data
	n, err := t.writeStored(w)
	return total + n, err
}

func (t *Reader) writeStored(w io.Writer) (int64, error) {
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
