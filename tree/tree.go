// Package tree holds the file tree of a container image: every path that any
// layer mentions, each layer's entries at those paths, and the queries that
// answer "what is at this path after layer k" without keeping one copy of the
// tree per layer.
//
// Paths are stored as nodes (parent, interned name, first child, next
// sibling) in one slice, so a tree of a million paths costs a few dozen bytes
// per path and no map or string per leaf.
package tree

import (
	"strings"
)

// NodeID identifies a path. Root is the image's root directory.
type NodeID uint32

// Root is the NodeID of "/".
const Root NodeID = 0

// noNode marks the end of a sibling list or a missing link.
const noNode = ^NodeID(0)

type node struct {
	parent      NodeID
	name        NameID
	firstChild  NodeID
	nextSibling NodeID

	// The layered state kept by FS.
	last EntryID // newest entry at the node (head of the Prev chain)
	cur  EntryID // entry visible in the merged state, or NoEntry
	live uint32  // visible entries in the node's subtree, itself included
}

// Tree is the set of all paths seen in an image. It only grows.
type Tree struct {
	names *Names
	nodes chunked[node]
	// The nodes by parent and name, in two indexes: the recent ones (from
	// node pending on) in a small one that stays in the CPU's cache, the
	// rest in a large one. A child of a recent node is recent, so most
	// lookups while a layer is merged (a new directory filled) never touch
	// the large index, and moving recent nodes into it in bulk lets their
	// cache misses overlap instead of paying them one after another.
	children index
	recent   index
	pending  NodeID
}

// recentMax is how many nodes the recent index holds before they move to
// the large one: 32k slots' worth, 256 KiB.
const recentMax = 16 << 10

// NewTree returns a tree holding only the root.
func NewTree() *Tree {
	t := &Tree{names: NewNames(), pending: 1}
	t.nodes.append(node{parent: noNode, firstChild: noNode, nextSibling: noNode, last: NoEntry, cur: NoEntry})
	return t
}

// Len is the number of nodes, root included.
func (t *Tree) Len() int { return t.nodes.len() }

func (t *Tree) node(id NodeID) *node { return t.nodes.at(int(id)) }

// Names is the interner of the tree's path components.
func (t *Tree) Names() *Names { return t.names }

// Child returns the child of parent called name, adding it when missing.
// Its name is interned only for a new node.
func (t *Tree) Child(parent NodeID, name string) NodeID {
	sh := strHash(t.names.seed, name)
	h := fold(sh, uint32(parent))
	if parent < t.pending {
		if id, ok := t.findChild(&t.children, h, parent, name); ok {
			return id
		}
	}
	p := t.recent.find(h)
	for {
		id, ok := p.next(&t.recent)
		if !ok {
			break
		}
		if c := t.node(NodeID(id)); c.parent == parent && t.names.String(c.name) == name {
			return NodeID(id)
		}
	}
	nid := t.names.intern(name, sh)
	pn := t.node(parent)
	id := NodeID(t.nodes.append(node{parent: parent, name: nid, firstChild: noNode, nextSibling: pn.firstChild, last: NoEntry, cur: NoEntry}))
	t.node(parent).firstChild = id
	t.recent.insert(p, uint32(id))
	if t.recent.n >= recentMax {
		t.recent.moveTo(&t.children)
		t.pending = id + 1
	}
	return id
}

// findChild looks the child of parent called name (hashed to h) up in x.
func (t *Tree) findChild(x *index, h uint32, parent NodeID, name string) (NodeID, bool) {
	p := x.find(h)
	for {
		id, ok := p.next(x)
		if !ok {
			return 0, false
		}
		if c := t.node(NodeID(id)); c.parent == parent && t.names.String(c.name) == name {
			return NodeID(id), true
		}
	}
}

// LookupChild returns the child of parent called name, if there is one.
func (t *Tree) LookupChild(parent NodeID, name string) (NodeID, bool) {
	h := fold(strHash(t.names.seed, name), uint32(parent))
	if id, ok := t.findChild(&t.children, h, parent, name); ok {
		return id, true
	}
	return t.findChild(&t.recent, h, parent, name)
}

// Insert returns the node of a clean relative path ("a/b/c", "" for the
// root), adding any missing nodes on the way.
func (t *Tree) Insert(p string) NodeID {
	id := Root
	for p != "" {
		var name string
		name, p, _ = strings.Cut(p, "/")
		id = t.Child(id, name)
	}
	return id
}

// Lookup returns the node of a path ("/a/b", "a/b"), if it exists.
func (t *Tree) Lookup(p string) (NodeID, bool) {
	id := Root
	p = strings.Trim(p, "/")
	for p != "" {
		var name string
		var ok bool
		name, p, _ = strings.Cut(p, "/")
		if id, ok = t.LookupChild(id, name); !ok {
			return 0, false
		}
	}
	return id, true
}

// Parent returns the parent of id; the root is its own parent.
func (t *Tree) Parent(id NodeID) NodeID {
	if id == Root {
		return Root
	}
	return t.node(id).parent
}

// Name returns the last path component of id ("" for the root).
func (t *Tree) Name(id NodeID) string { return t.names.String(t.node(id).name) }

// Depth is the number of components in id's path (0 for the root).
func (t *Tree) Depth(id NodeID) int {
	d := 0
	for id != Root {
		id = t.node(id).parent
		d++
	}
	return d
}

// Path returns the absolute path of id, "/" for the root.
func (t *Tree) Path(id NodeID) string {
	if id == Root {
		return "/"
	}
	n := 0
	for i := id; i != Root; i = t.node(i).parent {
		n += 1 + len(t.Name(i))
	}
	buf := make([]byte, n)
	for i := id; i != Root; i = t.node(i).parent {
		name := t.Name(i)
		n -= len(name)
		copy(buf[n:], name)
		n--
		buf[n] = '/'
	}
	return string(buf)
}

// IsAncestor reports whether a is a strict ancestor of d.
func (t *Tree) IsAncestor(a, d NodeID) bool {
	for d != Root {
		d = t.node(d).parent
		if d == a {
			return true
		}
	}
	return false
}

// Children calls fn for each child of id, in no particular order, until fn
// returns false.
func (t *Tree) Children(id NodeID, fn func(NodeID) bool) {
	for c := t.node(id).firstChild; c != noNode; c = t.node(c).nextSibling {
		if !fn(c) {
			return
		}
	}
}

// HasChildren reports whether any path lies below id.
func (t *Tree) HasChildren(id NodeID) bool { return t.node(id).firstChild != noNode }
