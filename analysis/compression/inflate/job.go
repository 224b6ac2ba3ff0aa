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

type result struct {
	ok     bool
	start  int64 // bit offset of its first block
	end    int64 // bit offset after its last block
	final  bool  // its last block is the stream's final one
	syms   []uint16
	minRef int   // lowest window position its markers stand for
	buf    []uint16
	err    error // a panic, for the record
}

// maxCandidates bounds how many found headers one job tries before it
// gives the segment up to serial decoding.
const maxCandidates = 32

// speculate decodes data (the segment and the next one, from byte offset
// base) from start, or from the first block it finds at or after start,
// to the first block boundary at or after stop.
func speculate(data []byte, base int64, final bool, start, stop int64, known bool, buf []uint16, maxSyms int, quit <-chan struct{}) (res result) {
	defer func() {
		if p := recover(); p != nil {
			res = result{buf: buf, err: fmt.Errorf("internal error while decompressing: %v", p)}
		}
	}()
	if cap(buf) == 0 {
		buf = make([]uint16, min(maxSyms, max(len(data)*3/2, 1<<16)))
	}
	res.buf = buf
	var f finder
	d := &decoder[uint16]{in: data, base: base, final: final, markers: true, stop: stop}
	from := start
	for range maxCandidates {
		select {
		case <-quit:
			return res
		default:
		}
		p := from
		if !known {
			if p = f.find(data, base, from, stop); p < 0 {
				return res
			}
		}
		d.out, d.op = buf[:cap(buf)], 0
		d.seek(p)
		st, err := runChunk(d, maxSyms)
		buf = d.out[:0]
		res.buf = buf
		switch {
		case err == nil && (st == atBoundary || st == atEnd):
			return result{ok: true, start: p, end: d.pos(), final: st == atEnd, syms: d.out[:d.op], minRef: d.minRef, buf: buf}
		case err == nil || known:
			// Out of input or over the cap: another start will not help.
			return res
		}
		from = p + 1
	}
	return res
}

// runChunk runs d, growing its output up to maxSyms.
func runChunk(d *decoder[uint16], maxSyms int) (status, error) {
	for {
		st, err := d.run()
		if err != nil || st != outFull {
			return st, err
		}
		if len(d.out) >= maxSyms {
			return st, nil
		}
		n := min(2*len(d.out), maxSyms)
		out := make([]uint16, n)
		copy(out, d.out[:d.op])
		d.out = out
	}
}
