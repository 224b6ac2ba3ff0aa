// Package history is the explorer's history of one path: every layer that
// added, changed or removed it, oldest first, with the layer's command —
// including the layers that removed it through a parent (a whiteout or
// opaque marker above it, or a parent replaced by a file).
package history

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/dustin/go-humanize"

	"github.com/layerscope/layerscope/tree"
	"github.com/layerscope/layerscope/ui/common"
)

// Model is the history pane.
type Model struct {
	c    *common.Common
	node tree.NodeID
	path string

	rows   []row
	merged int  // the layers the rows were computed with; -1 before
	done   bool // and whether the analysis was done then
	final  string

	top           int
	width, height int
}

// row is one layer's change to the path.
type row struct {
	layer int
	state string // "added", "modified content", ...
	typ   string // "file", "whiteout", ... ("" for indirect removals)
	size  string
	via   string // for removals through a parent: the parent and how
	look  look
}

// look is how a row's state is drawn.
type look int

const (
	lookDim look = iota
	lookAdded
	lookModified
	lookMeta
	lookRemoved
)

func (l look) style(c *common.Common) lipgloss.Style {
	st := c.Styles
	return [...]lipgloss.Style{st.Dim, st.Added, st.Modified, st.MetaModified, st.Removed}[l]
}

// New returns the history of path n. It reads the analysis when it is
// drawn, following layers merged since.
func New(c *common.Common, n tree.NodeID) *Model {
	return &Model{c: c, node: n, merged: -1, width: 80, height: 24}
}

// Title is "History of /path".
func (m *Model) Title() string {
	if m.path == "" {
		m.path = tree.Printable(m.c.Result.FS.Path(m.node))
	}
	return "History of " + m.path
}

// SetSize sets the inner size.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = max(w, 1), max(h, 1)
	m.clamp()
}

// refresh computes the rows again when more layers were read.
func (m *Model) refresh() {
	res := m.c.Result
	if res.Merged() == m.merged && res.Done() == m.done {
		return
	}
	m.merged, m.done = res.Merged(), res.Done()
	m.rows = rows(m.c, m.node)
	m.final = final(m.c, m.node)
}

// rows lists the entries at n oldest first, and the layers that removed
// one of them through a parent.
func rows(c *common.Common, n tree.NodeID) []row {
	fs := c.Result.FS
	var entries []*tree.Entry
	fs.History(n, func(_ tree.EntryID, e *tree.Entry) bool {
		entries = append(entries, e)
		return true
	})
	slices.Reverse(entries)
	own := map[int]bool{} // layers with an entry at n
	for _, e := range entries {
		own[int(e.Layer)] = true
	}
	var out []row
	indirect := map[int]bool{}
	for _, e := range entries {
		out = append(out, direct(e))
		if by, ok := e.Shadowed(); ok && !e.Type.IsMarker() && !own[by] && !indirect[by] {
			indirect[by] = true
			out = append(out, row{layer: by, state: "removed", via: via(fs, n, by), look: lookRemoved})
		}
	}
	slices.SortStableFunc(out, func(a, b row) int { return a.layer - b.layer })
	return out
}

// direct describes an entry at the path itself.
func direct(e *tree.Entry) row {
	r := row{layer: int(e.Layer), typ: e.Type.String(), size: "-"}
	if e.Type == tree.TypeFile {
		r.size = humanize.Bytes(uint64(e.Size))
	}
	switch {
	case e.Type == tree.TypeOpaque:
		r.state = "opaque directory marker"
	case e.Type == tree.TypeWhiteout && e.State == tree.Removed:
		r.state, r.look = "removed", lookRemoved
	case e.Type == tree.TypeWhiteout:
		r.state = "whiteout of nothing"
	case e.State == tree.Added:
		r.state, r.look = "added", lookAdded
	case e.State == tree.Modified && e.Changes.Content():
		r.state, r.look = "modified content", lookModified
	case e.State == tree.Modified && e.Changes != 0:
		r.state, r.look = "modified metadata", lookMeta
	case e.State == tree.Modified:
		r.state = "listed again, unchanged"
	default:
		r.state = e.State.String()
	}
	return r
}

// via names the parent through which layer by removed n: the nearest
// ancestor where that layer has a whiteout, an opaque marker or a
// non-directory.
func via(fs *tree.FS, n tree.NodeID, by int) string {
	for a := fs.Parent(n); ; a = fs.Parent(a) {
		how := ""
		fs.History(a, func(_ tree.EntryID, e *tree.Entry) bool {
			if int(e.Layer) > by {
				return true
			}
			if int(e.Layer) < by {
				return false
			}
			switch e.Type {
			case tree.TypeWhiteout:
				how = "whiteout"
			case tree.TypeOpaque:
				how = "opaque marker"
			case tree.TypeDir:
				return true
			default:
				how = "replaced by a " + e.Type.String()
			}
			return false
		})
		if how != "" {
			return "via " + tree.Printable(fs.Path(a)) + " (" + how + ")"
		}
		if a == tree.Root {
			return "via a parent"
		}
	}
}

// final says what is at n after the last layer read.
func final(c *common.Common, n tree.NodeID) string {
	res := c.Result
	fs := res.FS
	when := "in the image"
	if !res.Done() {
		when = fmt.Sprintf("after layer %d (still reading)", res.Merged()-1)
	}
	switch id := fs.Cur(n); {
	case id != tree.NoEntry:
		e := fs.Entry(id)
		what := e.Type.String()
		if e.Type == tree.TypeFile {
			what += ", " + humanize.Bytes(uint64(e.Size))
		}
		return fmt.Sprintf("%s: present (%s, from layer %d)", when, what, e.Layer)
	case fs.Live(n):
		return when + ": present (implied by the paths below it)"
	}
	return when + ": absent"
}

// lines is the text of the pane: a header, then blocks of two lines, one
// for each row and one for the final state. Only the blocks scroll.
func (m *Model) lines() (header string, blocks []string) {
	m.refresh()
	st := m.c.Styles
	layers := m.c.Result.Layers
	if len(m.rows) == 0 {
		return "", []string{st.Dim.Render("No layer has an entry at this path."), "", st.Dim.Render(m.final), ""}
	}
	stateW, typeW := len("state"), len("type")
	for _, r := range m.rows {
		if r.via == "" {
			stateW, typeW = max(stateW, len(r.state)), max(typeW, len(r.typ))
		}
	}
	header = st.Dim.Render(fmt.Sprintf("%5s  %-*s  %-*s  %s", "layer", stateW, "state", typeW, "type", "size"))
	var out []string
	for _, r := range m.rows {
		var b strings.Builder
		fmt.Fprintf(&b, "%5d  ", r.layer)
		if r.via != "" {
			b.WriteString(r.look.style(m.c).Render(r.state) + " " + r.via)
		} else {
			b.WriteString(r.look.style(m.c).Render(r.state) + strings.Repeat(" ", stateW-len(r.state)))
			fmt.Fprintf(&b, "  %-*s  %s", typeW, r.typ, r.size)
		}
		out = append(out, b.String())
		cmd := "(no history)"
		if r.layer < len(layers) && layers[r.layer].Command != "" {
			cmd = layers[r.layer].Command
		}
		out = append(out, "       "+st.Dim.Render(tree.Printable(cmd)))
	}
	return header, append(out, "", st.Dim.Render(m.final))
}

// maxTop is the last block that may be on top.
func (m *Model) maxTop() int {
	header, blocks := m.lines()
	h := m.height
	if header != "" {
		h--
	}
	return max(0, (len(blocks)-h+1)/2)
}

func (m *Model) clamp() {
	if m.merged >= 0 {
		m.top = max(0, min(m.top, m.maxTop()))
	}
}

// Update scrolls; esc and q close.
func (m *Model) Update(msg tea.Msg) (tea.Cmd, bool) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	km := m.c.KeyMap
	m.refresh()
	switch {
	case key.Matches(k, km.Cancel, km.Quit):
		return nil, true
	case key.Matches(k, km.Down):
		m.top++
	case key.Matches(k, km.Up):
		m.top--
	case key.Matches(k, km.PageDown):
		m.top += max(1, (m.height-1)/2)
	case key.Matches(k, km.PageUp):
		m.top -= max(1, (m.height-1)/2)
	case key.Matches(k, km.Top):
		m.top = 0
	case key.Matches(k, km.Bottom):
		m.top = m.maxTop()
	}
	m.clamp()
	return nil, false
}

// View draws height lines of at most width cells.
func (m *Model) View() string {
	m.refresh()
	m.clamp()
	header, blocks := m.lines()
	out := make([]string, 0, m.height)
	if header != "" {
		out = append(out, header)
	}
	for i := 2 * m.top; i < len(blocks) && len(out) < m.height; i++ {
		out = append(out, blocks[i])
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
	return []key.Binding{k.Up, k.Down, common.CloseBinding(k.Cancel, k.Quit)}
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.c.KeyMap
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, {common.CloseBinding(k.Cancel, k.Quit)}}
}
