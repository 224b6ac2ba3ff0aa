package tree

import "iter"

// FS is the layered file system of one image: the tree of paths, every
// layer's entries, and the merged state after the last layer. The state after
// any earlier layer is derived from the entries' shadow marks (see
// VisibleAt), so no per-layer copy of the tree exists.
//
// FS is built by one goroutine, layer by layer (BeginLayer, Add, Show, Hide,
// HideBelow); after that it is read-only and safe for concurrent readers.
type FS struct {
	*Tree
	links   *Names
	entries chunked[Entry]
	starts  []EntryID // first entry of each layer
}

// NewFS returns an empty file system.
func NewFS() *FS {
	return &FS{Tree: NewTree(), links: NewNames()}
}

// Node returns the node of a clean relative path, adding it when missing.
func (f *FS) Node(p string) NodeID {
	return f.Tree.Insert(p)
}

// Child returns the child of parent called name, adding it when missing.
func (f *FS) Child(parent NodeID, name string) NodeID {
	if name == "" {
		return parent
	}
	return f.Tree.Child(parent, name)
}

// InternLink interns a symlink target for Entry.Link.
func (f *FS) InternLink(s string) uint32 { return uint32(f.links.Intern(s)) }

// LinkTarget returns the target of a symlink or hardlink entry: the symlink's
// text as stored, or the hardlink target's absolute path.
func (f *FS) LinkTarget(e *Entry) string {
	switch e.Type {
	case TypeSymlink:
		return f.links.String(NameID(e.Link))
	case TypeHardlink:
		return f.Path(NodeID(e.Link))
	}
	return ""
}

// BeginLayer starts the entries of the next layer.
func (f *FS) BeginLayer() int {
	f.starts = append(f.starts, EntryID(f.entries.len()))
	return len(f.starts) - 1
}

// NumLayers is the number of layers begun so far.
func (f *FS) NumLayers() int { return len(f.starts) }

// LayerEntries iterates over the entries of layer i, in tar order.
func (f *FS) LayerEntries(i int) iter.Seq2[EntryID, *Entry] {
	end := EntryID(f.entries.len())
	if i+1 < len(f.starts) {
		end = f.starts[i+1]
	}
	return func(yield func(EntryID, *Entry) bool) {
		for id := f.starts[i]; id < end; id++ {
			if !yield(id, f.Entry(id)) {
				return
			}
		}
	}
}

// LayerStart returns the EntryID of layer i's first entry.
func (f *FS) LayerStart(i int) EntryID { return f.starts[i] }

// NumEntries is the number of entries of all layers.
func (f *FS) NumEntries() int { return f.entries.len() }

// Entry returns the entry id.
func (f *FS) Entry(id EntryID) *Entry { return f.entries.at(int(id)) }

// Add appends e to the current layer and to its node's history. It does not
// make e visible: call Show for that.
func (f *FS) Add(e Entry) EntryID {
	n := f.node(e.Node)
	e.Layer = uint16(len(f.starts) - 1)
	e.Prev = n.last
	id := EntryID(f.entries.append(e))
	n.last = id
	return id
}

// Last returns the newest entry at n, marker or not.
func (f *FS) Last(n NodeID) EntryID { return f.node(n).last }

// Cur returns the entry visible at n in the merged state, or NoEntry.
func (f *FS) Cur(n NodeID) EntryID { return f.node(n).cur }

// Live reports whether anything is visible at n or below it in the merged
// state. A node with Live but no Cur is a directory that no layer has an
// entry for (an implicit parent).
func (f *FS) Live(n NodeID) bool { return f.node(n).live > 0 }

// HasLiveChild reports whether anything below n is visible in the merged
// state.
func (f *FS) HasLiveChild(n NodeID) bool {
	nd := f.node(n)
	self := uint32(0)
	if nd.cur != NoEntry {
		self = 1
	}
	return nd.live > self
}

// Show makes entry id the visible one at its node. The node must have no
// visible entry (Hide it first).
func (f *FS) Show(id EntryID) {
	n := f.Entry(id).Node
	f.node(n).cur = id
	for {
		nd := f.node(n)
		nd.live++
		if n == Root {
			return
		}
		n = nd.parent
	}
}

// Hide removes the visible entry at n, marking it shadowed by layer, and
// returns it (NoEntry when nothing was visible).
func (f *FS) Hide(n NodeID, layer int) EntryID {
	id := f.node(n).cur
	if id == NoEntry {
		return NoEntry
	}
	if e := f.Entry(id); e.shadowed == 0 {
		e.shadowed = uint16(layer) + 1
	}
	f.node(n).cur = NoEntry
	for {
		nd := f.node(n)
		nd.live--
		if n == Root {
			return id
		}
		n = nd.parent
	}
}

// HideBelow hides every visible entry strictly below n whose layer is
// before layerLimit, marking them shadowed by layer. Its cost is the number
// of visible nodes below n, not the size of n's subtree.
func (f *FS) HideBelow(n NodeID, layer, layerLimit int) {
	for c := f.node(n).firstChild; c != noNode; c = f.node(c).nextSibling {
		if f.node(c).live == 0 {
			continue
		}
		f.HideBelow(c, layer, layerLimit)
		if id := f.node(c).cur; id != NoEntry && int(f.Entry(id).Layer) < layerLimit {
			f.Hide(c, layer)
		}
	}
}

// VisibleAt returns the entry visible at n in the merged file system after
// layer k (NoEntry if none). A directory that is visible only because
// something below it is (an implicit parent) has no entry: see LiveAt.
func (f *FS) VisibleAt(n NodeID, k int) EntryID {
	for id := f.node(n).last; id != NoEntry; id = f.Entry(id).Prev {
		e := f.Entry(id)
		if int(e.Layer) > k || e.Type == TypeOpaque {
			continue
		}
		// The newest entry up to k decides: anything older at the same
		// path was hidden by it at the latest.
		if e.VisibleAt(k) {
			return id
		}
		return NoEntry
	}
	return NoEntry
}

// LiveAt reports whether n or anything below it is visible after layer k.
// For the final layer it is constant time; otherwise it searches n's subtree
// and stops at the first visible entry.
func (f *FS) LiveAt(n NodeID, k int) bool {
	if k >= f.NumLayers()-1 {
		return f.node(n).live > 0
	}
	if f.VisibleAt(n, k) != NoEntry {
		return true
	}
	live := false
	f.Children(n, func(c NodeID) bool {
		live = f.LiveAt(c, k)
		return !live
	})
	return live
}

// History calls fn for every entry at n, newest first, until fn returns
// false.
func (f *FS) History(n NodeID, fn func(EntryID, *Entry) bool) {
	for id := f.node(n).last; id != NoEntry; id = f.Entry(id).Prev {
		if !fn(id, f.Entry(id)) {
			return
		}
	}
}
