package tree

import "slices"

// What the explorer asks of the tree for its lists over every path.

// NameID is the interned ID of id's name: nodes with equal names share it,
// so a caller can compute something once per distinct name.
func (t *Tree) NameID(id NodeID) NameID { return t.node(id).name }

// PathRanks numbers every node, live or not, in the byte-wise order of its
// absolute path (the root is 0), so that a list of paths sorts by integer
// instead of by building and comparing strings. It orders siblings as
// WalkSorted does, a child's own path apart from the paths below it.
func (f *FS) PathRanks() []uint32 {
	ranks := make([]uint32, f.Len())
	next := uint32(1)
	// The items of every directory on the way down, in one stack: a
	// frame is its directory's stretch of it.
	type item struct {
		name  string
		n     NodeID
		below bool
	}
	var items []item
	type frame struct{ from, next int }
	push := func(n NodeID) frame {
		from := len(items)
		f.Children(n, func(c NodeID) bool {
			name := f.Name(c)
			items = append(items, item{name: name, n: c})
			if f.HasChildren(c) {
				items = append(items, item{name: name, n: c, below: true})
			}
			return true
		})
		slices.SortFunc(items[from:], func(a, b item) int { return compareKeys(a.name, a.below, b.name, b.below) })
		return frame{from: from, next: from}
	}
	stack := []frame{push(Root)}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.next == len(items) {
			items = items[:top.from]
			stack = stack[:len(stack)-1]
			continue
		}
		it := items[top.next]
		top.next++
		if !it.below {
			ranks[it.n] = next
			next++
			continue
		}
		stack = append(stack, push(it.n))
	}
	return ranks
}
