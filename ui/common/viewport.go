package common

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
)

// Viewport is bubbles' viewport driven by the explorer's key map: the one
// scroller every pane of text uses (help, history, the pager's text).
// ↑↓ pgup pgdn g G scroll; ←→ (the Parent and Open keys) scroll sideways
// unless SoftWrap is on; the mouse wheel scrolls.
type Viewport struct {
	viewport.Model
	c *Common
}

// NewViewport returns an empty viewport using c's key map.
func NewViewport(c *Common) *Viewport {
	v := &Viewport{Model: viewport.New(), c: c}
	k := c.KeyMap
	v.KeyMap = viewport.KeyMap{
		Up: k.Up, Down: k.Down, PageUp: k.PageUp, PageDown: k.PageDown,
		Left: k.Parent, Right: k.Open,
		// Half pages have no keys of their own in the explorer.
		HalfPageUp: key.NewBinding(key.WithDisabled()), HalfPageDown: key.NewBinding(key.WithDisabled()),
	}
	v.SetHorizontalStep(8)
	return v
}

// SetSize sets the size in cells.
func (v *Viewport) SetSize(w, h int) {
	v.SetWidth(max(w, 1))
	v.SetHeight(max(h, 1))
}

// Update scrolls for the keys and the wheel; it never returns a command
// but has the Component's shape.
func (v *Viewport) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, v.c.KeyMap.Top):
			v.GotoTop()
			return nil
		case key.Matches(k, v.c.KeyMap.Bottom):
			v.GotoBottom()
			return nil
		}
		if v.SoftWrap && key.Matches(k, v.KeyMap.Left, v.KeyMap.Right) {
			return nil
		}
	}
	v.Model, _ = v.Model.Update(msg)
	return nil
}

// Keys are the scrolling keys, for a pane's help.
func (v *Viewport) Keys() []key.Binding {
	k := v.c.KeyMap
	keys := []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}
	if !v.SoftWrap {
		l, r := k.Parent, k.Open
		l.SetHelp(l.Help().Key, "scroll left")
		r.SetHelp(r.Help().Key, "scroll right")
		keys = append(keys, l, r)
	}
	return keys
}
