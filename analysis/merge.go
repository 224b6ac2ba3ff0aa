package analysis

import (
	"fmt"

	"github.com/layerscope/layerscope/tree"
)

// merger places parsed layers into the tree, in order, applying the OCI
// rules. It only ever touches the paths a layer names and, for deletions,
// what is visible below them.
type merger struct {
	fs   *tree.FS
	warn *warnings // the result's

	// Headers-only layers: where each entry's data lies in its blob
	// (-1: hashed, or not a file), and the same-size replacements whose
	// content is compared after the read (resolveLazy).
	offsets []int64
	pairs   []lazyPair

	// The directory of the previous entry: tars list a directory's
	// entries together, so most lookups need only the last component.
	lastDir  string
	lastNode tree.NodeID
}

// node returns the node of an entry's path.
func (m *merger) node(r *rawEntry) tree.NodeID {
	if r.base == 0 {
		return m.fs.Child(tree.Root, r.path)
	}
	dir := r.path[:r.base-1]
	if dir != m.lastDir || m.lastDir == "" {
		m.lastDir, m.lastNode = dir, m.fs.Node(dir)
	}
	return m.fs.Child(m.lastNode, r.path[r.base:])
}

// implicitDir stands for a directory that no entry created (its parent
// directories exist only because of paths below them); unpackers make them
// 0755 root:root.
var implicitDir = tree.Entry{Type: tree.TypeDir, Mode: 0o755}

func (m *merger) warnf(layer int, format string, args ...any) {
	m.warn.add(format, 1, fmt.Sprintf("layer %d: ", layer)+fmt.Sprintf(format, args...))
}

// addLayer merges one layer in three passes over its entries:
//  1. record each entry and classify it against the layers below (nothing
//     of this layer is visible yet, so "below" is exact);
//  2. apply whiteouts and opaque markers, which by the OCI spec hide only
//     what lower layers hold;
//  3. apply the file system entries in tar order, later ones overwriting
//     earlier ones as an unpack would.
func (m *merger) addLayer(d *layerData) {
	f := m.fs
	layer := f.BeginLayer()
	first := tree.EntryID(f.NumEntries())
	for i := range d.entries {
		r := &d.entries[i]
		e := tree.Entry{Node: m.node(r), Size: r.size, Hash: r.hash, ModTime: r.modTime,
			Mode: r.mode, UID: r.uid, GID: r.gid, Type: r.typ}
		switch r.typ {
		case tree.TypeSymlink:
			e.Link = f.InternLink(r.link)
		case tree.TypeHardlink:
			// Not through the directory cache: a link target is elsewhere.
			e.Link = uint32(f.Node(r.link))
		}
		lower := f.Cur(e.Node)
		m.classify(&e)
		id := f.Add(e)
		m.noteLazy(id, lower, r.offset)
	}
	d.entries = nil // the raw form is no longer needed: free it early
	last := tree.EntryID(f.NumEntries())

	for id := first; id < last; id++ {
		e := f.Entry(id)
		switch e.Type {
		case tree.TypeWhiteout:
			f.HideBelow(e.Node, layer, layer)
			f.Hide(e.Node, layer)
		case tree.TypeOpaque:
			f.HideBelow(e.Node, layer, layer)
		}
	}
	for id := first; id < last; id++ {
		if e := f.Entry(id); !e.Type.IsMarker() {
			m.apply(layer, id)
		}
	}
}

// noteLazy records where the data of a headers-only entry lies, and queues
// a same-size replacement in which either file has no hash yet: until it
// is compared, its content counts as unchanged.
func (m *merger) noteLazy(id, lower tree.EntryID, off int64) {
	if off < 0 && m.offsets == nil {
		return // no headers-only layer so far: the common case costs nothing
	}
	for len(m.offsets) <= int(id) {
		m.offsets = append(m.offsets, -1)
	}
	m.offsets[id] = off
	e := m.fs.Entry(id)
	if e.Type != tree.TypeFile || lower == tree.NoEntry || (off < 0 && m.offset(lower) < 0) {
		return
	}
	if o := m.fs.Entry(lower); o.Type == tree.TypeFile && o.Size == e.Size {
		e.Changes &^= tree.ChangedContent
		m.pairs = append(m.pairs, lazyPair{lower, id})
	}
}

// offset is where entry id's data lies in its headers-only blob, or -1.
func (m *merger) offset(id tree.EntryID) int64 {
	if int(id) < len(m.offsets) {
		return m.offsets[id]
	}
	return -1
}

// classify sets the state of e relative to the merged tree below its layer.
func (m *merger) classify(e *tree.Entry) {
	f := m.fs
	n := e.Node
	lower := f.Cur(n)
	switch e.Type {
	case tree.TypeWhiteout:
		e.State = tree.NoOp
		if f.Live(n) {
			e.State = tree.Removed
		}
		return
	case tree.TypeOpaque:
		e.State = tree.NoOp
		if f.HasLiveChild(n) {
			e.State = tree.Removed
		}
		return
	}
	switch {
	case lower != tree.NoEntry:
		e.State, e.Changes = tree.Modified, diff(f.Entry(lower), e)
	case f.Live(n):
		// A directory that exists because something lies in it.
		e.State, e.Changes = tree.Modified, diff(&implicitDir, e)
	default:
		e.State = tree.Added
	}
}

// diff says how e differs from the entry o it replaces. mtimes count as
// metadata: Docker rewrites every parent directory of a change with a new
// mtime and nothing else.
func diff(o, e *tree.Entry) tree.Changes {
	var c tree.Changes
	if o.Type != e.Type {
		c |= tree.ChangedType
	} else {
		switch e.Type {
		case tree.TypeFile:
			if o.Size != e.Size {
				c |= tree.ChangedSize | tree.ChangedContent // also where no hash is known
			}
			if o.Hash != e.Hash {
				c |= tree.ChangedContent
			}
		case tree.TypeSymlink, tree.TypeHardlink:
			if o.Link != e.Link {
				c |= tree.ChangedLink
			}
		}
	}
	if o.Mode != e.Mode {
		c |= tree.ChangedMode
	}
	if o.UID != e.UID || o.GID != e.GID {
		c |= tree.ChangedOwner
	}
	if o.ModTime != e.ModTime {
		c |= tree.ChangedTime
	}
	return c
}

// apply makes a file system entry visible, hiding what it overwrites.
func (m *merger) apply(layer int, id tree.EntryID) {
	f := m.fs
	e := f.Entry(id)
	n, typ := e.Node, e.Type
	// An unpack needs every ancestor to be a directory. By construction
	// at most one visible ancestor can be something else (nothing is ever
	// visible below a non-directory), and above the nearest explicit
	// directory all are directories.
	for a := n; a != tree.Root; {
		a = f.Parent(a)
		if cur := f.Cur(a); cur != tree.NoEntry {
			if ce := f.Entry(cur); ce.Type != tree.TypeDir {
				m.warnf(layer, "%s is placed under %s, which is a %s: treated as replaced by a directory (a real unpack fails here)",
					f.Path(n), f.Path(a), ce.Type)
				f.Hide(a, layer)
			}
			break
		}
	}
	if typ != tree.TypeDir {
		// A non-directory replaces a whole directory, also the entries
		// this layer put below it earlier.
		f.HideBelow(n, layer, layer+1)
	}
	if typ == tree.TypeHardlink {
		target := tree.NodeID(e.Link)
		if cur := f.Cur(target); cur == tree.NoEntry || f.Entry(cur).Type == tree.TypeDir || target == n {
			m.warnf(layer, "hardlink %s points to %s, which does not exist at that point", f.Path(n), f.Path(target))
		}
	}
	f.Hide(n, layer)
	f.Show(id)
}
