package tree

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestWalkSortedOrder: the streaming walk lists exactly the merged paths in
// the order a sort of the full paths gives, for names with bytes on both
// sides of '/' (where a sibling falls between a directory and its
// contents) and implicit parents.
func TestWalkSortedOrder(t *testing.T) {
	alphabet := []string{"a", "a-b", "a.", "a0", "a!", "ab", "\x01", "é", "A", "a/b", "~"}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 50 {
		f := NewFS()
		f.BeginLayer()
		for range 40 {
			var parts []string
			for range 1 + rng.IntN(4) {
				parts = append(parts, alphabet[rng.IntN(len(alphabet))])
			}
			n := f.Node(strings.Join(parts, "/"))
			if f.Cur(n) == NoEntry {
				f.Show(f.Add(Entry{Node: n, Type: TypeFile}))
			}
		}
		var want []string
		f.WalkMerged(func(n NodeID, _ EntryID) { want = append(want, f.Path(n)) })
		slices.Sort(want)
		var got []string
		f.WalkSorted(nil, func(p []byte, n NodeID) error {
			if string(p) != f.Path(n) {
				t.Fatalf("path %q for node %q", p, f.Path(n))
			}
			got = append(got, string(p))
			return nil
		})
		if !slices.Equal(got, want) {
			t.Fatalf("round %d: WalkSorted = %q\nwant %q", round, got, want)
		}
	}
}

// deepFS is one path depth levels deep, every level an entry.
func deepFS(depth int) (*FS, NodeID) {
	f := NewFS()
	f.BeginLayer()
	n := Root
	for range depth {
		n = f.Child(n, "d")
		f.Show(f.Add(Entry{Node: n, Type: TypeDir}))
	}
	return f, n
}

// walkAlloc returns the bytes allocated by a walk of a path depth levels
// deep, and the path bytes it walked.
func walkAlloc(depth int) (alloc uint64, walked int) {
	f, _ := deepFS(depth)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f.WalkSorted(nil, func(p []byte, _ NodeID) error { walked += len(p); return nil })
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, walked
}

// TestWalkSortedDeepIsLinear: walking a path 20,000 levels deep allocates in
// proportion to the nodes, not to the sum of the path lengths (20,000 paths
// of up to 40,000 bytes: 400 MB if each were held); twice the depth costs
// about twice, not four times.
func TestWalkSortedDeepIsLinear(t *testing.T) {
	const depth = 20000
	half, _ := walkAlloc(depth / 2)
	alloc, walked := walkAlloc(depth)
	if want := depth * (depth + 1); walked != want {
		t.Fatalf("walked %d path bytes, want %d", walked, want)
	}
	t.Logf("%d levels: %d path bytes walked, %d bytes allocated (%d for half the depth)", depth, walked, alloc, half)
	if limit := uint64(500 * depth); alloc > limit {
		t.Errorf("allocated %d bytes for %d nodes, want at most %d (linear)", alloc, depth, limit)
	}
	if alloc > 3*half {
		t.Errorf("twice the depth allocates %.1f times as much", float64(alloc)/float64(half))
	}
}
