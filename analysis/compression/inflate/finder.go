package inflate

import (
	"math/bits"
	"sync"
)

// finder looks for places where a block could start: a dynamic Huffman
// header that parses into valid codes, or a stored block's LEN and NLEN.
// Real encoders start most blocks one of those ways; a false positive is
// caught later (its decoding fails, or its start does not meet the
// previous chunk's end).
type finder struct {
	cl table
}

// Bits 0-12 of a dynamic header: BFINAL 0, BTYPE 2, HLIT and HDIST.
const headBits = 13

// finderLUTs are built once: skip says, for 13 bits of input, how far
// the next position that could start a dynamic header (as far as those
// bits tell) lies; kraft sums the code space four 3-bit code lengths take.
var finderLUTs = sync.OnceValue(func() *struct {
	skip  [1 << headBits]uint8
	kraft [1 << 12]uint16
} {
	t := new(struct {
		skip  [1 << headBits]uint8
		kraft [1 << 12]uint16
	})
	for w := range 1 << headBits {
		k := 0
		for ; k < headBits && !possibleHeader(w>>k, headBits-k); k++ {
		}
		t.skip[w] = uint8(k)
	}
	for w := range 1 << 12 {
		s := 0
		for i := range 4 {
			if l := w >> (3 * i) & 7; l != 0 {
				s += 1 << (7 - l)
			}
		}
		t.kraft[w] = uint16(s)
	}
	return t
})

// possibleHeader: could the low n bits of v begin a non-final dynamic
// header with HLIT <= 29 and HDIST <= 29? A field not wholly known can.
func possibleHeader(v, n int) bool {
	for i, want := range []int{0, 0, 1} {
		if i < n && v>>i&1 != want {
			return false
		}
	}
	if n >= 8 && v>>3&31 > 29 {
		return false
	}
	return n < 13 || v>>8&31 <= 29
}

// find returns the first bit offset in [from, to) of data (which starts at
// byte offset base) where a plausible non-final dynamic or stored block
// starts, or -1. For a stored block it also returns the offset of its
// LEN field (else -1): the zero bits before it are the header and padding,
// so the block could start at any of them (see storedSeam).
func (f *finder) find(data []byte, base, from, to int64) (int64, int64) {
	to = min(to, (base+int64(len(data)))*8)
	// Both kinds, a window at a time: a run of stored blocks must not
	// make the dynamic search scan the whole segment, nor the other way.
	const window = 32 << 10 // bits
	for a := from; a < to; a += window {
		b := min(a+window, to)
		dyn := f.dynamic(data, base, a, b)
		limit := b
		if dyn >= 0 {
			limit = dyn
		}
		if s, at := storedBlock(data, base, max(from, a-16), limit); s >= 0 {
			return s, at
		}
		if dyn >= 0 {
			return dyn, -1
		}
	}
	return -1, -1
}

// dynamic finds the first plausible dynamic block header in [from, to).
// It tests 52 positions at once: a mask of those whose first 13 bits fit
// (BFINAL 0, BTYPE 2, HLIT and HDIST at most 29), then each of those in
// full.
func (f *finder) dynamic(data []byte, base, from, to int64) int64 {
	lut := finderLUTs()
	const span = 64 - headBits + 1 // positions whose 13 bits one word holds
	for p := from; p < to; p += span {
		i := p/8 - base
		var w uint64
		if i+8 <= int64(len(data)) {
			w = le.Uint64(data[i:])
		} else {
			w = tail(data[i:])
		}
		w >>= p % 8
		if i+8 < int64(len(data)) && p%8 != 0 {
			w |= uint64(data[i+8]) << (64 - p%8)
		}
		m := ^w & ^(w >> 1) & (w >> 2)                     // BFINAL 0, BTYPE 2
		m &^= (w >> 4) & (w >> 5) & (w >> 6) & (w >> 7)    // HLIT 30 or 31
		m &^= (w >> 9) & (w >> 10) & (w >> 11) & (w >> 12) // HDIST 30 or 31
		m &= 1<<span - 1
		if n := to - p; n < span {
			m &= 1<<n - 1
		}
		for m != 0 {
			off := bits.TrailingZeros64(m)
			m &= m - 1
			if q := p + int64(off); f.plausible(data, base, q, lut.kraft[:]) {
				return q
			}
		}
	}
	return -1
}

// tail reads up to eight bytes, zero-padded.
func tail(b []byte) uint64 {
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// plausible checks a candidate at bit p whose first 13 bits fit: a
// complete code length code, code lengths that decode with it, and
// literal/length and distance codes that are complete (or the degenerate
// ones DEFLATE allows) with an end-of-block code.
func (f *finder) plausible(data []byte, base, p int64, kraft []uint16) bool {
	i := p/8 - base
	if i+17 > int64(len(data)) {
		return false
	}
	// lo holds bits p..p+63, hi the next ones: 17+3*19 bits at most.
	s := uint(p % 8)
	lo, hi := le.Uint64(data[i:]), le.Uint64(data[i+8:])
	if s != 0 {
		lo = lo>>s | hi<<(64-s)
		hi = hi>>s | uint64(data[i+16])<<(64-s)
	}
	ncl := uint(lo>>13&15) + 4
	cl := (lo>>17 | hi<<47) & (1<<(3*ncl) - 1)
	if kraft[cl&0xfff]+kraft[cl>>12&0xfff]+kraft[cl>>24&0xfff]+kraft[cl>>36&0xfff]+kraft[cl>>48&0xfff] != 128 {
		return false
	}
	var lens [19]uint8
	for k := range ncl {
		lens[clOrder[k]] = uint8(cl >> (3 * k) & 7)
	}
	if !f.cl.build(lens[:], clSym[:], clBits) {
		return false
	}
	return f.lengths(data, base, p+17+3*int64(ncl), int(lo>>3&31)+257, int(lo>>8&31)+1)
}

// lengths decodes the code lengths at bit p and checks the codes they
// make without building them.
func (f *finder) lengths(data []byte, base, p int64, nlit, ndist int) bool {
	var r bitReader
	r.init(data, base, p)
	var litSum, distSum, distCodes, eob int
	prev := -1
	for i := 0; i < nlit+ndist; {
		b := r.peek()
		e := f.cl.t[b&(1<<clBits-1)]
		n := uint(e & 0xff)
		if e&fBad != 0 || r.short(n) {
			return false
		}
		v := int(e >> 16)
		rep, x, val := 1, uint(0), v
		switch v {
		case 16:
			if prev < 0 {
				return false
			}
			rep, x, val = 3, 2, prev
		case 17:
			rep, x, val = 3, 3, 0
		case 18:
			rep, x, val = 11, 7, 0
		}
		if r.short(n + x) {
			return false
		}
		rep += int(b >> n & (1<<x - 1))
		r.skip(n + x)
		if i+rep > nlit+ndist {
			return false
		}
		for range rep {
			if val != 0 {
				if i < nlit {
					litSum += 1 << (15 - val)
					if i == 256 {
						eob = val
					}
				} else {
					distSum += 1 << (15 - val)
					distCodes++
				}
			}
			i++
		}
		prev = val
	}
	return eob != 0 && litSum == 1<<15 && (distCodes == 0 || distSum == 1<<15 || distCodes == 1 && distSum == 1<<14)
}

// bitReader reads bits from any offset of data for the finder.
type bitReader struct {
	data []byte
	base int64
	p    int64
}

func (r *bitReader) init(data []byte, base, p int64) { r.data, r.base, r.p = data, base, p }

// peek returns the next bits (zero past the end).
func (r *bitReader) peek() uint64 {
	i := r.p/8 - r.base
	if i+8 <= int64(len(r.data)) {
		return le.Uint64(r.data[i:]) >> (r.p % 8)
	}
	if i >= int64(len(r.data)) {
		return 0
	}
	return tail(r.data[i:]) >> (r.p % 8)
}

func (r *bitReader) short(n uint) bool { return r.p+int64(n) > (r.base+int64(len(r.data)))*8 }
func (r *bitReader) skip(n uint)       { r.p += int64(n) }

// storedBlock finds the first stored block header in [from, to): LEN and
// NLEN at a byte boundary after at least three zero bits. It returns the
// first bit it could start at and LEN's offset.
func storedBlock(data []byte, base, from, to int64) (int64, int64) {
	for at := (from + 3 + 7) / 8; ; at++ {
		i := at - base
		if at*8-10 >= to || i+4 > int64(len(data)) {
			return -1, -1
		}
		if data[i] != ^data[i+2] || data[i+1] != ^data[i+3] {
			continue
		}
		// The zero bits before at: header (3) and padding (up to 7).
		run := int64(0)
		for run < 10 && at*8-run-1 >= from && bit(data, base, at*8-run-1) == 0 {
			run++
		}
		if s := at*8 - run; run >= 3 && s < to {
			return s, at
		}
	}
}

func bit(data []byte, base, p int64) byte { return data[p/8-base] >> (p % 8) & 1 }

// storedSeam says whether a stored block found at bit s, its LEN at byte
// at, is the block that starts at bit p: from any bit of the zero run
// before LEN, but for the last two, a decoder reads the same block.
func storedSeam(s, at, p int64) bool {
	return at >= 0 && s <= p && p <= at*8-3
}
