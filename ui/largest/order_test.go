package largest

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestOrderLazy: whatever rows are asked for, in whatever order, each is
// the one a full sort puts there; sizes repeat a lot, as in an image.
func TestOrderLazy(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 2, small, small + 1, 100, 5000} {
		rows := make([]row, n)
		for i, rank := range r.Perm(n) {
			rows[i] = row{size: int64(r.IntN(8)) * 100, rank: uint32(rank), id: 0}
		}
		want := slices.Clone(rows)
		slices.SortFunc(want, func(a, b row) int {
			if before(a, b) {
				return -1
			}
			return 1
		})
		o := newOrder(rows)
		// A screen at the top, the end, pages down, then everything at random.
		asks := []int{0, 1, 2, n - 1, n / 2, n/2 + 1}
		asks = append(asks, r.Perm(n)...)
		for _, i := range asks {
			if i < 0 || i >= n {
				continue
			}
			if got := o.at(i); got != want[i] {
				t.Fatalf("n=%d: row %d is %+v, want %+v", n, i, got, want[i])
			}
		}
	}
}
