package tree

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestChildIndexAgreesWithAMap builds a tree of many directories whose
// children share names (as layers repeat them) through growth of the
// index, and checks every lookup against a plain map.
func TestChildIndexAgreesWithAMap(t *testing.T) {
	tr := NewTree()
	type key struct {
		parent NodeID
		name   string
	}
	want := map[key]NodeID{}
	dirs := []NodeID{Root}
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 200000 {
		parent := dirs[rng.IntN(len(dirs))]
		name := fmt.Sprintf("n%d", rng.IntN(5000))
		if i%7 == 0 {
			name = "" // the empty string is a name too (ID 0)
		}
		id := tr.Child(parent, name)
		k := key{parent, name}
		if old, ok := want[k]; ok && old != id {
			t.Fatalf("Child(%d, %q) = %d, earlier %d", parent, name, id, old)
		}
		want[k] = id
		if tr.Parent(id) != parent || tr.Name(id) != name {
			t.Fatalf("node %d: parent %d name %q, want %d %q", id, tr.Parent(id), tr.Name(id), parent, name)
		}
		if i%10 == 0 {
			dirs = append(dirs, id)
		}
	}
	if tr.Len() != len(want)+1 {
		t.Fatalf("%d nodes for %d distinct children", tr.Len(), len(want))
	}
	for k, id := range want {
		if got, ok := tr.LookupChild(k.parent, k.name); !ok || got != id {
			t.Fatalf("LookupChild(%d, %q) = %d, %v; want %d", k.parent, k.name, got, ok, id)
		}
	}
	for _, d := range dirs[:100] {
		if _, ok := tr.LookupChild(d, "absent"); ok {
			t.Fatalf("LookupChild found an absent name under %d", d)
		}
	}
}

func TestNamesInternOnce(t *testing.T) {
	n := NewNames()
	if n.Intern("") != 0 || n.Len() != 1 {
		t.Fatal("the empty string is not ID 0")
	}
	ids := map[string]NameID{}
	for i := range 50000 {
		s := fmt.Sprint(i % 20000)
		id := n.Intern(s)
		if old, ok := ids[s]; ok && old != id {
			t.Fatalf("%q interned as %d and %d", s, old, id)
		}
		ids[s] = id
		if n.String(id) != s {
			t.Fatalf("String(%d) = %q, want %q", id, n.String(id), s)
		}
	}
	if n.Len() != 20001 {
		t.Fatalf("%d names, want 20001", n.Len())
	}
	if _, ok := n.Lookup("nope"); ok {
		t.Fatal("Lookup found a name never interned")
	}
	if id, ok := n.Lookup("123"); !ok || id != ids["123"] {
		t.Fatalf("Lookup(123) = %d, %v", id, ok)
	}
}

// BenchmarkChild adds the paths of a million files in 50 layers as the
// merge does (each layer a tree of new directories, file names repeated
// across layers), then looks every one up again.
func BenchmarkChild(b *testing.B) {
	files := make([]string, 20000)
	for i := range files {
		files[i] = fmt.Sprintf("file-%06d.dat", i)
	}
	dirs := make([]string, 200)
	for d := range dirs {
		dirs[d] = fmt.Sprintf("lvl1/lvl2/d%04d", d)
	}
	for b.Loop() {
		tr := NewTree()
		for l := range 50 {
			top := tr.Child(Root, fmt.Sprintf("layer%02d", l))
			for d, dir := range dirs {
				n := top
				for _, c := range strings.Split(dir, "/") {
					n = tr.Child(n, c)
				}
				for _, f := range files[d*100 : d*100+100] {
					tr.Child(n, f)
				}
			}
		}
		if tr.Len() < 1000000 {
			b.Fatalf("%d nodes", tr.Len())
		}
	}
}

// TestIndexMoveTo moves IDs (some sharing a hash, a whole batch of them
// included) into an index in use, through its growth, and finds every one
// afterwards in its own chain.
func TestIndexMoveTo(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var dst, src index
	hashes := map[uint32]uint32{} // id → hash
	next := uint32(0)
	for round := range 20 {
		for range 1000 + round*500 {
			h := rng.Uint32()
			if rng.IntN(32) == 0 {
				h = uint32(rng.IntN(16)) << 28 // many IDs on a few chains
			}
			src.add(h, next)
			hashes[next] = h
			next++
		}
		src.moveTo(&dst)
		if src.n != 0 {
			t.Fatalf("%d IDs left after moveTo", src.n)
		}
	}
	if dst.n != len(hashes) {
		t.Fatalf("%d IDs in the index, %d added", dst.n, len(hashes))
	}
	for id, h := range hashes {
		p := dst.find(h)
		found := false
		for {
			got, ok := p.next(&dst)
			if !ok {
				break
			}
			found = found || got == id
		}
		if !found {
			t.Fatalf("ID %d (hash %#x) not in its chain", id, h)
		}
	}
}

// TestReserve: after Reserve(n), adding nodes up to n never grows the child
// index, and every node is still found.
func TestReserve(t *testing.T) {
	tr := NewTree()
	const n = 100000
	tr.Reserve(n)
	size := len(tr.children.slots)
	if size < 2*n {
		t.Fatalf("Reserve(%d) left %d slots", n, size)
	}
	var ids []NodeID
	for i := range n - 1 {
		ids = append(ids, tr.Child(NodeID(i/100), fmt.Sprintf("c%d", i)))
	}
	if len(tr.children.slots) != size {
		t.Errorf("the index grew from %d to %d slots below the reserved size", size, len(tr.children.slots))
	}
	for i, id := range ids {
		if got, ok := tr.LookupChild(NodeID(i/100), fmt.Sprintf("c%d", i)); !ok || got != id {
			t.Fatalf("LookupChild(c%d) = %d, %v; want %d", i, got, ok, id)
		}
	}
	tr.Reserve(10) // less than it holds: nothing to do
	if len(tr.children.slots) != size {
		t.Errorf("Reserve of fewer nodes changed the index")
	}
}
