// Package inflate decompresses gzip (RFC 1952) streams whose DEFLATE data
// (RFC 1951) it decodes on several cores at once: the compressed input is
// read in segments, a worker finds a block boundary in each and decodes it
// speculatively without knowing the 32 KiB before it, and the reader puts
// the pieces together in order, checking every seam. Output is exact: a
// seam that does not match is decoded again serially.
package inflate

import (
	"math/bits"
	"sync"
)

// A table entry packs everything the decoder needs for one code:
//
//	bits 0-7    bits the code takes (for a link: the primary table's bits)
//	bits 8-11   extra bits that follow (lengths, distances) or, for a
//	            link, the subtable's index bits
//	bits 12-15  kind flags (none: a length or distance base)
//	bits 16-31  the literal, the length or distance base, or the link's
//	            subtable offset
const (
	fLit  = 1 << 12
	fEOB  = 1 << 13
	fLink = 1 << 14
	fBad  = 1 << 15
)

// Primary table sizes: codes up to this long resolve in one lookup.
const (
	litBits  = 10
	distBits = 8
	clBits   = 7
)

const maxCodeLen = 15

// table is a Huffman decoding table: a primary part of 1<<primary entries
// indexed by the next bits of input (codes are stored bit-reversed, as
// DEFLATE sends them LSB first) and subtables for longer codes.
type table struct {
	t       []uint32
	primary uint
}

// Symbol values of each alphabet, without the code length.
var (
	litSym  [288]uint32
	distSym [32]uint32
	clSym   [19]uint32
)

func init() {
	for i := range 256 {
		litSym[i] = fLit | uint32(i)<<16
	}
	litSym[256] = fEOB
	base, extra := 3, 0
	for s := 257; s < 285; s++ {
		litSym[s] = uint32(base)<<16 | uint32(extra)<<8
		base += 1 << extra
		if s >= 264 && (s-264)%4 == 0 {
			extra++
		}
	}
	litSym[285] = 258 << 16
	litSym[286], litSym[287] = fBad, fBad
	base, extra = 1, 0
	for s := range 30 {
		distSym[s] = uint32(base)<<16 | uint32(extra)<<8
		base += 1 << extra
		if s >= 3 && s%2 == 1 {
			extra++
		}
	}
	distSym[30], distSym[31] = fBad, fBad
	for s := range clSym {
		clSym[s] = uint32(s) << 16
	}
}

// fixedTables are the codes of BTYPE=01 blocks (RFC 1951, 3.2.6).
var fixedTables = sync.OnceValue(func() [2]*table {
	var l [288]uint8
	for i := range l {
		switch {
		case i < 144:
			l[i] = 8
		case i < 256:
			l[i] = 9
		case i < 280:
			l[i] = 7
		default:
			l[i] = 8
		}
	}
	var d [32]uint8
	for i := range d {
		d[i] = 5
	}
	lit, dist := &table{}, &table{}
	if !lit.build(l[:], litSym[:], litBits) || !dist.build(d[:], distSym[:], distBits) {
		panic("inflate: fixed Huffman tables do not build")
	}
	return [2]*table{lit, dist}
})

// build makes the table for the code lengths of lens (symbol i has length
// lens[i], 0 for unused). It accepts what Go's compress/flate accepts:
// complete codes, a single code of one bit, and no codes at all (an
// empty table fails on first use).
func (h *table) build(lens []uint8, syms []uint32, primary uint) bool {
	var count [maxCodeLen + 1]int
	maxLen := 0
	for _, l := range lens {
		count[l]++
		maxLen = max(maxLen, int(l))
	}
	h.primary = primary
	size := 1 << primary
	h.t = h.t[:0]
	h.t = append(h.t, make([]uint32, size)...)
	// Unused entries (no codes, or the one-bit code's other half) fail
	// once a bit is there to look at.
	if maxLen == 0 {
		for i := range h.t {
			h.t[i] = fBad | 1
		}
		return true
	}
	code := 0
	for l := 1; l <= maxLen; l++ {
		code = code<<1 + count[l]
	}
	complete := code == 1<<maxLen
	if !complete && !(code == 1 && maxLen == 1) {
		return false
	}
	if !complete {
		for i := range h.t {
			h.t[i] = fBad | 1
		}
	}
	// Symbols in canonical order: by length, then by value.
	var offs [maxCodeLen + 2]int
	for l := 1; l <= maxCodeLen; l++ {
		offs[l+1] = offs[l] + count[l]
	}
	var sorted [288]uint16
	for s, l := range lens {
		if l != 0 {
			sorted[offs[l]] = uint16(s)
			offs[l]++
		}
	}
	n := offs[maxCodeLen] // offs[l] now ends length l's run
	next := 0             // the canonical code of the current symbol
	prevLen := 0
	linkPrefix, linkBase, linkBits := -1, 0, 0
	mask := size - 1
	for i := 0; i < n; i++ {
		s := int(sorted[i])
		l := int(lens[s])
		if prevLen != 0 {
			next = (next + 1) << (l - prevLen)
		}
		prevLen = l
		rev := int(bits.Reverse16(uint16(next)) >> (16 - l))
		e := syms[s] | uint32(l)
		if l <= int(primary) {
			for j := rev; j < size; j += 1 << l {
				h.t[j] = e
			}
			continue
		}
		p := rev & mask
		if p != linkPrefix {
			// A new subtable: as long as the longest code sharing this
			// prefix (they follow each other in canonical order).
			last := longestWithPrefix(sorted[i:n], lens, next, l, int(primary))
			linkPrefix, linkBase, linkBits = p, len(h.t), last-int(primary)
			h.t = append(h.t, make([]uint32, 1<<linkBits)...)
			h.t[p] = fLink | uint32(linkBase)<<16 | uint32(linkBits)<<8 | uint32(primary)
		}
		sub := rev >> primary
		for j := sub; j < 1<<linkBits; j += 1 << (l - int(primary)) {
			h.t[linkBase+j] = e
		}
	}
	return true
}

// longestWithPrefix is the length of the last code, in canonical order from
// the first symbol of run (whose code is code, of length l), that shares
// that code's first primary bits.
func longestWithPrefix(run []uint16, lens []uint8, code, l, primary int) int {
	prefix := code >> (l - primary)
	last := l
	for k := 1; k < len(run); k++ {
		nl := int(lens[run[k]])
		code = (code + 1) << (nl - last)
		if code>>(nl-primary) != prefix {
			break
		}
		last = nl
	}
	return last
}
