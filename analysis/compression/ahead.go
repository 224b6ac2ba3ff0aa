package compression

import (
	"fmt"
	"io"
)

// Ahead sizes: the decoder runs at most aheadDepth buffers of aheadSize
// bytes in front of the reader. Enough to ride out the reader's pauses (a
// large file hashed, a run of small headers) without memory that grows
// with the layer.
const (
	aheadSize  = 256 << 10
	aheadDepth = 4
)

// Ahead reads a stream on a goroutine of its own, a bounded number of
// buffers ahead of its reader: decompression runs beside whatever the
// reader does with the data (hashing, parsing). Buffers are handed over by
// channel and come back by channel, so each has one owner at a time and no
// lock is needed.
//
// Until Close returns, the producer goroutine owns the source; Close stops
// it and waits for it, so the caller can read the source afterwards (what
// follows the compressed stream).
type Ahead struct {
	full chan chunk  // filled buffers, in stream order
	free chan []byte // buffers the reader is done with
	stop chan struct{}
	done chan struct{}
	cur  chunk  // being read
	off  int    // into cur.b
	err  error  // sticky, after the last chunk
	buf  []byte // cur's whole buffer, to give back
}

type chunk struct {
	b   []byte
	err error
}

// NewAhead starts reading r. Call Close when done, also after an error.
func NewAhead(r io.Reader) *Ahead {
	a := &Ahead{
		full: make(chan chunk, aheadDepth),
		free: make(chan []byte, aheadDepth+1),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	go a.produce(r)
	return a
}

// buffer returns a buffer to fill: a new one while fewer than the most
// the reader can hold exist (a small layer makes one), else one the reader
// gave back. Nil when the reader has stopped.
func (a *Ahead) buffer(made *int) []byte {
	select {
	case buf := <-a.free:
		return buf
	default:
	}
	if *made < aheadDepth+1 {
		*made++
		return make([]byte, aheadSize)
	}
	select {
	case buf := <-a.free:
		return buf
	case <-a.stop:
		return nil
	}
}

func (a *Ahead) produce(r io.Reader) {
	defer close(a.done)
	defer func() {
		// A decoder that panics on hostile input must not take the
		// process down: its reader gets the panic as an error.
		if p := recover(); p != nil {
			a.send(chunk{err: fmt.Errorf("internal error while decompressing: %v", p)})
		}
	}()
	made := 0
	for {
		buf := a.buffer(&made)
		if buf == nil {
			return
		}
		n, err := fill(r, buf)
		if !a.send(chunk{buf[:n], err}) || err != nil {
			return
		}
	}
}

// send hands c to the reader; false when the reader has stopped.
func (a *Ahead) send(c chunk) bool {
	select {
	case a.full <- c:
		return true
	case <-a.stop:
		return false
	}
}

// fill reads into b until it is full or r fails (io.EOF at the end).
func fill(r io.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		k, err := r.Read(b[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Read returns the stream's bytes in order, then the source's error
// (io.EOF at its end).
func (a *Ahead) Read(p []byte) (int, error) {
	for a.off == len(a.cur.b) {
		if a.err != nil {
			return 0, a.err
		}
		if a.cur.err != nil {
			a.err = a.cur.err
			return 0, a.err
		}
		if a.buf != nil {
			a.free <- a.buf // never blocks: it can hold every buffer
		}
		a.cur = <-a.full
		a.buf, a.off = a.cur.b[:cap(a.cur.b)], 0
	}
	n := copy(p, a.cur.b[a.off:])
	a.off += n
	return n, nil
}

// Close stops the producer and waits until it has returned.
func (a *Ahead) Close() {
	select {
	case <-a.stop:
	default:
		close(a.stop)
	}
	<-a.done
}
