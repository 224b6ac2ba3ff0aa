package diffview

import (
	"bytes"
	"cmp"
	"regexp"
	"slices"
	"strings"

	"github.com/layerscope/layerscope/analysis/diff"
	"github.com/layerscope/layerscope/tree"
)

// Change kinds as the tree shows and hides them: diff's three and
// unmodified.
const (
	kindAdded = 1 << iota
	kindRemoved
	kindModified
	kindUnmodified
)

// vnode is one path of the view: NEW's merged tree plus what OLD had that
// NEW removed.
type vnode struct {
	name     string
	parent   int32
	children []int32
	change   int32 // index in Diff.Changes, -1 for none
	dir      bool
	link     string // a symlink's target
	size     int64  // NEW's bytes (OLD's for a removed path); a directory's: everything below
	delta    int64  // its own size delta plus everything below
	kinds    uint8  // the kinds of itself and everything below
}

// view is the tree the explorer draws.
type view struct {
	d     *diff.Diff
	nodes []vnode
}

// buildView makes the view of d: every live path of NEW, then the
// removed paths under their parents.
func buildView(d *diff.Diff) *view {
	v := &view{d: d, nodes: []vnode{{name: "/", parent: -1, change: -1, dir: true}}}
	nf := d.New.FS
	index := make([]int32, nf.Len()) // NEW's NodeID → view node
	type item struct {
		n tree.NodeID
		v int32
	}
	stack := []item{{tree.Root, 0}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		nf.Children(it.n, func(c tree.NodeID) bool {
			if !nf.Live(c) {
				return true
			}
			dir := true
			var size int64
			var link string
			if id := nf.Cur(c); id != tree.NoEntry {
				e := nf.Entry(id)
				dir, size = e.Type == tree.TypeDir, e.Bytes()
				if e.Type == tree.TypeSymlink {
					link = nf.LinkTarget(e)
				}
			}
			i := v.add(it.v, nf.Name(c), dir, size)
			v.nodes[i].link = link
			index[c] = i
			stack = append(stack, item{c, i})
			return true
		})
	}
	removedDirs := map[string]int32{}
	for ci, ch := range d.Changes {
		var i int32
		switch {
		case ch.Kind != diff.Removed:
			i = index[ch.New.Node]
		default:
			dir, base := splitPath(ch.Path)
			parent, ok := removedDirs[dir]
			if !ok {
				n, found := nf.Lookup(dir)
				if !found || (n != tree.Root && !nf.Live(n)) {
					continue // cannot happen: a removed path's parent is in one of the two
				}
				parent = index[n]
			}
			i = v.add(parent, base, ch.Old.Type == "dir", ch.Old.Size)
			if ch.Old.Type == "symlink" {
				v.nodes[i].link = ch.Old.LinkTarget
			}
			if ch.Old.Type == "dir" {
				removedDirs[ch.Path] = i
			}
		}
		v.nodes[i].change = int32(ci)
	}
	v.sum()
	for i := range v.nodes {
		n := &v.nodes[i]
		slices.SortFunc(n.children, func(a, b int32) int { return strings.Compare(v.nodes[a].name, v.nodes[b].name) })
	}
	return v
}

func (v *view) add(parent int32, name string, dir bool, size int64) int32 {
	i := int32(len(v.nodes))
	v.nodes = append(v.nodes, vnode{name: name, parent: parent, change: -1, dir: dir, size: size})
	v.nodes[parent].children = append(v.nodes[parent].children, i)
	return i
}

// sum fills in the directories' sizes, deltas and kinds, children before
// parents (nodes are appended after their parents).
func (v *view) sum() {
	for i := range v.nodes {
		n := &v.nodes[i]
		n.kinds = kindUnmodified
		if n.change >= 0 {
			ch := v.d.Changes[n.change]
			n.kinds, n.delta = kindBit(ch.Kind), ch.SizeDelta
		}
		if n.dir {
			n.size = 0
		}
	}
	for i := len(v.nodes) - 1; i > 0; i-- {
		n := &v.nodes[i]
		p := &v.nodes[n.parent]
		p.kinds |= n.kinds
		p.delta += n.delta
		// A removed path's bytes count in a removed parent only: NEW's
		// directories hold NEW's bytes.
		if v.removed(int32(i)) == v.removed(n.parent) {
			p.size += n.size
		}
	}
}

func (v *view) removed(i int32) bool {
	c := v.nodes[i].change
	return c >= 0 && v.d.Changes[c].Kind == diff.Removed
}

func kindBit(k diff.Kind) uint8 {
	switch k {
	case diff.Added:
		return kindAdded
	case diff.Removed:
		return kindRemoved
	}
	return kindModified
}

func splitPath(p string) (dir, base string) {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/", p[i+1:]
	}
	return p[:i], p[i+1:]
}

// path is the absolute path of node i.
func (v *view) path(i int32) string {
	var parts []string
	for ; i > 0; i = v.nodes[i].parent {
		parts = append(parts, v.nodes[i].name)
	}
	slices.Reverse(parts)
	return "/" + strings.Join(parts, "/")
}

// row is one line of the tree as drawn.
type row struct {
	node int32
	last bool // the last of its shown siblings: its guide is └──
}

// layout says which rows the tree shows.
type layout struct {
	hidden    uint8          // kinds not shown
	collapsed map[int32]bool // directories shown closed
	bySize    bool           // siblings by absolute delta, largest first
	keep      []bool         // with a filter: the matches and their ancestors
}

// rows flattens the view: a node is shown when its own kind is not
// hidden, or something below it is shown; its children only when it is
// open. last says, per node, whether it is the last of its shown
// siblings, which draws the guides (guides). The rows go into out's
// array and last into last's, when they are large enough: a key that
// changes the layout of a large diff rebuilds them without allocating.
func (v *view) rows(l layout, out []row, last []bool) ([]row, []bool) {
	out = out[:0]
	if len(last) == len(v.nodes) {
		clear(last)
	} else {
		last = make([]bool, len(v.nodes))
	}
	shown := func(i int32) bool {
		n := &v.nodes[i]
		if l.keep != nil && !l.keep[i] {
			return false
		}
		return n.kinds&^l.hidden != 0
	}
	// The shown children of every open directory on the way down, in one
	// stack: a frame is its directory's stretch of it.
	var kids []int32
	type frame struct{ from, next int }
	push := func(i int32) frame {
		from := len(kids)
		for _, c := range v.nodes[i].children {
			if shown(c) {
				kids = append(kids, c)
			}
		}
		if l.bySize {
			slices.SortStableFunc(kids[from:], func(a, b int32) int { return cmp.Compare(abs(v.nodes[b].delta), abs(v.nodes[a].delta)) })
		}
		if len(kids) > from {
			last[kids[len(kids)-1]] = true
		}
		return frame{from: from, next: from}
	}
	stack := []frame{push(0)}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.next == len(kids) {
			kids = kids[:top.from]
			stack = stack[:len(stack)-1]
			continue
		}
		c := kids[top.next]
		top.next++
		out = append(out, row{node: c, last: last[c]})
		if v.nodes[c].dir && !l.collapsed[c] {
			stack = append(stack, push(c))
		}
	}
	return out, last
}

// guides draws the tree lines left of node i's name, from last (rows').
func (v *view) guides(i int32, last []bool) string {
	g := "├── "
	if last[i] {
		g = "└── "
	}
	parts := []string{g}
	for a := v.nodes[i].parent; a > 0; a = v.nodes[a].parent {
		if last[a] {
			parts = append(parts, "    ")
		} else {
			parts = append(parts, "│   ")
		}
	}
	slices.Reverse(parts)
	return strings.Join(parts, "")
}

// match marks the nodes whose path matches (contains sub, or matches re
// when it is not nil), and their ancestors. One walk builds each path
// from its parent's in one buffer; a substring is looked for only where
// the path grew, as a parent's match is its children's.
func (v *view) match(sub string, re *regexp.Regexp) []bool {
	keep := make([]bool, len(v.nodes))
	hit := make([]bool, len(v.nodes))
	if re == nil && !strings.Contains(sub, "/") {
		// A path holds a substring without / when one of its names does:
		// each node from its parent's answer, parents first (nodes are
		// appended after their parents), no path built.
		for i := 1; i < len(v.nodes); i++ {
			p := v.nodes[i].parent
			hit[i] = p > 0 && hit[p] || strings.Contains(v.nodes[i].name, sub)
		}
		return v.keepHits(keep, hit)
	}
	needle := []byte(sub)
	buf := make([]byte, 0, 256)
	type frame struct {
		i      int32
		next   int
		pathAt int
	}
	stack := []frame{{i: 0}}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		kids := v.nodes[top.i].children
		if top.next == len(kids) {
			buf = buf[:top.pathAt]
			stack = stack[:len(stack)-1]
			continue
		}
		c := kids[top.next]
		top.next++
		start := len(buf)
		buf = append(append(buf[:start], '/'), v.nodes[c].name...)
		if re != nil {
			hit[c] = re.Match(buf)
		} else {
			hit[c] = hit[top.i] && top.i != 0 || bytes.Contains(buf[max(0, start-len(needle)+1):], needle)
		}
		if len(v.nodes[c].children) > 0 {
			stack = append(stack, frame{i: c, pathAt: start})
		} else {
			buf = buf[:start]
		}
	}
	return v.keepHits(keep, hit)
}

// keepHits marks in keep the hits and their ancestors, children first.
func (v *view) keepHits(keep, hit []bool) []bool {
	for i := len(v.nodes) - 1; i > 0; i-- {
		if keep[i] || hit[i] {
			keep[i] = true
			keep[v.nodes[i].parent] = true
		}
	}
	keep[0] = true
	return keep
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
