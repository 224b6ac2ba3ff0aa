package filetree

import (
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
// in the layer view, the layer's own entries and the directories above
// them.
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

func (m *Model) computeStatus(n tree.NodeID) Status {
	f := m.fs
	k := m.layer
	if !m.opts.Aggregated {
		if !m.inLayer()[n] {
			return absent
		}
		if id, _ := m.layerEntry(n); id != tree.NoEntry {
			return entryStatus(f.Entry(id))
		}
		return Unmodified
	}
	if id := f.VisibleAt(n, k); id != tree.NoEntry {
		e := f.Entry(id)
		if int(e.Layer) == k {
			return entryStatus(e)
		}
		return Unmodified
	}
	if m.liveAt(n, k) {
		return Unmodified
	}
	if k > 0 && (f.VisibleAt(n, k-1) != tree.NoEntry || m.liveAt(n, k-1)) {
		return Removed // the layer deleted it
	}
	return absent
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

// liveAt memoises FS.LiveAt, which searches subtrees for older layers; k
// is the selected layer or the one below it.
func (m *Model) liveAt(n tree.NodeID, k int) bool {
	memo := m.cache.live[m.layer-k]
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

// inLayer marks the nodes the selected layer has entries at, and their
// ancestors: the layer view.
func (m *Model) inLayer() map[tree.NodeID]bool {
	if m.cache.inLayer != nil {
		return m.cache.inLayer
	}
	in := map[tree.NodeID]bool{}
	if m.layer < m.fs.NumLayers() {
		for _, e := range m.fs.LayerEntries(m.layer) {
			for n := e.Node; n != tree.Root && !in[n]; n = m.fs.Parent(n) {
				in[n] = true
			}
		}
	}
	m.cache.inLayer = in
	return in
}

// entryOf returns the entry drawn for n: the layer's own in the layer
// view, the visible one in the aggregated view (for a removed path, the
// one that was visible before).
func (m *Model) entryOf(n tree.NodeID) tree.EntryID {
	if !m.opts.Aggregated {
		id, _ := m.layerEntry(n)
		if id != tree.NoEntry && m.fs.Entry(id).Type.IsMarker() && m.layer > 0 {
			return m.fs.VisibleAt(n, m.layer-1)
		}
		return id
	}
	if id := m.fs.VisibleAt(n, m.layer); id != tree.NoEntry {
		return id
	}
	if m.layer > 0 {
		return m.fs.VisibleAt(n, m.layer-1)
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
