package layertar

import (
	"bufio"
	"io"
)

// seekThreshold: data runs shorter than this are read through the buffer;
// a seek and a buffer refill cost more than copying them.
const seekThreshold = 32 << 10

// NewSeekingReader reads a tar of size bytes from rs, seeking over entry
// data that is skipped instead of reading it: a header-only pass over an
// uncompressed layer then reads a few kilobytes per megabyte. Data can
// still be read (Read, WriteTo). Skipping past size is an unexpected EOF,
// as reading would be.
func NewSeekingReader(rs io.ReadSeeker, size int64) *Reader {
	src := &seekSource{rs: rs, size: size}
	// A small buffer: after each seek it is filled again, and mostly
	// only a header of it is used.
	return &Reader{r: bufio.NewReaderSize(src, 16<<10), seeker: src}
}

// seekSource is the stream under a seeking Reader's buffer; it knows its
// position so that the Reader can tell where entry data starts.
type seekSource struct {
	rs   io.ReadSeeker
	pos  int64 // of the next byte Read returns
	size int64
}

func (s *seekSource) Read(b []byte) (int, error) {
	n, err := s.rs.Read(b)
	s.pos += int64(n)
	return n, err
}

// DataOffset is where the current entry's stored data starts in the
// stream, for a Reader made by NewSeekingReader (-1 otherwise).
func (t *Reader) DataOffset() int64 {
	if t.seeker == nil {
		return -1
	}
	return t.seeker.pos - int64(t.r.Buffered()) - (t.stored - t.body)
}

// seekSkip skips n bytes by seeking where that is worth it; ok is false
// where the caller should discard instead.
func (t *Reader) seekSkip(n int64) (ok bool, err error) {
	s := t.seeker
	buffered := int64(t.r.Buffered())
	if s == nil || n-buffered < seekThreshold {
		return false, nil
	}
	target := s.pos - buffered + n
	if target > s.size {
		return true, io.ErrUnexpectedEOF
	}
	if _, err := s.rs.Seek(target, io.SeekStart); err != nil {
		return true, err
	}
	s.pos = target
	t.r.Reset(s)
	return true, nil
}

// Sparse reports whether the current entry is a sparse file, whose stored
// data is not its content (DataOffset points at the stored fragments).
func (t *Reader) Sparse() bool { return t.sparse.active }
