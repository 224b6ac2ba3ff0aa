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

// rows is how many lines fit under the column heading.
func (m *Model) rows() int { return max(m.height-1, 1) }

func (m *Model) scrollTo() {
	at := m.lineOf(m.selected)
	if at < m.offset {
		m.offset = at
	}
	if at >= m.offset+m.rows() {
		m.offset = at - m.rows() + 1
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
		m.Select(m.selected + m.rows())
	case key.Matches(k, km.PageUp):
		m.Select(m.selected - m.rows())
	case key.Matches(k, km.Top):
		m.Select(0)
	case key.Matches(k, km.Bottom):
		m.Select(len(m.c.Result.Layers) - 1)
	}
	return nil
}

// ClickRow selects the layer on screen row y (0 is the column heading).
func (m *Model) ClickRow(y int) {
	lines := m.lines()
	if i := m.offset + y - 1; y > 0 && i < len(lines) {
		m.Select(lines[i].layer)
	}
}

// ScrollWheel moves the selection by lines.
func (m *Model) ScrollWheel(n int) { m.Select(m.selected + n) }

// Title is the pane's title: the number of layers.
func (m *Model) Title() string {
	return fmt.Sprintf("Layers (%d)", len(m.c.Result.Layers))
}

// columns are the widths of the index, the size and the bar; the bar
// goes first when the pane is narrow, so that the command keeps room.
func (m *Model) columns() (idxW, sizeW, barW int) {
	idxW = max(len(fmt.Sprint(len(m.c.Result.Layers)-1)), 1)
	sizeW = 7 // "999 kB", "1.2 MB"
	if m.width >= 44 {
		barW = 10
	}
	return idxW, sizeW, barW
}

// header names the columns.
func (m *Model) header() string {
	idxW, sizeW, barW := m.columns()
	h := fmt.Sprintf("%*s %*s ", idxW, "#", sizeW, "size")
	if barW > 0 {
		h += fmt.Sprintf("%-*s ", barW, "share")
	}
	return m.c.Styles.Dim.Render(ansi.Truncate(h+"command", m.width, "…"))
}

// View draws the column heading and the list; layers not read yet are
// dim and show no size and no bar.
func (m *Model) View() string {
	st := m.c.Styles
	res := m.c.Result
	// Bars are relative to the largest layer read: a share of the image
	// would draw most layers as one block.
	var largest int64
	for i := range res.Layers {
		if s, ok := m.c.Stats(i); ok {
			largest = max(largest, s.Bytes)
		}
	}
	idxW, sizeW, barW := m.columns()
	var b strings.Builder
	b.WriteString(m.header())
	lines := m.lines()
	for i := m.offset; i < len(lines) && i < m.offset+m.rows(); i++ {
		b.WriteByte('\n')
		ln := lines[i]
		l := res.Layers[ln.layer]
		if ln.step >= 0 {
			indent := idxW + sizeW + 2
			if barW > 0 {
				indent += barW + 1
			}
			b.WriteString(st.Dim.Render(ansi.Truncate(strings.Repeat(" ", indent)+tree.Printable(l.History[ln.step].Command), m.width, "…")))
			continue
		}
		stats, known := m.c.Stats(ln.layer)
		shown, bar := "…", strings.Repeat(" ", barW)
		if known {
			shown = humanize.Bytes(uint64(stats.Bytes))
			bar = common.Bar(stats.Bytes, largest, barW)
		}
		cmd := tree.Printable(l.Command)
		if cmd == "" {
			cmd = "(no history)"
		}
		text := fmt.Sprintf("%*d %*s ", idxW, ln.layer, sizeW, shown)
		if barW > 0 {
			text += st.Bar.Render(bar) + " "
		}
		text = ansi.Truncate(text+cmd, m.width, "…")
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
		b.WriteString(text)
	}
	return b.String()
}

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding {
	k := m.c.KeyMap
	return []key.Binding{k.Up, k.Down, openBinding(k.Contents), k.ViewMode, k.Filter, k.Largest, k.Waste, k.Quit, k.Help}
}

// openBinding describes enter in the list: it opens the layer's files.
func openBinding(b key.Binding) key.Binding {
	return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(b.Help().Key, "files"))
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.c.KeyMap
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, openBinding(k.Contents)},
		{k.SwitchPane, k.ViewMode, k.SinceBase, k.Waste, k.Largest, k.Advice, k.Help, k.Quit}}
}
