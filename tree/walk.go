package tree

import (
	"bytes"
	"cmp"
	"regexp"
	"slices"
	"strings"
)

// WalkMerged calls fn, parents before children, for every path of the merged
// file system after the last layer, the root excluded. id is NoEntry for a
// directory that exists only because something below it does.
func (f *FS) WalkMerged(fn func(n NodeID, id EntryID)) {
	// An explicit stack: image paths can be thousands of levels deep.
	stack := []NodeID{Root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n != Root {
			fn(n, f.node(n).cur)
		}
		f.Children(n, func(c NodeID) bool {
			if f.node(c).live > 0 {
				stack = append(stack, c)
			}
			return true
		})
	}
}

// MergedPaths returns the nodes of the merged file system sorted by their
// absolute paths, byte-wise (as `LC_ALL=C sort` orders them).
func (f *FS) MergedPaths() []NodeID {
	type item struct {
		path string
		n    NodeID
	}
	var items []item
	f.WalkMerged(func(n NodeID, _ EntryID) {
		items = append(items, item{f.Path(n), n})
	})
	slices.SortFunc(items, func(a, b item) int { return strings.Compare(a.path, b.path) })
	out := make([]NodeID, len(items))
	for i, it := range items {
		out[i] = it.n
	}
	return out
}

// SortOrder orders siblings.
type SortOrder uint8

const (
	// ByName sorts siblings by name, byte-wise.
	ByName SortOrder = iota
	// BySize sorts siblings by size, largest first, then by name.
	BySize
)

// SortChildren returns the children of n that keep reports true, ordered
// by order. size gives a node's size for BySize (it may be nil for ByName).
func (f *FS) SortChildren(n NodeID, order SortOrder, keep func(NodeID) bool, size func(NodeID) int64) []NodeID {
	var out []NodeID
	f.Children(n, func(c NodeID) bool {
		if keep == nil || keep(c) {
			out = append(out, c)
		}
		return true
	})
	byName := func(a, b NodeID) int { return strings.Compare(f.Name(a), f.Name(b)) }
	switch order {
	case BySize:
		slices.SortFunc(out, func(a, b NodeID) int {
			if c := cmp.Compare(size(b), size(a)); c != 0 {
				return c
			}
			return byName(a, b)
		})
	default:
		slices.SortFunc(out, byName)
	}
	return out
}

// MatchPaths marks, per node, the paths that contain q (or match re when
// it is not nil) and, in keep, those and their ancestors, so that a tree
// view can show the way to each match. One walk builds every path from its
// parent's; a substring is looked for only in the new part of a path.
func (f *FS) MatchPaths(q string, re *regexp.Regexp) (keep, match []bool) {
	keep, match = make([]bool, f.Len()), make([]bool, f.Len())
	needle := []byte(q)
	buf := make([]byte, 0, 256)
	var walk func(n NodeID, parentMatched bool) bool
	walk = func(n NodeID, parentMatched bool) bool {
		any := false
		f.Children(n, func(c NodeID) bool {
			start := len(buf)
			buf = append(buf, '/')
			buf = append(buf, f.Name(c)...)
			var hit bool
			if re != nil {
				hit = re.Match(buf)
			} else {
				from := max(0, start-len(needle)+1)
				hit = parentMatched || bytes.Contains(buf[from:], needle)
			}
			match[c] = hit
			sub := walk(c, hit && re == nil)
			if hit || sub {
				keep[c] = true
				any = true
			}
			buf = buf[:start]
			return true
		})
		return any
	}
	walk(Root, false)
	return keep, match
}
