package common

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// List is the selection of a list pane (the wasted files, the largest
// files) and the first row on screen: the one place that moves a
// selection and scrolls to keep it in view.
type List struct {
	Selected, Offset int
}

// Select selects row i of n, rows of which fit on screen.
func (l *List) Select(i, n, rows int) {
	l.Selected = max(0, min(i, n-1))
	rows = max(rows, 1)
	if l.Selected < l.Offset {
		l.Offset = l.Selected
	}
	if l.Selected >= l.Offset+rows {
		l.Offset = l.Selected - rows + 1
	}
	l.Offset = max(0, min(l.Offset, n-rows))
}

// Update moves the selection for the keys of c's key map that move one
// (↑↓ pgup pgdn g G) and the mouse wheel; it reports whether msg was one.
func (l *List) Update(c *Common, msg tea.Msg, n, rows int) bool {
	k := c.KeyMap
	switch msg := msg.(type) {
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelDown:
			l.Select(l.Selected+3, n, rows)
		case tea.MouseWheelUp:
			l.Select(l.Selected-3, n, rows)
		default:
			return false
		}
		return true
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Down):
			l.Select(l.Selected+1, n, rows)
		case key.Matches(msg, k.Up):
			l.Select(l.Selected-1, n, rows)
		case key.Matches(msg, k.PageDown):
			l.Select(l.Selected+rows, n, rows)
		case key.Matches(msg, k.PageUp):
			l.Select(l.Selected-rows, n, rows)
		case key.Matches(msg, k.Top):
			l.Select(0, n, rows)
		case key.Matches(msg, k.Bottom):
			l.Select(n-1, n, rows)
		default:
			return false
		}
		return true
	}
	return false
}

// ListKeys are the keys that move a List, for a pane's full help.
func (c *Common) ListKeys() []key.Binding {
	k := c.KeyMap
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}
}

// Pad fills s with spaces to w cells, for a list's columns.
func Pad(s string, w int) string {
	if n := w - ansi.StringWidth(s); n > 0 {
		return s + strings.Repeat(" ", n)
	}
	return s
}

// Fit cuts s to w cells (ending in "…") and pads it to w, measuring its
// width once when it fits, as most lines of a screen do.
func Fit(s string, w int) string {
	n := ansi.StringWidth(s)
	if n > w {
		s = ansi.Truncate(s, w, "…")
		n = ansi.StringWidth(s)
	}
	if n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}
