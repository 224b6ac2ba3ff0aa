package diffview

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/layerscope/layerscope/analysis/diff"
	"github.com/layerscope/layerscope/tree"
	"github.com/layerscope/layerscope/ui/common"
	"github.com/layerscope/layerscope/ui/pager"
)

// open shows the selected path: both versions of a modified file, the
// contents of any other file.
func (m *Model) open() tea.Cmd {
	n, ok := m.current()
	if !ok {
		return nil
	}
	node := m.view.nodes[n]
	if node.change >= 0 && m.d.Changes[node.change].Kind == diff.Modified {
		ch := m.d.Changes[node.change]
		m.compare = &compareOverlay{change: node.change, title: tree.Printable(ch.Path) + " · old → new", vp: viewport.New()}
		m.sizeOverlays()
		m.compare.vp.SetContentLines([]string{"reading both versions…"})
		return compareCmd(m.ctx, m.d, node.change)
	}
	res, rec := m.d.New, (*diff.Record)(nil)
	if node.change >= 0 {
		ch := m.d.Changes[node.change]
		rec = ch.New
		if ch.Kind == diff.Removed {
			res, rec = m.d.Old, ch.Old
		}
	} else if nn, ok := m.d.New.FS.Lookup(m.view.path(n)); ok {
		if id := m.d.New.FS.Cur(nn); id != tree.NoEntry {
			rec = &diff.Record{Type: m.d.New.FS.Entry(id).Type.String(), Entry: id, Size: m.d.New.FS.Entry(id).Bytes()}
		}
	}
	open := locate(res, rec)
	if open == nil {
		m.status = "only regular files have contents"
		return nil
	}
	m.pagerC = &common.Common{Styles: m.styles, KeyMap: m.keys, Result: res}
	m.pager = pager.New(m.pagerC, m.view.path(n), rec.Size, open)
	m.sizeOverlays()
	return m.pager.Init()
}

func (m *Model) sizeOverlays() {
	if m.compare != nil {
		m.compare.vp.SetWidth(max(1, m.width))
		m.compare.vp.SetHeight(max(1, m.height-2))
	}
	if m.pager != nil {
		m.pager.SetSize(m.width, max(1, m.height-2))
	}
}

func (m *Model) scrollCompare(msg tea.KeyPressMsg) {
	k, vp := m.keys, &m.compare.vp
	switch {
	case key.Matches(msg, k.Down):
		vp.ScrollDown(1)
	case key.Matches(msg, k.Up):
		vp.ScrollUp(1)
	case key.Matches(msg, k.PageDown):
		vp.PageDown()
	case key.Matches(msg, k.PageUp):
		vp.PageUp()
	case key.Matches(msg, k.Top):
		vp.GotoTop()
	case key.Matches(msg, k.Bottom):
		vp.GotoBottom()
	}
}

func (m *Model) scrollLayers(msg tea.KeyPressMsg) {
	k := m.keys
	rows := m.layerRows()
	h := max(1, m.layersHeight()-1)
	switch {
	case key.Matches(msg, k.Down):
		m.layersTop++
	case key.Matches(msg, k.Up):
		m.layersTop--
	case key.Matches(msg, k.PageDown):
		m.layersTop += h
	case key.Matches(msg, k.PageUp):
		m.layersTop -= h
	case key.Matches(msg, k.Top):
		m.layersTop = 0
	case key.Matches(msg, k.Bottom):
		m.layersTop = rows
	}
	m.layersTop = max(0, min(m.layersTop, rows-h))
}
