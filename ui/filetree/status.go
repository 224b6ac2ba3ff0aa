package filetree

import (
	"math"

	"github.com/layerscope/layerscope/tree"
)

// Status is how a row is drawn: what its entry does in the selected layer.
type Status int

// Statuses, in the order of the hide toggles.
const (
	Added Status = iota
	Modified
	MetaModified
	Removed
	Unmodified
	absent // not in this view
)

// marker letters keep the states readable without colour.
var markers = [...]string{"A", "M", "m", "D", " "}

// status says whether n is in the view and how. In the aggregated view it
// is the merged file system after the layer, plus what the layer removed;
// in the changes-since-base view the same, measured against the base
// instead of the layer below; in the layer view, the layer's own entries,
// the directories above them, and what the layer's deletions and opaque
// directories hid.
func (m *Model) status(n tree.NodeID) Status {
	if int(n) >= len(m.cache.status) {
		return m.computeStatus(n) // added by a layer read since the reset
	}
	if st := m.cache.status[n]; st != unknownStatus {
		return st
	}
	st := m.computeStatus(n)
	m.cache.status[n] = st
	return st
}

// from is the first layer of the change set the view marks: the selected
// layer, or the first layer above the base.
func (m *Model) from() int {
	if m.sinceBase() {
		return m.opts.BaseLayers
	}
	return m.layer
}

// sinceBase: the view is the changes since the base, which needs a base
// below the selected layer.
func (m *Model) sinceBase() bool {
	return m.opts.SinceBase && m.opts.BaseLayers > 0 && m.opts.BaseLayers <= m.layer
}

// merged: the view shows the merged file system (aggregated, or changes
// since the base).
func (m *Model) merged() bool { return m.opts.Aggregated || m.sinceBase() }

func (m *Model) computeStatus(n tree.NodeID) Status {
	f := m.fs
	k := m.layer
	if !m.merged() {
		if !m.inLayer(n) {
			if p := f.Parent(n); p != tree.Root && m.hidesBelow(p) && (f.VisibleAt(n, k-1) != tree.NoEntry || m.liveAt(n, 1)) {
				return Removed // under a deleted or opaque directory
			}
			return absent
		}
		if id, _ := m.layerEntry(n); id != tree.NoEntry {
			return entryStatus(f.Entry(id))
		}
		return Unmodified
	}
	from := m.from()
	if id := f.VisibleAt(n, k); id != tree.NoEntry {
		e := f.Entry(id)
		switch {
		case int(e.Layer) < from:
			return Unmodified
		case from == k:
			return entryStatus(e)
		}
		return m.rangeStatus(n, id)
	}
	if m.liveAt(n, 0) {
		return Unmodified
	}
	if from > 0 && (f.VisibleAt(n, from-1) != tree.NoEntry || m.liveAt(n, 1)) {
		return Removed // the change set deleted it
	}
	return absent
}

// hidesBelow: the selected layer hid what was below p (in the layer
// view): it deleted p, made it opaque or replaced it with a non-directory.
func (m *Model) hidesBelow(p tree.NodeID) bool {
	if m.status(p) == Removed {
		return true
	}
	id, opaque := m.layerEntry(p)
	return opaque || (id != tree.NoEntry && m.fs.Entry(id).Type != tree.TypeDir)
}

// rangeStatus is how the entry id, visible at the selected layer and
// added at or above from, differs from what the base had at n. It
// composes the entries' own changes down to the base rather than
// comparing anew: a path changed and changed back shows as modified.
func (m *Model) rangeStatus(n tree.NodeID, id tree.EntryID) Status {
	from := m.from()
	if m.fs.VisibleAt(n, from-1) == tree.NoEntry {
		if m.liveAt(n, 1) && m.fs.Entry(id).Type == tree.TypeDir {
			return MetaModified // a directory the base had implied
		}
		return Added
	}
	var c tree.Changes
	for x := id; x != tree.NoEntry; {
		e := m.fs.Entry(x)
		if int(e.Layer) < from {
			break
		}
		switch {
		case e.Type.IsMarker():
		case e.State == tree.Added:
			c |= tree.ChangedContent // deleted and added again in the range
		default:
			c |= e.Changes
		}
		x = e.Prev
	}
	switch {
	case c.Content():
		return Modified
	case c != 0:
		return MetaModified
	}
	return Unmodified
}

func entryStatus(e *tree.Entry) Status {
	switch e.State {
	case tree.Added:
		return Added
	case tree.Modified:
		if e.Changes.Content() {
			return Modified
		}
		return MetaModified
	case tree.Removed:
		return Removed
	}
	return Unmodified // a marker that removes nothing
}

// liveAt memoises FS.LiveAt, which searches subtrees for older layers:
// which 0 asks about the selected layer, 1 about the one below the change
// set (the base, or the layer below the selected one).
func (m *Model) liveAt(n tree.NodeID, which int) bool {
	k := m.layer
	if which == 1 {
		k = m.from() - 1
	}
	if k < 0 {
		return false
	}
	if first := m.firstLayers(); int(n) < len(first) && int(first[n]) > k {
		return false // nothing below n is older than layer k+1
	}
	memo := m.cache.live[which]
	if int(n) >= len(memo) {
		return m.fs.LiveAt(n, k)
	}
	if v := memo[n]; v != 0 {
		return v == 2
	}
	v := m.fs.LiveAt(n, k)
	memo[n] = 1
	if v {
		memo[n] = 2
	}
	return v
}

// layerEntry returns the entry the selected layer has at n (its last one,
// a deletion marker included) and whether it also made n opaque.
func (m *Model) layerEntry(n tree.NodeID) (id tree.EntryID, opaque bool) {
	id = tree.NoEntry
	m.fs.History(n, func(eid tree.EntryID, e *tree.Entry) bool {
		if int(e.Layer) > m.layer {
			return true
		}
		if int(e.Layer) < m.layer {
			return false
		}
		if e.Type == tree.TypeOpaque {
			opaque = true
		} else if id == tree.NoEntry {
			id = eid
		}
		return true
	})
	return id, opaque
}

// inLayer reports whether the selected layer has entries at n or below
// it: the layer view. The marks are made once per view, in a slice (a
// layer switch on a large image marks tens of thousands of nodes).
func (m *Model) inLayer(n tree.NodeID) bool {
	in := m.cache.inLayer
	if in == nil {
		in = make([]bool, m.fs.Len())
		if m.layer < m.fs.NumLayers() {
			for _, e := range m.fs.LayerEntries(m.layer) {
				for a := e.Node; a != tree.Root && int(a) < len(in) && !in[a]; a = m.fs.Parent(a) {
					in[a] = true
				}
			}
		}
		m.cache.inLayer = in
	}
	return int(n) < len(in) && in[n]
}

// entryOf returns the entry drawn for n: the layer's own in the layer
// view, the visible one in the aggregated view (for a removed path, the
// one that was visible before).
func (m *Model) entryOf(n tree.NodeID) tree.EntryID {
	memo := m.cache.entries
	if int(n) >= len(memo) {
		return m.computeEntry(n) // added by a layer read since the reset
	}
	if id := memo[n]; id != unknownEntry {
		return id
	}
	id := m.computeEntry(n)
	memo[n] = id
	return id
}

func (m *Model) computeEntry(n tree.NodeID) tree.EntryID {
	if !m.merged() {
		id, _ := m.layerEntry(n)
		hidden := id == tree.NoEntry && m.status(n) == Removed // under a deleted directory
		if (hidden || id != tree.NoEntry && m.fs.Entry(id).Type.IsMarker()) && m.layer > 0 {
			return m.fs.VisibleAt(n, m.layer-1)
		}
		return id
	}
	if id := m.fs.VisibleAt(n, m.layer); id != tree.NoEntry {
		return id
	}
	if from := m.from(); from > 0 {
		return m.fs.VisibleAt(n, from-1)
	}
	return tree.NoEntry
}

// isDir reports whether n is drawn as a directory.
func (m *Model) isDir(n tree.NodeID) bool {
	if id := m.entryOf(n); id != tree.NoEntry {
		t := m.fs.Entry(id).Type
		return t == tree.TypeDir || t == tree.TypeOpaque
	}
	return m.fs.HasChildren(n)
}

// firstLayers is, per node, the oldest layer with an entry at it or below
// it, once every layer is merged (nil before): a directory whose subtree
// starts above layer k has nothing live at k, which FS.LiveAt would
// search the whole subtree to find out. It is the tree's, not the
// view's: computed once.
func (m *Model) firstLayers() []uint16 {
	if m.oldest != nil || !m.c.Result.Done() {
		return m.oldest
	}
	first := make([]uint16, m.fs.Len())
	for i := range first {
		first[i] = math.MaxUint16
	}
	for l := range m.fs.NumLayers() {
		for _, e := range m.fs.LayerEntries(l) {
			first[e.Node] = min(first[e.Node], e.Layer)
		}
	}
	// A node is created after its parent: children first, from the end.
	for n := tree.NodeID(len(first) - 1); n > tree.Root; n-- {
		p := m.fs.Parent(n)
		if p >= n {
			return nil // not that tree: ask FS.LiveAt every time
		}
		first[p] = min(first[p], first[n])
	}
	m.oldest = first
	return first
}
