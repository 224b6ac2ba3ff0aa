package tree

import (
	"slices"
	"strings"
	"testing"
)

// TestPathRanks: the ranks order every node as its path string sorts,
// siblings that fall between a directory and its children included
// ("/a" < "/a-b" < "/a/x"), odd bytes too.
func TestPathRanks(t *testing.T) {
	fs := NewFS()
	for _, p := range []string{"a/x", "a-b", "a", "a/x/y", "a.b/c", "b\x00/z", "b", "\xff", "a0", "é/f", "a/-", "a/x-"} {
		fs.Node(p)
	}
	ranks := fs.PathRanks()
	var nodes []NodeID
	for n := NodeID(1); int(n) < fs.Len(); n++ {
		nodes = append(nodes, n)
	}
	byRank := slices.Clone(nodes)
	slices.SortFunc(byRank, func(a, b NodeID) int { return int(ranks[a]) - int(ranks[b]) })
	byPath := slices.Clone(nodes)
	slices.SortFunc(byPath, func(a, b NodeID) int { return strings.Compare(fs.Path(a), fs.Path(b)) })
	if !slices.Equal(byRank, byPath) {
		var got, want []string
		for i := range byRank {
			got, want = append(got, fs.Path(byRank[i])), append(want, fs.Path(byPath[i]))
		}
		t.Errorf("by rank %q\nby path %q", got, want)
	}
	if ranks[Root] != 0 {
		t.Errorf("the root's rank is %d", ranks[Root])
	}
}

func BenchmarkPathRanks(b *testing.B) {
	fs := NewFS()
	for l := range 10 {
		for i := range 20000 {
			fs.Node(strings.Join([]string{"layer0" + string(rune('0'+l)), "lvl1", "lvl2", "d" + string(rune('0'+i/1000%10)) + string(rune('0'+i/100%10)), "file-" + string(rune('0'+i%10)) + string(rune('0'+i/10%10)) + ".dat"}, "/"))
		}
	}
	for b.Loop() {
		fs.PathRanks()
	}
}
