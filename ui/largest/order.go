package largest

import (
	"math/rand/v2"
	"slices"
)

// order is the rows sorted lazily: at(i) puts in place the row that
// sorts at i by partitioning only the stretch around i (a quickselect),
// so the first screen of a list of n files costs about 2n comparisons,
// not n log n, and each screen after it about what it shows.
type order struct {
	rows  []row
	final []bool // rows[i] is the one that sorts at i
}

func newOrder(rows []row) order { return order{rows: rows, final: make([]bool, len(rows))} }

func (o *order) len() int { return len(o.rows) }

// small stretches are sorted whole.
const small = 24

// at is the row that sorts at i.
func (o *order) at(i int) row {
	if o.final[i] {
		return o.rows[i]
	}
	lo, hi := i, i+1
	for lo > 0 && !o.final[lo-1] {
		lo--
	}
	for hi < len(o.rows) && !o.final[hi] {
		hi++
	}
	for hi-lo > small {
		p := o.partition(lo, hi)
		o.final[p] = true
		switch {
		case i == p:
			return o.rows[i]
		case i < p:
			hi = p
		default:
			lo = p + 1
		}
	}
	slices.SortFunc(o.rows[lo:hi], func(a, b row) int {
		if before(a, b) {
			return -1
		}
		return 1 // no two rows are equal: each has its own path
	})
	for j := lo; j < hi; j++ {
		o.final[j] = true
	}
	return o.rows[i]
}

// partition splits rows[lo:hi] around a random pivot (an image cannot
// pick sizes that make every split uneven) and returns where it lands.
func (o *order) partition(lo, hi int) int {
	r := o.rows
	pv := lo + rand.IntN(hi-lo)
	r[pv], r[hi-1] = r[hi-1], r[pv]
	pivot, store := r[hi-1], lo
	for j := lo; j < hi-1; j++ {
		if before(r[j], pivot) {
			r[j], r[store] = r[store], r[j]
			store++
		}
	}
	r[store], r[hi-1] = r[hi-1], r[store]
	return store
}
