package advice

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/layerscope/layerscope/tree"
)

// randomFS is one layer of n files with sizes from a few values (so that
// many tie), some of them directories.
func randomFS(rng *rand.Rand, n int) (*tree.FS, []tree.EntryID) {
	f := tree.NewFS()
	f.BeginLayer()
	var ids []tree.EntryID
	for i := range n {
		e := tree.Entry{Node: f.Node(fmt.Sprintf("d%d/f%d", i%7, i)), Size: int64(rng.IntN(5)) * 100}
		if rng.IntN(10) == 0 {
			e.Type, e.Size = tree.TypeDir, 0
		}
		ids = append(ids, f.Add(e))
	}
	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	return f, ids
}

// TestPaths: the kept list gives what a stable sort of all the entries by
// size gives (largest first, ties in the given order), for groups shorter
// and longer than maxPaths.
func TestPaths(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 5, maxPaths - 1, maxPaths, maxPaths + 1, 100, 3000} {
		f, ids := randomFS(rng, n)
		sorted := slices.Clone(ids)
		slices.SortStableFunc(sorted, func(a, b tree.EntryID) int { return cmp.Compare(f.Entry(b).Bytes(), f.Entry(a).Bytes()) })
		var want []string
		for _, id := range sorted[:min(len(sorted), maxPaths)] {
			want = append(want, f.Path(f.Entry(id).Node))
		}
		if got := paths(f, ids); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("%d entries: paths = %q, want %q", n, got, want)
		}
	}
}

// TestReclaimable: overlapping claims count each entry once.
func TestReclaimable(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	f, ids := randomFS(rng, 1000)
	var fs []Finding
	want, seen := int64(0), map[tree.EntryID]bool{}
	for k := range 5 {
		claims := ids[k*150 : k*150+300] // each overlaps the next
		fs = append(fs, Finding{claims: claims})
		for _, id := range claims {
			if !seen[id] {
				seen[id] = true
				want += f.Entry(id).Bytes()
			}
		}
	}
	if got := reclaimable(f, fs); got != want || want == 0 {
		t.Errorf("reclaimable = %d, want %d", got, want)
	}
}
