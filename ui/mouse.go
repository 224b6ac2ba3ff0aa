package ui

import (
	tea "charm.land/bubbletea/v2"
)

// click focuses the pane under the mouse and selects the row clicked.
func (m *Model) click(ms tea.Mouse) tea.Cmd {
	if m.tree == nil || m.tooSmall() || m.overlay != nil || m.prompt != nil || ms.Button != tea.MouseLeft {
		return nil
	}
	g := m.geometry()
	switch {
	case ms.X < g.leftW && ms.Y > 0 && ms.Y < g.layersH-1:
		m.setFocus(focusLayers)
		m.layers.ClickRow(ms.Y - 1)
		m.tree.SetLayer(m.layers.Selected())
	case ms.X >= g.leftW && ms.Y > 0 && ms.Y < g.bodyH-1:
		m.setFocus(focusTree)
		m.tree.ClickRow(ms.Y - 1)
	}
	return nil
}

// wheel scrolls the pane under the mouse.
func (m *Model) wheel(ms tea.Mouse) {
	if m.tree == nil || m.tooSmall() {
		return
	}
	step := 3
	if ms.Button == tea.MouseWheelUp {
		step = -3
	} else if ms.Button != tea.MouseWheelDown {
		return
	}
	g := m.geometry()
	if ms.X < g.leftW && ms.Y < g.layersH {
		m.layers.ScrollWheel(step / 3)
		m.tree.SetLayer(m.layers.Selected())
		return
	}
	if ms.X >= g.leftW && m.overlay == nil {
		m.tree.ScrollWheel(step)
	}
}
