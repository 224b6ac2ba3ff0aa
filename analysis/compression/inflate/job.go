package inflate

import (
	"fmt"
	"sync"
)

// job is one segment's speculative decoding, run on a goroutine of its
// own; done is closed when res is set.
type job struct {
	seg   int64 // segment index
	stop  int64 // it ends at the first block boundary at or after this bit
	done  chan struct{}
	res   result
	known bool // it starts at a known block boundary, not a found one
}

// buffers are a job's memory, reused from job to job.
type buffers struct {
	data []byte   // its copy of the compressed input
	syms []uint16 // output while the window is unknown
	// Output once the last 32 KiB hold no marker: pieces from the
	// Reader's pool, each starting with a copy of the 32 KiB before it.
	pieces [][]byte
}

type result struct {
	ok     bool
	start  int64 // bit offset of its first block
	lenAt  int64 // for a found stored block, its LEN's offset (else -1)
	end    int64 // bit offset after its last block
	final  bool  // its last block is the stream's final one
	syms   []uint16
	bytes  [][]byte // follow syms
	minRef int      // lowest window position syms' markers stand for
	bufs   *buffers
	err    error // a panic, for the record
}

// maxCandidates bounds how many found headers one job tries before it
// gives the segment up to serial decoding.
const maxCandidates = 32

// checkEvery is how often (in symbols) a worker looks whether markers are
// gone from the last 32 KiB, so that it can go on in bytes.
const checkEvery = 32 << 10

// spec is what a worker needs.
type spec struct {
	data    []byte // the segment and the next one
	base    int64  // data's offset
	final   bool   // data ends where the input does
	start   int64  // where to decode or to look from
	stop    int64
	known   bool
	maxSyms int
	quit    <-chan struct{}
	pool    *piecePool
}

// pieceSize is the output a piece holds after its window copy: small
// enough that a chunk's memory is what it needs, rounded up a little.
const pieceSize = 256 << 10

// piecePool keeps the pieces of one Reader's jobs for reuse.
type piecePool struct {
	mu   sync.Mutex
	free [][]byte
}

func (p *piecePool) get() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.free); n > 0 {
		b := p.free[n-1]
		p.free = p.free[:n-1]
		return b
	}
	return make([]byte, windowSize+pieceSize)
}

// put takes pieces back, keeping at most enough for keep chunks.
func (p *piecePool) put(pieces [][]byte, keep int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range pieces {
		if len(p.free)*pieceSize < keep {
			p.free = append(p.free, b)
		}
	}
}

// speculate decodes s.data from s.start, or from the first block it finds
// at or after it, to the first block boundary at or after s.stop.
func speculate(s spec, bufs *buffers) (res result) {
	res.bufs = bufs
	defer func() {
		if p := recover(); p != nil {
			res = result{bufs: bufs, err: fmt.Errorf("internal error while decompressing: %v", p)}
		}
	}()
	var f finder
	d := &decoder[uint16]{in: s.data, base: s.base, final: s.final, markers: true, stop: s.stop}
	bd := &decoder[byte]{}
	from := s.start
	for range maxCandidates {
		select {
		case <-s.quit:
			return res
		default:
		}
		p, lenAt := from, int64(-1)
		if !s.known {
			if p, lenAt = f.find(s.data, s.base, from, s.stop); p < 0 {
				return res
			}
		}
		d.seek(p)
		st, err := symbols(d, bufs, s.maxSyms)
		if err == nil && st == outFull {
			var out [][]byte
			out, st, err = inBytes(d, bd, bufs, s.pool, s.maxSyms)
			if err == nil && (st == atBoundary || st == atEnd) {
				return result{ok: true, start: p, lenAt: lenAt, end: bd.pos(), final: st == atEnd,
					syms: d.out[:d.op], bytes: out, minRef: d.minRef, bufs: bufs}
			}
		}
		switch {
		case err == nil && (st == atBoundary || st == atEnd):
			return result{ok: true, start: p, lenAt: lenAt, end: d.pos(), final: st == atEnd,
				syms: d.out[:d.op], minRef: d.minRef, bufs: bufs}
		case err == nil || s.known:
			// Out of input or over the cap: another start will not help.
			return res
		}
		from = p + 1
	}
	return res
}

// symbols runs d until it ends, or until the last 32 KiB of its output
// hold no marker (outFull then).
func symbols(d *decoder[uint16], bufs *buffers, maxSyms int) (status, error) {
	if cap(bufs.syms) < 2*checkEvery {
		bufs.syms = make([]uint16, 2*checkEvery)
	}
	d.out, d.op = bufs.syms[:cap(bufs.syms)], 0
	checked, clean := 0, 0 // clean: output from here on has no marker
	for {
		room := d.out[:cap(d.out)]
		d.out = room[:min(len(room), d.op+checkEvery)]
		st, err := d.run()
		bufs.syms = room
		if err != nil || st != outFull {
			return st, err
		}
		for i := d.op - 1; i >= max(checked, clean); i-- {
			if d.out[i] >= markerBase {
				clean = i + 1
				break
			}
		}
		checked = d.op
		if d.op-clean >= windowSize {
			return outFull, nil
		}
		if d.op+checkEvery > len(room) {
			// Symbols take two bytes: half the cap in them.
			if len(room) >= maxSyms/2 {
				return needInput, nil // over the cap: give up
			}
			grown := make([]uint16, min(2*len(room), maxSyms/2))
			copy(grown, room[:d.op])
			d.out = grown
			bufs.syms = grown
		} else {
			d.out = room
		}
	}
}

// inBytes goes on decoding d's block in bytes, its window now known, into
// pieces; it returns the output of each.
func inBytes(d *decoder[uint16], bd *decoder[byte], bufs *buffers, pool *piecePool, maxSyms int) ([][]byte, status, error) {
	bd.in, bd.ip, bd.bits, bd.nb, bd.base, bd.final = d.in, d.ip, d.bits, d.nb, d.base, d.final
	bd.state, bd.last, bd.storedLeft, bd.stop = d.state, d.last, d.storedLeft, d.stop
	bd.dyn = d.dyn
	bd.lit, bd.dist = d.lit, d.dist
	if d.lit == &d.dyn[0] {
		bd.lit, bd.dist = &bd.dyn[0], &bd.dyn[1]
	}
	bd.out = pool.get()
	bufs.pieces = append(bufs.pieces[:0], bd.out)
	for i, v := range d.out[d.op-windowSize : d.op] {
		bd.out[i] = byte(v)
	}
	bd.op = windowSize
	var out [][]byte
	total := d.op
	for {
		st, err := bd.run()
		if err != nil || st != outFull {
			return append(out, bd.out[windowSize:bd.op]), st, err
		}
		out = append(out, bd.out[windowSize:bd.op])
		if total += bd.op - windowSize; total >= maxSyms {
			return out, needInput, nil // over the cap: give up
		}
		next := pool.get()
		copy(next, bd.out[bd.op-windowSize:bd.op])
		bd.out, bd.op = next, windowSize
		bufs.pieces = append(bufs.pieces, next)
	}
}
