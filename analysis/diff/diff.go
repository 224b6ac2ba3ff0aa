// Package diff compares the merged file systems of two analysed images,
// path by path: what NEW added, removed and modified relative to OLD.
//
// A path's record is what `--files` reports (type, size, mode, uid, gid,
// link target) and, for regular files, the content. Times are ignored
// (every rebuild changes them); a directory is a change only when its own
// record changes, its children being compared themselves; a hardlink
// compares as its record (its target's path), its bytes at the target.
package diff

import (
	"context"
	"slices"
	"strings"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/tree"
)

// Kind is what happened to a path.
type Kind uint8

// Kinds of change.
const (
	Added    Kind = iota // only in NEW
	Removed              // only in OLD
	Modified             // in both, with records or contents that differ
)

var kindNames = [...]string{"added", "removed", "modified"}

func (k Kind) String() string { return kindNames[k] }

// What is the set of aspects in which a modified path differs.
type What uint8

// Aspects, in report order.
const (
	Type What = 1 << iota
	Size
	Mode
	UID
	GID
	LinkTarget
	Content
)

var whatNames = [...]string{"type", "size", "mode", "uid", "gid", "linkTarget", "content"}

// Names lists the aspects in w, in report order.
func (w What) Names() []string {
	out := []string{}
	for i, n := range whatNames {
		if w&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// Record is a path's record in one image, as `--files` reports it.
type Record struct {
	Type       string `json:"type"`
	Size       int64  `json:"size"`
	Mode       uint32 `json:"mode"`
	UID        uint32 `json:"uid"`
	GID        uint32 `json:"gid"`
	LinkTarget string `json:"linkTarget,omitempty"`
	Layer      int    `json:"layer"` // whose entry is visible; -1 for a directory no layer has an entry for

	// Where it is in its analysis.
	Node  tree.NodeID  `json:"-"`
	Entry tree.EntryID `json:"-"` // tree.NoEntry for an implicit directory
}

// Change is one path that differs.
type Change struct {
	Path      string
	Kind      Kind
	What      What    // for Modified
	Old, New  *Record // nil on the side that has none
	SizeDelta int64   // new bytes minus old bytes
}

// Summary totals the changes.
type Summary struct {
	Added, Removed, Modified int
	AddedBytes               int64 // bytes of the added paths
	RemovedBytes             int64 // bytes of the removed paths
	SizeDeltaBytes           int64 // new sizeBytes minus old
	WastedDeltaBytes         int64 // new wastedBytes minus old
}

// Diff is the comparison of two analyses.
type Diff struct {
	Old, New *analysis.Result
	Shared   int      // leading layers both have (analysis.SharedLayers)
	Changes  []Change // sorted by path, byte-wise
	Summary  Summary
}

// Compare compares the merged file systems of old and new, both fully
// read. Same-size files whose hashes cannot be compared (not computed, or
// from analyses with different seeds) are read, each layer at most once
// per side; that is the only I/O, and ctx bounds it.
func Compare(ctx context.Context, old, new *analysis.Result) (*Diff, error) {
	d := &Diff{Old: old, New: new, Shared: analysis.SharedLayers(old, new)}
	together := analysis.ReadTogether(old, new)
	c := comparer{d: d, pending: newPending(old, new, together), together: together,
		oldTouched: touched(old.FS, together), newTouched: touched(new.FS, together)}
	c.walk()
	if err := c.pending.resolve(ctx, d); err != nil {
		return nil, err
	}
	// Queued comparisons that found the same bytes are no change.
	d.Changes = slices.DeleteFunc(d.Changes, func(ch Change) bool { return ch.Kind == Modified && ch.What == 0 })
	slices.SortFunc(d.Changes, func(a, b Change) int { return strings.Compare(a.Path, b.Path) })
	s := &d.Summary
	for _, ch := range d.Changes {
		switch ch.Kind {
		case Added:
			s.Added++
			s.AddedBytes += ch.New.Size
		case Removed:
			s.Removed++
			s.RemovedBytes += ch.Old.Size
		default:
			s.Modified++
		}
	}
	s.SizeDeltaBytes = new.Metrics.SizeBytes - old.Metrics.SizeBytes
	s.WastedDeltaBytes = new.Metrics.WastedBytes - old.Metrics.WastedBytes
	return d, nil
}

type comparer struct {
	d       *Diff
	pending *pending
	// The layers read together (analysis.ReadTogether), and per node
	// whether a layer above them has an entry at it or below it.
	together               int
	oldTouched, newTouched []bool
}

// touched marks the nodes of f at or above an entry of a layer from
// the first unshared one on.
func touched(f *tree.FS, shared int) []bool {
	t := make([]bool, f.Len())
	for i := shared; i < f.NumLayers(); i++ {
		for _, e := range f.LayerEntries(i) {
			for n := e.Node; !t[n]; n = f.Parent(n) {
				t[n] = true
				if n == tree.Root {
					break
				}
			}
		}
	}
	return t
}

// same reports whether o and n are the same entry with the same subtree
// without looking: neither image's own layers touch them, so both hold
// what the shared layers put there. (Layers read together are merged
// first, from one read, so their paths have the same NodeIDs in both.)
// Anything above it that hides it (a whiteout, an opaque marker, a
// replacement) makes it not live, which the walk sees first.
func (c *comparer) same(o, n tree.NodeID) bool {
	return c.together > 0 && o == n && !c.oldTouched[o] && !c.newTouched[n]
}

// record is n's record in f.
func record(f *tree.FS, n tree.NodeID) *Record {
	id := f.Cur(n)
	if id == tree.NoEntry {
		return &Record{Type: "dir", Mode: 0o755, Layer: -1, Node: n, Entry: id}
	}
	e := f.Entry(id)
	return &Record{Type: e.Type.String(), Size: e.Bytes(), Mode: e.Mode, UID: e.UID, GID: e.GID,
		LinkTarget: f.LinkTarget(e), Layer: int(e.Layer), Node: n, Entry: id}
}

// walk compares the two trees directory by directory, from the root, with
// an explicit stack (paths can be thousands of levels deep).
func (c *comparer) walk() {
	of, nf := c.d.Old.FS, c.d.New.FS
	type pair struct{ o, n tree.NodeID }
	stack := []pair{{tree.Root, tree.Root}}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		nf.Children(p.n, func(nc tree.NodeID) bool {
			if !nf.Live(nc) {
				return true
			}
			oc, ok := of.LookupChild(p.o, nf.Name(nc))
			if !ok || !of.Live(oc) {
				c.subtree(nf, nc, Added)
				return true
			}
			if c.same(oc, nc) {
				return true
			}
			or, nr := record(of, oc), record(nf, nc)
			switch {
			case or.Type == "dir" && nr.Type == "dir":
				stack = append(stack, pair{oc, nc})
			case or.Type == "dir":
				c.below(of, oc, Removed)
			case nr.Type == "dir":
				c.below(nf, nc, Added)
			}
			w, queued := c.compare(or, nr)
			if w != 0 || queued {
				c.add(Change{Path: nf.Path(nc), Kind: Modified, What: w, Old: or, New: nr, SizeDelta: nr.Size - or.Size})
			}
			if queued {
				c.pending.queue(len(c.d.Changes)-1, or.Entry, nr.Entry)
			}
			return true
		})
		of.Children(p.o, func(oc tree.NodeID) bool {
			if !of.Live(oc) {
				return true
			}
			if nc, ok := nf.LookupChild(p.n, of.Name(oc)); !ok || !nf.Live(nc) {
				c.subtree(of, oc, Removed)
			}
			return true
		})
	}
}

func (c *comparer) add(ch Change) { c.d.Changes = append(c.d.Changes, ch) }

// subtree records n and everything live below it as added (in NEW's f) or
// removed (in OLD's).
func (c *comparer) subtree(f *tree.FS, n tree.NodeID, k Kind) {
	c.one(f, n, k)
	c.below(f, n, k)
}

// below records everything live strictly below n.
func (c *comparer) below(f *tree.FS, n tree.NodeID, k Kind) {
	stack := []tree.NodeID{n}
	for len(stack) > 0 {
		d := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		f.Children(d, func(ch tree.NodeID) bool {
			if f.Live(ch) {
				c.one(f, ch, k)
				stack = append(stack, ch)
			}
			return true
		})
	}
}

func (c *comparer) one(f *tree.FS, n tree.NodeID, k Kind) {
	r := record(f, n)
	ch := Change{Path: f.Path(n), Kind: k}
	if k == Added {
		ch.New, ch.SizeDelta = r, r.Size
	} else {
		ch.Old, ch.SizeDelta = r, -r.Size
	}
	c.add(ch)
}

// compare returns the aspects in which o and n differ as far as their
// records and hashes tell; queued says the contents must be read to tell.
func (c *comparer) compare(o, n *Record) (w What, queued bool) {
	if o.Type != n.Type {
		w |= Type
	}
	if o.Size != n.Size {
		w |= Size
	}
	if o.Mode != n.Mode {
		w |= Mode
	}
	if o.UID != n.UID {
		w |= UID
	}
	if o.GID != n.GID {
		w |= GID
	}
	if o.LinkTarget != n.LinkTarget {
		w |= LinkTarget
	}
	if o.Type == "file" && n.Type == "file" {
		switch {
		case o.Size != n.Size:
			w |= Content
		case o.Size == 0:
		default:
			var differ bool
			if differ, queued = c.pending.differ(o.Entry, n.Entry); differ {
				w |= Content
			}
		}
	}
	return w, queued
}
