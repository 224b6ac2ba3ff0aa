package inflate

import "fmt"

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
	data  []byte   // its copy of the compressed input
	syms  []uint16 // output while the window is unknown
	bytes []byte   // output once the last 32 KiB hold no marker
}

type result struct {
	ok     bool
	start  int64 // bit offset of its first block
	lenAt  int64 // for a found stored block, its LEN's offset (else -1)
	end    int64 // bit offset after its last block
	final  bool  // its last block is the stream's final one
	syms   []uint16
	bytes  []byte // follow syms
	minRef int    // lowest window position syms' markers stand for
	bufs   *buffers
	err    error // a panic, for the record
}

// maxCandidates bounds how many found headers one job tries before it
// gives the segment up to serial decoding.
const maxCandidates = 32

// checkEvery is how often (in symbols) a worker looks whether markers are
// gone from the last 32 KiB, so that it can go on in bytes.
const checkEvery = 64 << 10

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
			st, err = inBytes(d, bd, bufs, s.maxSyms)
			if err == nil && (st == atBoundary || st == atEnd) {
				return result{ok: true, start: p, lenAt: lenAt, end: bd.pos(), final: st == atEnd,
					syms: d.out[:d.op], bytes: bd.out[windowSize:bd.op], minRef: d.minRef, bufs: bufs}
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
			if len(room) >= maxSyms {
				return needInput, nil // over the cap: give up
			}
			grown := make([]uint16, min(2*len(room), maxSyms))
			copy(grown, room[:d.op])
			d.out = grown
			bufs.syms = grown
		} else {
			d.out = room
		}
	}
}

// inBytes goes on decoding d's block in bytes, its window now known.
func inBytes(d *decoder[uint16], bd *decoder[byte], bufs *buffers, maxSyms int) (status, error) {
	bd.in, bd.ip, bd.bits, bd.nb, bd.base, bd.final = d.in, d.ip, d.bits, d.nb, d.base, d.final
	bd.state, bd.last, bd.storedLeft, bd.stop = d.state, d.last, d.storedLeft, d.stop
	bd.dyn = d.dyn
	bd.lit, bd.dist = d.lit, d.dist
	if d.lit == &d.dyn[0] {
		bd.lit, bd.dist = &bd.dyn[0], &bd.dyn[1]
	}
	if cap(bufs.bytes) < windowSize+2*checkEvery {
		bufs.bytes = make([]byte, windowSize+len(d.in)*3/2)
	}
	bd.out = bufs.bytes[:cap(bufs.bytes)]
	for i, v := range d.out[d.op-windowSize : d.op] {
		bd.out[i] = byte(v)
	}
	bd.op = windowSize
	for {
		st, err := bd.run()
		if err != nil || st != outFull {
			return st, err
		}
		if len(bd.out) >= maxSyms {
			return needInput, nil // over the cap: give up
		}
		grown := make([]byte, min(2*len(bd.out), maxSyms))
		copy(grown, bd.out[:bd.op])
		bd.out = grown
		bufs.bytes = grown
	}
}
