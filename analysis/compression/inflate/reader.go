package inflate

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"sync"
)

// Reader decompresses a gzip stream (every member of it). Read it from one
// goroutine; Close stops its workers and waits for them.
type Reader struct {
	cfg config
	in  input

	phase     int
	pos       int64 // bit offset where decoding stands, at a block boundary
	crc, size uint32

	// The last 32 KiB of the member's output, right-aligned: what markers
	// stand for and what the serial decoder starts from.
	win  [windowSize]byte
	wlen int

	ser      decoder[byte] // serial decoding, when a stretch is not speculated
	serOn    bool          // ser is in the middle of a stretch
	emitFrom int           // ser.out before this was handed out

	jobs     []*job // in flight, in segment order
	next     int64  // the next segment to hand out
	free     []*buffers
	held     *buffers // a used chunk's, until its output has been read
	resolved []byte
	lut      [1 << 16]byte // for resolve: indexed by any uint16
	pending  []byte
	later    [][]byte // a chunk's further parts, after pending
	pool     piecePool
	err      error
	stop     chan struct{}
	wg       sync.WaitGroup
	stats    Stats
}

const (
	phDeflate = iota
	phTrailer
	phDone
)

// Stats counts how a Reader's segments were decoded.
type Stats struct {
	Speculated int // chunks decoded by a worker and used
	Serial     int // stretches decoded again on the reader
}

// lookahead is how much input past its segment a job gets.
const lookahead = 128 << 10

// serialOut is the serial decoder's output room after its window.
const serialOut = 256 << 10

// NewReader reads the first member's header from src and starts decoding.
// Errors of src are returned as they are; faults of the stream are
// ErrHeader, ErrChecksum, ErrTruncated or a *CorruptError.
func NewReader(src io.Reader, opts ...Option) (*Reader, error) {
	r := &Reader{
		cfg:  config{ctx: context.Background(), segment: defaultSegment, depth: defaultDepth, maxSyms: defaultMaxSyms},
		stop: make(chan struct{}),
	}
	for _, o := range opts {
		o(&r.cfg)
	}
	if r.cfg.limit == nil {
		r.cfg.limit = NewLimit(0)
	}
	r.in = input{src: src, chunk: r.cfg.segment / 4}
	if err := r.member(0); err != nil {
		if err == io.EOF {
			err = ErrTruncated
		}
		return nil, err
	}
	return r, nil
}

// Stats says how the stream was decoded so far.
func (r *Reader) Stats() Stats { return r.stats }

// Read returns the decompressed bytes in order.
func (r *Reader) Read(p []byte) (int, error) {
	for len(r.pending) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if len(r.later) > 0 {
			r.emit(r.later[0])
			r.later = r.later[1:]
			continue
		}
		r.err = r.produce()
	}
	n := copy(p, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}

// Close stops the workers and waits until they have returned.
func (r *Reader) Close() error {
	select {
	case <-r.stop:
	default:
		close(r.stop)
	}
	r.wg.Wait()
	r.pending, r.later = nil, nil
	if r.err == nil {
		r.err = errClosed
	}
	return nil
}

var errClosed = errors.New("inflate: read after Close")

// produce makes the next output ready (maybe none), or says why not.
func (r *Reader) produce() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error while decompressing: %v", p)
		}
	}()
	if err := r.cfg.ctx.Err(); err != nil {
		return err
	}
	switch r.phase {
	case phDeflate:
		if r.serOn {
			return r.serial()
		}
		return r.step()
	case phTrailer:
		return r.trailer()
	}
	return io.EOF
}

// member reads the header of a member at byte offset at; io.EOF if the
// input ends there.
func (r *Reader) member(at int64) error {
	for need := at + 10; ; need += 4 << 10 {
		if err := r.in.fill(need, r.keep()); err != nil {
			return err
		}
		if r.in.end() == at && r.in.eof {
			return io.EOF
		}
		n, err := parseHeader(r.in.slice(at, r.in.end()))
		if err == errShort {
			if r.in.eof {
				return ErrTruncated
			}
			continue
		}
		if err != nil {
			return err
		}
		r.pos, r.crc, r.size, r.wlen = (at+int64(n))*8, 0, 0, 0
		r.phase = phDeflate
		return nil
	}
}

// trailer checks the member's CRC-32 and size, then reads what follows:
// nothing, or another member.
func (r *Reader) trailer() error {
	at := (r.pos + 7) / 8
	if err := r.in.fill(at+8, r.keep()); err != nil {
		return err
	}
	if r.in.end() < at+8 {
		return ErrTruncated
	}
	t := r.in.slice(at, at+8)
	if le.Uint32(t) != r.crc || le.Uint32(t[4:]) != r.size {
		return ErrChecksum
	}
	err := r.member(at + 8)
	if err == io.EOF {
		r.phase = phDone
	}
	return err
}

// emit hands b out and accounts for it.
func (r *Reader) emit(b []byte) {
	r.crc = crc32.Update(r.crc, crc32.IEEETable, b)
	r.size += uint32(len(b))
	if len(b) >= windowSize {
		copy(r.win[:], b[len(b)-windowSize:])
	} else {
		copy(r.win[:], r.win[len(b):])
		copy(r.win[windowSize-len(b):], b)
	}
	r.wlen = min(windowSize, r.wlen+len(b))
	r.pending = b
}

// keep is the first input byte still needed: by the serial decoder or for
// segments not handed out yet.
func (r *Reader) keep() int64 {
	k := r.pos / 8
	if r.serOn {
		k = r.ser.base + int64(r.ser.ip) - 8
	}
	return max(0, min(k, r.next*int64(r.cfg.segment)))
}

// step decodes on from a block boundary: with the next worker's chunk
// when it starts right there, else serially up to where that chunk ends.
func (r *Reader) step() error {
	r.recycle(r.held)
	r.held = nil
	for len(r.jobs) > 0 && r.jobs[0].stop <= r.pos {
		if err := r.wait(r.jobs[0]); err != nil {
			return err
		}
		r.recycle(r.pop().res.bufs)
	}
	r.dispatch()
	if len(r.jobs) == 0 {
		return r.startSerial(math.MaxInt64)
	}
	j := r.jobs[0]
	if err := r.wait(j); err != nil {
		return err
	}
	r.pop()
	res := j.res
	if res.ok && (res.start == r.pos || storedSeam(res.start, res.lenAt, r.pos)) && res.minRef >= windowSize-r.wlen {
		r.stats.Speculated++
		r.resolve(res.syms)
		r.later = res.bytes
		r.held = res.bufs
		r.pos = res.end
		if res.final {
			r.phase = phTrailer
		}
		r.dispatch()
		return nil
	}
	r.recycle(res.bufs)
	r.dispatch()
	r.stats.Serial++
	return r.startSerial(j.stop)
}

// resolve turns a chunk's symbols into bytes, markers into the window's
// bytes they stand for, and emits them. One table lookup a symbol, no
// branch: the table maps a literal to itself and a marker to its byte.
func (r *Reader) resolve(syms []uint16) {
	if cap(r.resolved) < len(syms) {
		r.resolved = make([]byte, max(len(syms), 2*cap(r.resolved)))
	}
	out := r.resolved[:len(syms)]
	t := &r.lut
	if t[1] == 0 {
		for i := range markerBase {
			t[i] = byte(i)
		}
	}
	copy(t[markerBase:], r.win[:])
	for i, v := range syms {
		out[i] = t[v]
	}
	r.emit(out)
}

func (r *Reader) pop() *job {
	j := r.jobs[0]
	r.jobs = r.jobs[1:]
	return j
}

func (r *Reader) recycle(b *buffers) {
	if b == nil {
		return
	}
	// Enough pieces stay for the chunks in flight at a typical ratio.
	r.pool.put(b.pieces, 2*r.cfg.segment*(r.cfg.depth+1))
	b.pieces = b.pieces[:0]
	if len(r.free) <= r.cfg.depth {
		r.free = append(r.free, b)
	}
}

func (r *Reader) wait(j *job) error {
	select {
	case <-j.done:
		return nil
	case <-r.cfg.ctx.Done():
		return r.cfg.ctx.Err()
	}
}

// dispatch hands segments to workers until depth are in flight.
func (r *Reader) dispatch() {
	seg := int64(r.cfg.segment)
	for len(r.jobs) < r.cfg.depth {
		here := !r.serOn && r.phase == phDeflate && r.pos/8/seg >= r.next
		k := r.next
		if here {
			k = r.pos / 8 / seg
		}
		// The segment and enough of the next one for the block that
		// straddles the seam: real encoders' blocks are well under
		// lookahead (stored ones at most 64 KiB); a longer one makes the
		// job fail, and the reader decodes that stretch itself.
		start, end := k*seg, (k+1)*seg+min(seg, lookahead)
		if r.in.fill(end, r.keep()) != nil || start >= r.in.end() {
			return
		}
		if start < r.in.base { // passed already
			r.next = k + 1
			continue
		}
		if here && r.in.eof && (k+1)*seg >= r.in.end() {
			// The last segment, from where the reader stands: nothing to
			// decode beside it, so the reader decodes it itself.
			return
		}
		bufs := &buffers{}
		if n := len(r.free); n > 0 {
			bufs, r.free = r.free[n-1], r.free[:n-1]
		}
		// The job's own copy: the input's array can then be reused.
		bufs.data = append(bufs.data[:0], r.in.slice(start, end)...)
		j := &job{seg: k, stop: (k + 1) * seg * 8, done: make(chan struct{}), known: here}
		s := spec{data: bufs.data, base: start, final: r.in.eof && end >= r.in.end(), start: start * 8,
			stop: j.stop, known: here, maxSyms: r.cfg.maxSyms, quit: r.stop, pool: &r.pool}
		if here {
			s.start = r.pos
		}
		r.next = k + 1
		r.jobs = append(r.jobs, j)
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			defer close(j.done)
			j.res.bufs = bufs
			select {
			case r.cfg.limit.slots <- struct{}{}:
			case <-r.stop:
				return
			case <-r.cfg.ctx.Done():
				return
			}
			defer func() { <-r.cfg.limit.slots }()
			j.res = speculate(s, bufs)
		}()
	}
}

// startSerial decodes from pos to the first block boundary at or after
// stop on the reader's own goroutine, with the known window.
func (r *Reader) startSerial(stop int64) error {
	d := &r.ser
	if d.out == nil {
		d.out = make([]byte, windowSize+serialOut)
	}
	if err := r.in.fill(r.pos/8+16, r.keep()); err != nil {
		return err
	}
	d.op = copy(d.out, r.win[windowSize-r.wlen:])
	r.emitFrom = d.op
	d.in, d.base, d.final = r.in.buf, r.in.base, r.in.eof
	d.seek(r.pos)
	d.stop = stop
	r.serOn = true
	return r.serial()
}

// serial goes on decoding the stretch, handing out at most the serial
// decoder's room at a time.
func (r *Reader) serial() error {
	d := &r.ser
	if d.op > windowSize && d.op+maxMatch > len(d.out) {
		n := copy(d.out, d.out[d.op-windowSize:d.op])
		d.op, r.emitFrom = n, n
	}
	for {
		st, err := d.run()
		if err != nil {
			r.serOn = false
			return err
		}
		switch st {
		case needInput:
			// Segments the stretch has passed need no keeping.
			r.next = max(r.next, (d.base+int64(d.ip))/int64(r.cfg.segment))
			if err := r.in.fill(r.in.end()+int64(r.cfg.segment), r.keep()); err != nil {
				return err
			}
			d.setInput(r.in.buf, r.in.base, r.in.eof)
			continue
		case outFull:
			r.emit(d.out[r.emitFrom:d.op])
			r.emitFrom = d.op
			return nil
		}
		r.emit(d.out[r.emitFrom:d.op])
		r.emitFrom = d.op
		r.pos, r.serOn = d.pos(), false
		if st == atEnd {
			r.phase = phTrailer
		}
		return nil
	}
}
