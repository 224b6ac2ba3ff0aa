// Package largest is the explorer's flat list of the files the tree's
// view shows (the aggregated file system, a layer's own changes or the
// changes since the base, with the filter and hide keys applied),
// largest first, with the layer that added each. Enter shows the file in
// the tree.
package largest

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/dustin/go-humanize"

	"github.com/layerscope/layerscope/tree"
	"github.com/layerscope/layerscope/ui/common"
)

// row is one file; its path is built only when it is drawn.
type row struct {
	size int64
	rank uint32 // of its path among all paths: the order of equal sizes
	id   tree.EntryID
}

// before: a sorts above b, largest first, then by path.
func before(a, b row) bool { return a.size > b.size || a.size == b.size && a.rank < b.rank }

// Model is the list.
type Model struct {
	c       *common.Common
	what    string
	rows    order
	total   int64
	pending bool // the files are being listed in the background
	view    int  // the tree's view they are listed for
	list    common.List
	width   int
	height  int
}

// New lists the files ids (entries of c.Result.FS), largest first; what
// names the view they come from, for the title. The rows are sorted as
// they come on screen: a list of every file of a large image opens
// without sorting them all.
func New(c *common.Common, what string, ids []tree.EntryID) *Model {
	m := &Model{c: c, what: what, width: 80, height: 24}
	m.setFiles(ids)
	return m
}

// Pending is the list of the tree's view number view, whose files come
// in a common.FilesMsg (a large tree lists them in the background); it
// says so until then.
func Pending(c *common.Common, what string, view int) *Model {
	return &Model{c: c, what: what, width: 80, height: 24, pending: true, view: view}
}

func (m *Model) setFiles(ids []tree.EntryID) {
	fs := m.c.Result.FS
	ranks := m.c.PathRanks()
	rows := make([]row, len(ids))
	for i, id := range ids {
		e := fs.Entry(id)
		rows[i] = row{size: e.Bytes(), rank: ranks[e.Node], id: id}
		if m.total <= 1<<62 {
			m.total += rows[i].size
		}
	}
	m.rows, m.pending = newOrder(rows), false
	m.scrollTo()
}

// path is row i's path as in the image.
func (m *Model) path(i int) string {
	return m.c.Result.FS.Path(m.c.Result.FS.Entry(m.rows.at(i).id).Node)
}

// Init implements common.Pane.
func (m *Model) Init() tea.Cmd { return nil }

// Close implements common.Pane: nothing to release.
func (m *Model) Close() {}

// Title is "Largest files of <view> (N files, total)".
func (m *Model) Title() string {
	if m.pending {
		return fmt.Sprintf("Largest files: %s (listing…)", m.what)
	}
	return fmt.Sprintf("Largest files: %s (%s, %s)", m.what, common.Count(m.rows.len(), "file", "files"), humanize.Bytes(uint64(m.total)))
}

// SetSize sets the inner size.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = max(w, 1), max(h, 1)
	m.scrollTo()
}

// Selected is the index of the selected row.
func (m *Model) Selected() int { return m.list.Selected }

func (m *Model) visible() int { return max(m.height-1, 1) } // under the heading

func (m *Model) scrollTo() { m.list.Select(m.list.Selected, m.rows.len(), m.visible()) }

// Update moves the selection; enter shows the file in the tree, esc, q
// and the key that opened the list close it.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	if msg, ok := msg.(common.FilesMsg); ok {
		if m.pending && msg.View == m.view {
			m.setFiles(msg.IDs)
		}
		return nil
	}
	if m.list.Update(m.c, msg, m.rows.len(), m.visible()) {
		return nil
	}
	if msg, ok := msg.(tea.KeyPressMsg); ok {
		k := m.c.KeyMap
		switch {
		case key.Matches(msg, k.Accept):
			if m.list.Selected < m.rows.len() {
				return common.JumpCmd(m.path(m.list.Selected), -1)
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
	switch {
	case m.pending:
		out = append(out, st.Dim.Render(" Listing the files…"))
	case m.rows.len() == 0:
		out = append(out, st.Dim.Render(" No file in this view (the filter and the hide keys apply)."))
	default:
		out = append(out, st.Dim.Render(fmt.Sprintf(" %*s  %*s  %s", sizeW, "size", layerW, "layer", "path")))
	}
	pathW := max(m.width-1-sizeW-2-layerW-2, 4)
	for i := m.list.Offset; i < m.rows.len() && len(out) < m.height; i++ {
		r := m.rows.at(i)
		p := tree.Printable(m.path(i))
		if w := ansi.StringWidth(p); w > pathW {
			p = ansi.TruncateLeft(p, w-pathW+1, "…") // the end of a path says most
		}
		line := fmt.Sprintf("%*s  %*d  %s", sizeW, humanize.Bytes(uint64(r.size)), layerW, m.c.Result.FS.Entry(r.id).Layer, p)
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
