// Package layers is the explorer's layer list: index, size, a bar of the
// layer's share of the image, and the command, with the empty steps (ENV,
// CMD, ...) dimmed under the layer they belong to.
package layers

import (
	"fmt"
	"strings"

	"github.com/layerscope/layerscope/tree"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/dustin/go-humanize"

	"github.com/layerscope/layerscope/ui/common"
)

// Model is the layer list.
type Model struct {
	c             *common.Common
	selected      int
	offset        int // first line on screen
	width, height int
	focused       bool
}

// New returns the list with the first layer selected.
func New(c *common.Common) *Model { return &Model{c: c} }

// SetSize sets the inner size.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, max(h, 1); m.scrollTo() }

// SetFocused marks the pane active.
func (m *Model) SetFocused(f bool) { m.focused = f }

// Selected is the selected layer's index.
func (m *Model) Selected() int { return m.selected }

// Select selects layer i.
func (m *Model) Select(i int) {
	n := len(m.c.Result.Layers)
	m.selected = max(0, min(i, n-1))
	m.scrollTo()
}

// line is one row: a layer, or an empty step of the layer above.
type line struct {
	layer int
	step  int // -1 for the layer's own row
}

func (m *Model) lines() []line {
	var out []line
	for i, l := range m.c.Result.Layers {
		out = append(out, line{i, -1})
		for j, s := range l.History {
			if s.EmptyLayer {
				out = append(out, line{i, j})
			}
		}
	}
	return out
}

func (m *Model) lineOf(layer int) int {
	for i, l := range m.lines() {
		if l.layer == layer && l.step < 0 {
			return i
		}
	}
	return 0
}

func (m *Model) scrollTo() {
	at := m.lineOf(m.selected)
	if at < m.offset {
		m.offset = at
	}
	if at >= m.offset+m.height {
		m.offset = at - m.height + 1
	}
}

// Update moves the selection.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	km := m.c.KeyMap
	switch {
	case key.Matches(k, km.Down):
		m.Select(m.selected + 1)
	case key.Matches(k, km.Up):
		m.Select(m.selected - 1)
	case key.Matches(k, km.PageDown):
		m.Select(m.selected + m.height)
	case key.Matches(k, km.PageUp):
		m.Select(m.selected - m.height)
	case key.Matches(k, km.Top):
		m.Select(0)
	case key.Matches(k, km.Bottom):
		m.Select(len(m.c.Result.Layers) - 1)
	}
	return nil
}

// ClickRow selects the layer on screen row y.
func (m *Model) ClickRow(y int) {
	lines := m.lines()
	if i := m.offset + y; i >= 0 && i < len(lines) {
		m.Select(lines[i].layer)
	}
}

// ScrollWheel moves the selection by lines.
func (m *Model) ScrollWheel(n int) { m.Select(m.selected + n) }

// View draws the list; layers not read yet are dim.
func (m *Model) View() string {
	st := m.c.Styles
	res := m.c.Result
	var total int64
	for _, l := range res.Layers {
		total += max(l.SizeBytes, l.CompressedSizeBytes)
	}
	const barWidth = 10
	var b strings.Builder
	lines := m.lines()
	for i := m.offset; i < len(lines) && i < m.offset+m.height; i++ {
		ln := lines[i]
		l := res.Layers[ln.layer]
		var text string
		if ln.step >= 0 {
			text = st.Dim.Render(ansi.Truncate(fmt.Sprintf("%4s %8s %*s %s", "", "", barWidth, "", tree.Printable(l.History[ln.step].Command)), m.width, "…"))
		} else {
			size, known := l.SizeBytes, ln.layer < res.Merged()
			shown := humanize.Bytes(uint64(size))
			if !known {
				size, shown = l.CompressedSizeBytes, "…"
			}
			bar := ""
			if total > 0 {
				filled := int(size * barWidth / total)
				if size > 0 && filled == 0 {
					filled = 1
				}
				bar = strings.Repeat("█", filled) + strings.Repeat("░", barWidth-filled)
			}
			cmd := tree.Printable(l.Command)
			if cmd == "" {
				cmd = "(no history)"
			}
			text = ansi.Truncate(fmt.Sprintf("%4d %8s %s %s", ln.layer, shown, st.Bar.Render(bar), cmd), m.width, "…")
			if pad := m.width - ansi.StringWidth(text); pad > 0 {
				text += strings.Repeat(" ", pad)
			}
			switch {
			case ln.layer == m.selected && m.focused:
				text = st.SelectedActive.Render(ansi.Strip(text))
			case ln.layer == m.selected:
				text = st.Selected.Render(text)
			case !known:
				text = st.Dim.Render(ansi.Strip(text))
			}
		}
		b.WriteString(text)
		b.WriteByte('\n')
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding {
	k := m.c.KeyMap
	return []key.Binding{k.Up, k.Down, k.SwitchPane, k.ViewMode, k.Waste, k.Help, k.Quit}
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.c.KeyMap
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, {k.SwitchPane, k.ViewMode, k.Waste, k.Help, k.Quit}}
}
