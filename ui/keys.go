package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// key handles a key press: a prompt or the help screen first, then the
// pane over the tree, then the keys of the whole explorer, then the
// focused pane's.
func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.KeyMap
	switch {
	case msg.String() == "ctrl+c":
		m.closeOverlay()
		return m.quit()
	case m.prompt != nil:
		return m.updatePrompt(msg)
	case m.helpView != nil:
		if key.Matches(msg, k.Help, k.Cancel, k.Quit) {
			m.helpView = nil
			return nil
		}
		return m.helpView.Update(msg)
	case m.tree == nil:
		if key.Matches(msg, k.Quit) {
			return m.quit()
		}
		return nil
	case m.overlay != nil:
		return m.overlay.Update(msg)
	case m.tree.Editing():
		return m.tree.Update(msg)
	}
	m.status = ""
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.openHelp()
		return nil
	case key.Matches(msg, k.SwitchPane):
		m.setFocus(1 - m.focus)
		return nil
	case key.Matches(msg, k.Waste):
		return m.openWaste()
	case key.Matches(msg, k.Largest):
		return m.openLargest()
	case key.Matches(msg, k.Advice):
		return m.openAdvice()
	case key.Matches(msg, k.Filter):
		// The filter is the tree's, but / works from either pane.
		m.setFocus(focusTree)
		return m.tree.Update(msg)
	}
	if m.focus == focusLayers {
		return m.layerKey(msg)
	}
	switch {
	case key.Matches(msg, k.Contents):
		return m.openContents()
	case key.Matches(msg, k.History):
		return m.openHistory()
	case key.Matches(msg, k.Extract):
		return m.startExtract()
	case key.Matches(msg, k.CopyPath):
		return m.copyPath()
	case key.Matches(msg, k.CopyCommand):
		return m.copyCommand()
	}
	return m.tree.Update(msg)
}

// layerKey handles a key while the layer list has the focus. Keys that
// only mean something in the tree (the hide toggles, sort, n/N) act on
// the tree; those that need a path say how to pick one.
func (m *Model) layerKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.KeyMap
	switch {
	case key.Matches(msg, k.Contents):
		m.setFocus(focusTree) // enter opens the layer's files
		return nil
	case key.Matches(msg, k.History):
		m.status = "i shows a path's history: pick the path in the tree (enter or tab), then press i"
		return nil
	case key.Matches(msg, k.Extract):
		m.status = "x extracts a path: pick it in the tree (enter or tab), then press x"
		return nil
	case key.Matches(msg, k.CopyPath, k.CopyCommand):
		m.status = "c and C copy a path: pick it in the tree (enter or tab), then press c or C"
		return nil
	case key.Matches(msg, k.ViewMode, k.SinceBase, k.HideAdded, k.HideModified, k.HideRemoved, k.HideUnmodified,
		k.Sort, k.Attributes, k.NextMatch, k.PrevMatch, k.ToggleAll, k.Cancel):
		return m.tree.Update(msg)
	}
	cmd := m.layers.Update(msg)
	m.tree.SetLayer(m.layers.Selected())
	return cmd
}
