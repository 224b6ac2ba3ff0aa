package fsimage

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// exactReader reads a blob of a known size and no further: a longer or a
// shorter file is an error naming the blob, never a stream read past its
// stated end.
type exactReader struct {
	f    fs.File
	left int64
	size int64
	name string
}

func (r *exactReader) Read(b []byte) (int, error) {
	if r.left == 0 {
		// Past the stated end: there must be nothing more.
		var one [1]byte
		if n, _ := r.f.Read(one[:]); n > 0 {
			return 0, fmt.Errorf("%s is longer than its stated %d bytes", r.name, r.size)
		}
		return 0, io.EOF
	}
	if int64(len(b)) > r.left {
		b = b[:r.left]
	}
	n, err := r.f.Read(b)
	r.left -= int64(n)
	if errors.Is(err, io.EOF) && r.left > 0 {
		return n, fmt.Errorf("%s is shorter than its stated %d bytes: it ends after %d", r.name, r.size, r.size-r.left)
	}
	if err == io.EOF {
		err = nil // the next Read checks for more
	}
	return n, err
}

func (r *exactReader) Close() error { return r.f.Close() }

// missing words a failed stat of a layer file: a link that leads nowhere
// or out of its directory says so rather than "missing".
func missing(lf LayerFile, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		if lf.Digest.Hex != "" {
			return fmt.Errorf("blob %s is missing", lf.Digest)
		}
		return fmt.Errorf("%s is missing from the archive", lf.Path)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if lf.Digest.Hex != "" {
			return fmt.Errorf("blob %s: %w", lf.Digest, pe.Err)
		}
		return fmt.Errorf("%s: %w", lf.Path, pe.Err)
	}
	return err
}

// Seek moves within the stated size, where the file can seek: a reader
// that needs only a layer's headers skips the contents.
func (r *exactReader) Seek(off int64, whence int) (int64, error) {
	s, ok := r.f.(io.Seeker)
	if !ok {
		return 0, errors.ErrUnsupported
	}
	pos := r.size - r.left
	switch whence {
	case io.SeekStart:
		pos = off
	case io.SeekCurrent:
		pos += off
	case io.SeekEnd:
		pos = r.size + off
	}
	if pos < 0 || pos > r.size {
		return 0, fmt.Errorf("%s: seek to %d outside its stated %d bytes", r.name, pos, r.size)
	}
	if _, err := s.Seek(pos, io.SeekStart); err != nil {
		return 0, err
	}
	r.left = r.size - pos
	return pos, nil
}
