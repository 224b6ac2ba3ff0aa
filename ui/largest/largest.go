// Package largest is the explorer's flat list of the files the tree's
// view shows (the aggregated file system, a layer's own changes or the
// changes since the base, with the filter and hide keys applied),
// largest first, with the layer that added each. Enter shows the file in
// the tree.
package largest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/dustin/go-humanize"

	"github.com/layerscope/layerscope/tree"
	"github.com/layerscope/layerscope/ui/common"
)

// row is one file.
type row struct {
	path  string // sanitised for the screen
	raw   string // as in the image, for the jump
	size  int64
	layer int
}

// Model is the list.
type Model struct {
	c      *common.Common
	what   string
	rows   []row
	total  int64
	list   common.List
	width  int
	height int
}

// New lists the files ids (entries of c.Result.FS), largest first; what
// names the view they come from, for the title.
func New(c *common.Common, what string, ids []tree.EntryID) *Model {
	fs := c.Result.FS
	m := &Model{c: c, what: what, width: 80, height: 24}
	m.rows = make([]row, 0, len(ids))
	for _, id := range ids {
		e := fs.Entry(id)
		p := fs.Path(e.Node)
		m.rows = append(m.rows, row{path: tree.Printable(p), raw: p, size: e.Bytes(), layer: int(e.Layer)})
		if b := e.Bytes(); m.total <= 1<<62 {
			m.total += b
		}
	}
	slices.SortStableFunc(m.rows, func(a, b row) int {
		if c := cmp.Compare(b.size, a.size); c != 0 {
			return c
		}
		return strings.Compare(a.raw, b.raw)
	})
	return m
}

// Init implements common.Pane.
func (m *Model) Init() tea.Cmd { return nil }

// Close implements common.Pane: nothing to release.
func (m *Model) Close() {}

// Title is "Largest files of <view> (N files, total)".
func (m *Model) Title() string {
	return fmt.Sprintf("Largest files: %s (%s, %s)", m.what, common.Count(len(m.rows), "file", "files"), humanize.Bytes(uint64(m.total)))
}

// SetSize sets the inner size.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = max(w, 1), max(h, 1)
	m.scrollTo()
}

// Selected is the index of the selected row.
func (m *Model) Selected() int { return m.list.Selected }

func (m *Model) visible() int { return max(m.height-1, 1) } // under the heading

func (m *Model) scrollTo() { m.list.Select(m.list.Selected, len(m.rows), m.visible()) }

// Update moves the selection; enter shows the file in the tree, esc, q
// and the key that opened the list close it.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	if m.list.Update(m.c, msg, len(m.rows), m.visible()) {
		return nil
	}
	if msg, ok := msg.(tea.KeyPressMsg); ok {
		k := m.c.KeyMap
		switch {
		case key.Matches(msg, k.Accept):
			if m.list.Selected < len(m.rows) {
				return common.JumpCmd(m.rows[m.list.Selected].raw, -1)
			}
		case key.Matches(msg, k.Cancel, k.Quit, k.Largest):
			return common.CloseCmd(m)
		}
	}
	return nil
}

const sizeW = 7 // "999 kB", "1.2 MB"

// View draws the heading and the rows, height lines of at most width
// cells.
func (m *Model) View() string {
	st := m.c.Styles
	layerW := max(len("layer"), len(fmt.Sprint(len(m.c.Result.Layers)-1)))
	out := make([]string, 0, m.height)
	if len(m.rows) == 0 {
		out = append(out, st.Dim.Render(" No file in this view (the filter and the hide keys apply)."))
	} else {
		out = append(out, st.Dim.Render(fmt.Sprintf(" %*s  %*s  %s", sizeW, "size", layerW, "layer", "path")))
	}
	pathW := max(m.width-1-sizeW-2-layerW-2, 4)
	for i := m.list.Offset; i < len(m.rows) && len(out) < m.height; i++ {
		r := m.rows[i]
		p := r.path
		if w := ansi.StringWidth(p); w > pathW {
			p = ansi.TruncateLeft(p, w-pathW+1, "…") // the end of a path says most
		}
		line := fmt.Sprintf("%*s  %*d  %s", sizeW, humanize.Bytes(uint64(r.size)), layerW, r.layer, p)
		if i == m.list.Selected {
			line = st.SelectedActive.Render(line + strings.Repeat(" ", max(m.width-1-ansi.StringWidth(line), 0)))
		}
		out = append(out, " "+line)
	}
	for len(out) < m.height {
		out = append(out, "")
	}
	for i, l := range out {
		out[i] = ansi.Truncate(l, m.width, "…")
	}
	return strings.Join(out, "\n")
}

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding {
	k := m.c.KeyMap
	return []key.Binding{k.Up, k.Down, showBinding(k.Accept), common.CloseBinding(k.Cancel, k.Quit)}
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.c.KeyMap
	return [][]key.Binding{m.c.ListKeys(), {showBinding(k.Accept), common.CloseBinding(k.Cancel, k.Quit)}}
}

func showBinding(accept key.Binding) key.Binding {
	return key.NewBinding(key.WithKeys(accept.Keys()...), key.WithHelp(accept.Help().Key, "show in tree"))
}
