package analysis

import (
	"cmp"
	"slices"
	"strings"

	"github.com/layerscope/layerscope/tree"
)

// Metrics are the image-wide numbers; README.md defines each.
type Metrics struct {
	SizeBytes           int64
	CompressedSizeBytes int64
	VisibleBytes        int64
	WastedBytes         int64
	Efficiency          float64
	UserSizeBytes       int64
	UserWastedPercent   float64
}

// WastedFile is a file entry that the merged file system does not show.
type WastedFile struct {
	Path       string
	Bytes      int64
	Layer      int  // that added it
	ShadowedBy int  // the first layer that overwrote or deleted it
	Deleted    bool // deleted (whiteout, opaque directory, replaced parent) rather than overwritten
}

// measure fills the per-layer counts and the image metrics from the merged
// FS: an entry is wasted exactly when some later entry or marker hid it.
func (r *Result) measure(baseLayers int) {
	f := r.FS
	var m Metrics
	for i := range r.Layers {
		l := &r.Layers[i]
		for _, e := range f.LayerEntries(i) {
			switch e.State {
			case tree.Added:
				l.Added++
			case tree.Modified:
				l.Modified++
			case tree.Removed:
				l.Removed++
			}
			b := e.Bytes()
			l.SizeBytes += b
			if by, ok := e.Shadowed(); ok && b > 0 {
				l.WastedBytes += b
				r.Wasted = append(r.Wasted, WastedFile{Path: f.Path(e.Node), Bytes: b, Layer: i, ShadowedBy: by,
					Deleted: !overwritten(f, e.Node, by)})
			}
		}
		m.SizeBytes += l.SizeBytes
		m.CompressedSizeBytes += l.CompressedSizeBytes
		m.WastedBytes += l.WastedBytes
		if i >= baseLayers {
			m.UserSizeBytes += l.SizeBytes
		}
	}
	m.VisibleBytes = m.SizeBytes - m.WastedBytes
	m.Efficiency = 1
	if m.SizeBytes > 0 {
		m.Efficiency = float64(m.VisibleBytes) / float64(m.SizeBytes)
	}
	switch {
	case m.UserSizeBytes > 0:
		m.UserWastedPercent = float64(m.WastedBytes) / float64(m.UserSizeBytes)
	case m.WastedBytes > 0:
		m.UserWastedPercent = 1
	}
	r.Metrics = m
	slices.SortFunc(r.Wasted, func(a, b WastedFile) int {
		if c := cmp.Compare(b.Bytes, a.Bytes); c != 0 {
			return c
		}
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return cmp.Compare(a.Layer, b.Layer)
	})
}

// overwritten reports whether layer by has an entry of its own at n, as
// opposed to deleting n or something above it.
func overwritten(f *tree.FS, n tree.NodeID, by int) bool {
	found := false
	f.History(n, func(_ tree.EntryID, e *tree.Entry) bool {
		if int(e.Layer) == by && !e.Type.IsMarker() {
			found = true
		}
		return int(e.Layer) >= by && !found
	})
	return found
}
