package filetree

import (
	"fmt"
	"strings"

	"github.com/dustin/go-humanize"

	"github.com/layerscope/layerscope/tree"
)

// What the app asks the tree about its view.

// Shows reports whether layer i is part of what the view draws, so that
// the app redraws when it is merged.
func (m *Model) Shows(i int) bool { return i == m.layer || (m.merged() && i < m.layer) }

// Removed reports whether n is drawn as removed.
func (m *Model) Removed(n tree.NodeID) bool { return n != tree.Root && m.status(n) == Removed }

// Describe says what n is in the view, for the status line: its type,
// size, layer and state ("file · 1.2 kB · layer 3 · added").
func (m *Model) Describe(n tree.NodeID) string {
	if n == tree.Root {
		return ""
	}
	parts := []string{}
	if id := m.entryOf(n); id != tree.NoEntry {
		e := m.fs.Entry(id)
		parts = append(parts, e.Type.String(), humanize.Bytes(uint64(m.size(n))), fmt.Sprintf("layer %d", e.Layer))
	} else {
		parts = append(parts, "dir", humanize.Bytes(uint64(m.size(n))))
	}
	if st := m.status(n); st != absent {
		parts = append(parts, [...]string{"added", "modified", "metadata changed", "removed", "unmodified"}[st])
	}
	return strings.Join(parts, " · ")
}

// Files lists the files the view shows (the filter and the hide keys
// apply), removed ones left out: the largest-files list's rows.
func (m *Model) Files() []tree.EntryID {
	var out []tree.EntryID
	for n := tree.NodeID(1); int(n) < m.fs.Len(); n++ {
		st := m.status(n)
		if st == absent || st == Removed || m.isDir(n) || !m.shown(n) {
			continue
		}
		if id := m.entryOf(n); id != tree.NoEntry && !m.fs.Entry(id).Type.IsMarker() {
			out = append(out, id)
		}
	}
	return out
}
