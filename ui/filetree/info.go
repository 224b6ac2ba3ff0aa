package filetree

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/dustin/go-humanize"

	"github.com/layerscope/layerscope/tree"
	"github.com/layerscope/layerscope/ui/common"
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
// apply), removed ones left out: the largest-files list's rows. Computed
// once per view; the caller must not change the list.
func (m *Model) Files() []tree.EntryID {
	if m.cache.filesDone {
		return m.cache.files
	}
	var out []tree.EntryID
	for n := tree.NodeID(1); int(n) < m.fs.Len(); n++ {
		if st := m.status(n); st == absent || st == Removed {
			continue
		}
		id := m.entryOf(n)
		if id == tree.NoEntry {
			continue
		}
		if t := m.fs.Entry(id).Type; t == tree.TypeDir || t.IsMarker() || !m.shown(n) {
			continue // TypeOpaque, a directory, is a marker too
		}
		out = append(out, id)
	}
	m.cache.files, m.cache.filesDone = out, true
	return out
}

// FilesCmd lists the files as Files does: on the spot (a small tree, one
// still loading, or a view whose files are known), returning them and
// nil; else in the background on a copy of the view with its own caches
// over the merged tree, which nothing changes any more, returning nil and
// the command that sends them as a common.FilesMsg for View(), which
// Update keeps.
func (m *Model) FilesCmd() ([]tree.EntryID, tea.Cmd) {
	if m.cache.filesDone || m.countNow() {
		return m.Files(), nil
	}
	cp := &Model{c: m.c, fs: m.fs, layer: m.layer, opts: m.opts, oldest: m.firstLayers()}
	cp.filter.q, cp.filter.keep, cp.filter.match = m.filter.q, m.filter.keep, m.filter.match
	cp.cache.reset(m.fs.Len())
	view := m.cache.gen
	return nil, func() tea.Msg { return common.FilesMsg{View: view, IDs: cp.Files()} }
}

// ViewNumber counts the views (of a layer, options and a filter): what a
// common.FilesMsg is for.
func (m *Model) ViewNumber() int { return m.cache.gen }

func (m *Model) filesListed(msg common.FilesMsg) {
	if msg.View == m.cache.gen && !m.cache.filesDone {
		m.cache.files, m.cache.filesDone = msg.IDs, true
	}
}
