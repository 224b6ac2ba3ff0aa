package inflate

// finder looks for places where a dynamic Huffman block could start: a
// header that parses into valid, complete codes. Real encoders start most
// blocks that way; a false positive is caught later (its decoding fails,
// or its start does not meet the previous chunk's end).
type finder struct {
	d decoder[uint16] // parses candidate headers
}

// find returns the first bit offset in [from, to) of data (which starts at
// byte offset base) where a plausible non-final dynamic block starts, or
// -1.
func (f *finder) find(data []byte, base, from, to int64) int64 {
	end := (base + int64(len(data))) * 8
	to = min(to, end)
	for p := from; p < to; p++ {
		i := p/8 - base
		var v uint64
		if i+8 <= int64(len(data)) {
			v = le.Uint64(data[i:]) >> (p % 8)
		} else {
			v = tail(data[i:]) >> (p % 8)
		}
		// BFINAL 0, BTYPE 2; HLIT and HDIST within range.
		if v&7 != 4 || (v>>3)&31 > 29 || (v>>8)&31 > 29 {
			continue
		}
		if !f.plausible(data, base, p) {
			continue
		}
		return p
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

// plausible checks a candidate header at bit p in full: a complete code
// length code, code lengths that decode, complete literal/length and
// distance codes (or the degenerate ones DEFLATE allows) with an
// end-of-block code.
func (f *finder) plausible(data []byte, base, p int64) bool {
	// The code length code first, cheaply: 3 bits for each of 4..19 codes
	// from bit 17, which must add up to a complete code.
	i := p/8 - base
	if i+17 > int64(len(data)) {
		return f.parse(data, base, p)
	}
	// lo holds bits p..p+63, hi the next ones: 17+3*19 bits at most.
	s := uint(p % 8)
	lo, hi := le.Uint64(data[i:]), le.Uint64(data[i+8:])
	if s != 0 {
		lo = lo>>s | hi<<(64-s)
		hi = hi>>s | uint64(data[i+16])<<(64-s)
	}
	ncl := int(lo>>13&15) + 4
	kraft := 0
	for k := range ncl {
		b := 17 + 3*k
		var l uint64
		switch {
		case b+3 <= 64:
			l = lo >> b & 7
		case b >= 64:
			l = hi >> (b - 64) & 7
		default:
			l = (lo>>b | hi<<(64-b)) & 7
		}
		if l != 0 {
			kraft += 1 << (7 - l)
		}
	}
	if kraft != 128 {
		return false
	}
	return f.parse(data, base, p)
}

// parse reads the header at p with the decoder's own code.
func (f *finder) parse(data []byte, base, p int64) bool {
	d := &f.d
	d.in, d.base, d.final = data, base, true
	d.seek(p)
	d.need(3)
	d.take(3)
	if d.readDynamic() != nil {
		return false
	}
	return d.lens[256] != 0
}
