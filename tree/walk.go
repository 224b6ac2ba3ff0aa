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
	var out []NodeID
	f.WalkSorted(nil, func(_ []byte, n NodeID) error {
		out = append(out, n)
		return nil
	})
	return out
}

// WalkSorted calls fn for every path of the merged file system (the root
// excluded) in the byte-wise order of the absolute paths, without holding
// more than one path at a time: a path 200,000 levels deep costs its own
// length, not the sum of its parents'. path is built in one reused buffer
// by appending "/" and appendName(path, name) to its parent's (nil appends
// the name as is; a JSON writer can append it escaped); fn must not keep
// it. The walk stops at fn's first error and returns it.
func (f *FS) WalkSorted(appendName func(dst []byte, name string) []byte, fn func(path []byte, n NodeID) error) error {
	if appendName == nil {
		appendName = func(dst []byte, name string) []byte { return append(dst, name...) }
	}
	// One frame per directory on the way down, each with its children's
	// items in order: together at most two items per node.
	type frame struct {
		items   []sortItem
		next    int
		pathLen int // of the directory's path in buf
	}
	stack := []frame{{items: f.sortedItems(Root)}}
	buf := make([]byte, 0, 256)
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.next == len(top.items) {
			stack = stack[:len(stack)-1]
			continue
		}
		it := top.items[top.next]
		top.next++
		buf = appendName(append(buf[:top.pathLen], '/'), f.Name(it.n))
		if !it.below {
			if err := fn(buf, it.n); err != nil {
				return err
			}
			continue
		}
		stack = append(stack, frame{items: f.sortedItems(it.n), pathLen: len(buf)})
	}
	return nil
}

// sortItem is a child's own path (name) or the paths below it (name + "/"
// + ...). The two are ordered apart because a sibling can fall between
// them: "/a" < "/a-b" < "/a/x" ('-' sorts before '/').
type sortItem struct {
	n     NodeID
	below bool
}

// sortedItems returns the items of n's live children in byte-wise order.
func (f *FS) sortedItems(n NodeID) []sortItem {
	var items []sortItem
	f.Children(n, func(c NodeID) bool {
		if f.Live(c) {
			items = append(items, sortItem{n: c})
			if f.HasLiveChild(c) {
				items = append(items, sortItem{n: c, below: true})
			}
		}
		return true
	})
	slices.SortFunc(items, func(a, b sortItem) int {
		return compareKeys(f.Name(a.n), a.below, f.Name(b.n), b.below)
	})
	return items
}

// compareKeys compares a and b byte-wise, each followed by "/" when its
// slash is set.
func compareKeys(a string, aSlash bool, b string, bSlash bool) int {
	n := min(len(a), len(b))
	if c := strings.Compare(a[:n], b[:n]); c != 0 {
		return c
	}
	at := func(s string, slash bool, i int) int {
		switch {
		case i < len(s):
			return int(s[i])
		case slash && i == len(s):
			return '/'
		}
		return -1 // the end sorts first
	}
	for i := n; ; i++ {
		x, y := at(a, aSlash, i), at(b, bSlash, i)
		if x != y || x < 0 {
			return cmp.Compare(x, y)
		}
	}
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
