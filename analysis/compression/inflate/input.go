package inflate

import "io"

// input is the compressed data read so far that the reader still needs:
// the bytes from offset base on. It grows by reading src in order and
// drops what lies before keep when it must make room. Workers get copies.
type input struct {
	src   io.Reader
	buf   []byte
	base  int64 // offset of buf[0]
	eof   bool
	err   error // the first error of src other than io.EOF
	chunk int   // how much to read at a time
}

func (in *input) end() int64 { return in.base + int64(len(in.buf)) }

// slice is the data in [from, to), clipped to what has been read.
func (in *input) slice(from, to int64) []byte {
	to = min(to, in.end())
	return in.buf[from-in.base : to-in.base]
}

// fill reads until the data reaches offset upTo, src ends or fails; bytes
// before keep may go.
func (in *input) fill(upTo, keep int64) error {
	for in.end() < upTo && !in.eof {
		if in.err != nil {
			return in.err
		}
		if len(in.buf) == cap(in.buf) {
			keep = max(keep, in.base)
			live := len(in.buf) - int(keep-in.base)
			want := max(int(upTo-keep), live+in.chunk)
			if want <= cap(in.buf) {
				copy(in.buf, in.buf[keep-in.base:])
				in.buf = in.buf[:live]
			} else {
				nb := make([]byte, live, want+in.chunk)
				copy(nb, in.buf[keep-in.base:])
				in.buf = nb
			}
			in.base = keep
		}
		n, err := in.src.Read(in.buf[len(in.buf):cap(in.buf)])
		in.buf = in.buf[:len(in.buf)+n]
		switch {
		case err == io.EOF:
			in.eof = true
		case err != nil:
			in.err = err
		}
	}
	if in.end() < upTo && in.err != nil {
		return in.err
	}
	return nil
}
