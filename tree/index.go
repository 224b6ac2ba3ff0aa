package tree

import "hash/maphash"

// index is an open-addressing hash table of IDs whose keys the caller
// derives from the ID itself (a node's parent and name, an interned
// string), so that it stores only a 32-bit hash and the ID: 8 bytes a slot,
// no pointers for the garbage collector to scan, and one probe sequence
// both to look a key up and, when it is missing, to insert it.
type index struct {
	slots []slot
	n     int
	// touched exists for the loads of addAll, which only warm the cache.
	touched uint32
}

// slot is a hash and id+1; id 0 marks an empty slot.
type slot struct{ h, id uint32 }

// find starts a lookup of hash h: call next on the probe until it reports
// the end of the chain (an empty slot, where insert puts a new ID).
func (x *index) find(h uint32) probe {
	if len(x.slots) == 0 {
		x.grow()
	}
	mask := uint32(len(x.slots) - 1)
	return probe{i: h & mask, mask: mask, h: h}
}

// probe walks the slots that may hold a hash.
type probe struct{ i, mask, h uint32 }

// next returns the next candidate ID with the probe's hash; ok is false
// at the empty slot that ends the chain.
func (p *probe) next(x *index) (id uint32, ok bool) {
	for {
		s := x.slots[p.i]
		if s.id == 0 {
			return 0, false
		}
		p.i = (p.i + 1) & p.mask
		if s.h == p.h {
			return s.id - 1, true
		}
	}
}

// insert puts id at the end of p's chain: p must have reached it (next
// returned false), with nothing inserted since find.
func (x *index) insert(p probe, id uint32) {
	x.slots[p.i] = slot{p.h, id + 1}
	x.n++
	if x.n*2 > len(x.slots) { // past half full, linear probing's chains grow long
		x.grow()
	}
}

// add inserts id with hash h, known to be absent.
func (x *index) add(h, id uint32) {
	p := x.find(h)
	for x.slots[p.i].id != 0 {
		p.i = (p.i + 1) & p.mask
	}
	x.insert(p, id)
}

// moveTo adds every ID of x to dst and empties x, keeping its slots.
//
// The IDs go in batches: each batch first loads the slot every one of its
// IDs starts at, loads that do not depend on each other, so that their
// cache misses overlap; the inserts after find those slots in the cache.
// (One by one, each insert waited for its miss: dst is large, its slots
// random. BenchmarkChild: 5-13 % less CPU.)
func (x *index) moveTo(dst *index) {
	dst.reserve(x.n)
	var batch [moveBatch]slot
	n := 0
	for i, s := range x.slots {
		if s.id == 0 {
			continue
		}
		x.slots[i] = slot{}
		batch[n] = s
		if n++; n == moveBatch {
			dst.addAll(batch[:])
			n = 0
		}
	}
	dst.addAll(batch[:n])
	x.n = 0
}

// moveBatch is how many inserts moveTo starts together.
const moveBatch = 16

// addAll adds the IDs of batch, known to be absent, which fit without
// growing.
func (x *index) addAll(batch []slot) {
	var warm uint32
	mask := uint32(len(x.slots) - 1)
	for _, s := range batch {
		warm |= x.slots[s.h&mask].id // only to start the load
	}
	x.touched += warm & 1 // keeps the loads: the compiler would drop unused ones
	for _, s := range batch {
		x.add(s.h, s.id-1)
	}
}

// reserve makes room for n more IDs without growing on the way: the
// slots are rehashed once, to the size they need, not once a doubling.
func (x *index) reserve(n int) {
	size := max(len(x.slots), 64)
	for (x.n+n)*2 > size {
		size *= 2
	}
	if size > len(x.slots) {
		x.resize(size)
	}
}

func (x *index) grow() { x.resize(max(2*len(x.slots), 64)) }

// resize rehashes every ID into size slots (a power of two).
func (x *index) resize(size int) {
	old := x.slots
	x.slots = make([]slot, size)
	mask := uint32(len(x.slots) - 1)
	for _, s := range old {
		if s.id == 0 {
			continue
		}
		i := s.h & mask
		for x.slots[i].id != 0 {
			i = (i + 1) & mask
		}
		x.slots[i] = s
	}
}

// strHash hashes a string for an index; seed is its table's.
func strHash(seed maphash.Seed, s string) uint64 { return maphash.String(seed, s) }

// fold mixes a 64-bit hash (and an ID to combine it with) into the 32 bits
// an index keeps; every bit of both reaches the low bits that pick a slot.
func fold(h uint64, with uint32) uint32 {
	h ^= uint64(with) * 0x9e3779b97f4a7c15
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return uint32(h)
}
