package tree

import (
	"regexp"
	"slices"
	"testing"
)

func TestInsertLookupPath(t *testing.T) {
	tr := NewTree()
	a := tr.Insert("usr/lib/x")
	if got := tr.Path(a); got != "/usr/lib/x" {
		t.Errorf("Path = %q", got)
	}
	if b := tr.Insert("usr/lib/x"); b != a {
		t.Errorf("Insert is not idempotent: %d != %d", b, a)
	}
	if n, ok := tr.Lookup("/usr/lib/x"); !ok || n != a {
		t.Errorf("Lookup = %d, %v", n, ok)
	}
	if _, ok := tr.Lookup("/usr/nope"); ok {
		t.Error("Lookup of a missing path succeeded")
	}
	usr, _ := tr.Lookup("usr")
	if !tr.IsAncestor(usr, a) || tr.IsAncestor(a, usr) || tr.Depth(a) != 3 || tr.Parent(Root) != Root {
		t.Error("ancestry is wrong")
	}
	if tr.Path(Root) != "/" || tr.Len() != 4 {
		t.Errorf("root path %q, %d nodes", tr.Path(Root), tr.Len())
	}
}

// build makes a two-layer FS by hand: layer 0 /d, /d/a, /d/b; layer 1
// deletes /d/a and adds /e.
func build() *FS {
	f := NewFS()
	f.BeginLayer()
	for _, p := range []string{"d", "d/a", "d/b"} {
		typ := TypeFile
		if p == "d" {
			typ = TypeDir
		}
		f.Show(f.Add(Entry{Node: f.Node(p), Type: typ, Size: int64(len(p))}))
	}
	f.BeginLayer()
	a := f.Node("d/a")
	f.Add(Entry{Node: a, Type: TypeWhiteout})
	f.Hide(a, 1)
	f.Show(f.Add(Entry{Node: f.Node("e"), Type: TypeFile, Size: 9}))
	return f
}

func TestVisibleAtAndLive(t *testing.T) {
	f := build()
	a, _ := f.Lookup("d/a")
	e, _ := f.Lookup("e")
	if f.VisibleAt(a, 0) == NoEntry || f.VisibleAt(a, 1) != NoEntry {
		t.Error("/d/a should be visible after layer 0 only")
	}
	if f.VisibleAt(e, 0) != NoEntry || f.VisibleAt(e, 1) == NoEntry {
		t.Error("/e should be visible after layer 1 only")
	}
	if f.Live(a) || !f.Live(Root) || !f.LiveAt(a, 0) || f.LiveAt(e, 0) {
		t.Error("live marks are wrong")
	}
	if by, ok := f.Entry(f.LayerStart(0) + 1).Shadowed(); !ok || by != 1 {
		t.Errorf("/d/a shadowed = %d, %v", by, ok)
	}
	n := 0
	f.History(a, func(EntryID, *Entry) bool { n++; return true })
	if n != 2 {
		t.Errorf("history of /d/a has %d entries, want 2", n)
	}
}

func TestHideBelowCostsOnlyLiveNodes(t *testing.T) {
	f := build()
	d, _ := f.Lookup("d")
	f.BeginLayer()
	f.HideBelow(d, 2, 2)
	if f.HasLiveChild(d) {
		t.Error("children of /d still visible")
	}
	if f.Cur(d) == NoEntry {
		t.Error("HideBelow hid /d itself")
	}
}

func TestMergedPathsSortedBytewise(t *testing.T) {
	f := NewFS()
	f.BeginLayer()
	for _, p := range []string{"apt/x", "apt.conf", "apt-b", "Z"} {
		f.Show(f.Add(Entry{Node: f.Node(p), Type: TypeFile}))
	}
	var got []string
	for _, n := range f.MergedPaths() {
		got = append(got, f.Path(n))
	}
	want := []string{"/Z", "/apt", "/apt-b", "/apt.conf", "/apt/x"}
	if !slices.Equal(got, want) {
		t.Errorf("MergedPaths = %q, want %q", got, want)
	}
}

func TestSortChildrenAndFilter(t *testing.T) {
	f := build()
	d, _ := f.Lookup("d")
	var names []string
	for _, c := range f.SortChildren(Root, BySize, nil, func(n NodeID) int64 { return int64(len(f.Name(n))) }) {
		names = append(names, f.Name(c))
	}
	if !slices.Equal(names, []string{"d", "e"}) {
		t.Errorf("BySize = %q", names)
	}
	keep, match := f.MatchPaths("/b", nil)
	b, _ := f.Lookup("d/b")
	e, _ := f.Lookup("e")
	if !match[b] || match[d] || !keep[b] || !keep[d] || keep[e] {
		t.Errorf("substring /b: keep %v match %v, want /d/b matched and /d kept on the way", keep, match)
	}
	keep, match = f.MatchPaths("", regexp.MustCompile(`^/d/a$`))
	a, _ := f.Lookup("d/a")
	if !match[a] || match[b] || !keep[d] || keep[e] {
		t.Errorf("regex: keep %v match %v", keep, match)
	}
}
