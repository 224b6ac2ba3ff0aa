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

// wheel scrolls the pane under the mouse: the help, the pane over the
// tree, the tree or the layer list.
func (m *Model) wheel(msg tea.MouseWheelMsg) tea.Cmd {
	ms := msg.Mouse()
	switch {
	case m.tree == nil || m.tooSmall():
		return nil
	case m.helpView != nil:
		return m.helpView.Update(msg)
	case m.overlay != nil && ms.X >= m.geometry().leftW:
		return m.overlay.Update(msg)
	}
	step := 3
	if ms.Button == tea.MouseWheelUp {
		step = -3
	} else if ms.Button != tea.MouseWheelDown {
		return nil
	}
	g := m.geometry()
	if ms.X < g.leftW && ms.Y < g.layersH {
		m.layers.ScrollWheel(step / 3)
		m.tree.SetLayer(m.layers.Selected())
		return nil
	}
	if ms.X >= g.leftW && m.overlay == nil {
		m.tree.ScrollWheel(step)
	}
	return nil
}
