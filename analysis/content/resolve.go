package content

import (
	"fmt"

	"github.com/layerscope/layerscope/tree"
)

// Resolve follows hardlinks from entry id to the entry that holds what id
// shows: id itself unless it is a hardlink. A hardlink points to the entry
// at its target path at the moment the link was unpacked: an earlier entry
// of its own layer, else what the layers below left visible there (unless
// a marker of its own layer deleted it, as markers apply before entries).
// The result may be any type: a hardlink to a symlink is a symlink. To
// resolve many, use one Resolver.
func Resolve(fs *tree.FS, id tree.EntryID) (tree.EntryID, error) {
	return NewResolver(fs).Resolve(id)
}

// Resolver resolves hardlinks as Resolve does, replaying each layer that
// has any once for all of its hardlinks: resolving every hardlink of an
// image costs one pass over their layers, not one per link.
type Resolver struct {
	fs *tree.FS
	// By layer, by hardlink: the entry it points to (one hop; NoEntry if
	// dangling).
	layers map[int]map[tree.EntryID]tree.EntryID
}

// NewResolver resolves hardlinks of fs, which must not change meanwhile.
func NewResolver(fs *tree.FS) *Resolver {
	return &Resolver{fs: fs, layers: map[int]map[tree.EntryID]tree.EntryID{}}
}

// Resolve is Resolve.
func (r *Resolver) Resolve(id tree.EntryID) (tree.EntryID, error) {
	fs := r.fs
	// Each hop goes to an earlier entry (of the same or a lower layer),
	// so the chain ends.
	for {
		e := fs.Entry(id)
		if e.Type != tree.TypeHardlink {
			if e.Type.IsMarker() {
				return tree.NoEntry, fmt.Errorf("%s: %w (a %s marker)", fs.Path(e.Node), ErrNotRegular, e.Type)
			}
			return id, nil
		}
		target := r.layer(int(e.Layer))[id]
		if target == tree.NoEntry {
			return tree.NoEntry, fmt.Errorf("hardlink %s -> %s: %w", fs.Path(e.Node), fs.Path(tree.NodeID(e.Link)), ErrDangling)
		}
		id = target
	}
}

// layer returns where each hardlink of layer points, replaying the layer
// as the merge does: markers first (they hide only lower layers), then the
// entries in tar order, each hardlink seeing only the entries before it.
func (r *Resolver) layer(layer int) map[tree.EntryID]tree.EntryID {
	if m, ok := r.layers[layer]; ok {
		return m
	}
	fs := r.fs
	type query struct {
		id         tree.EntryID
		target     tree.NodeID
		found      tree.EntryID
		replaced   bool // a non-directory at an ancestor came before the link
		impossible bool // the link points to itself
	}
	var queries []query
	whiteout, opaque := map[tree.NodeID]bool{}, map[tree.NodeID]bool{}
	last := map[tree.NodeID]tree.EntryID{}       // the last entry at a node so far
	lastNonDir := map[tree.NodeID]tree.EntryID{} // the last non-directory at a node so far
	for id, e := range fs.LayerEntries(layer) {
		switch {
		case e.Type == tree.TypeWhiteout:
			whiteout[e.Node] = true
			continue
		case e.Type == tree.TypeOpaque:
			opaque[e.Node] = true
			continue
		}
		if e.Type == tree.TypeHardlink {
			// What the link finds: the latest of an entry at its target
			// and a non-directory replacing one of the target's
			// ancestors (which removes everything below it).
			q := query{id: id, target: tree.NodeID(e.Link), found: tree.NoEntry}
			q.impossible = q.target == e.Node
			if t, ok := last[q.target]; ok {
				q.found = t
			}
			for a := q.target; a != tree.Root; {
				a = fs.Parent(a)
				if t, ok := lastNonDir[a]; ok {
					q.replaced = true
					if q.found != tree.NoEntry && t > q.found {
						q.found = tree.NoEntry
					}
				}
			}
			queries = append(queries, q)
		}
		last[e.Node] = id
		if e.Type != tree.TypeDir {
			lastNonDir[e.Node] = id
		}
	}
	m := make(map[tree.EntryID]tree.EntryID, len(queries))
	for _, q := range queries {
		found := q.found
		if found == tree.NoEntry && !q.replaced && layer > 0 && !r.markerHides(q.target, whiteout, opaque) {
			found = fs.VisibleAt(q.target, layer-1)
		}
		if q.impossible || found == tree.NoEntry || fs.Entry(found).Type == tree.TypeDir {
			found = tree.NoEntry
		}
		m[q.id] = found
	}
	r.layers[layer] = m
	return m
}

// markerHides reports whether a marker of the layer deletes what the lower
// layers hold at n: a whiteout of n or of an ancestor, or an opaque marker
// of an ancestor.
func (r *Resolver) markerHides(n tree.NodeID, whiteout, opaque map[tree.NodeID]bool) bool {
	if whiteout[n] {
		return true
	}
	for a := n; a != tree.Root; {
		a = r.fs.Parent(a)
		if whiteout[a] || opaque[a] {
			return true
		}
	}
	return false
}
