// Package history is the explorer's history of one path: every layer that
// added, changed or removed it, oldest first, one row per layer, with the
// layer's full command (wrapped) — including the layers that removed it
// through a parent (a whiteout or opaque marker above it, or a parent
// replaced by a file). ↑↓ select a row, enter jumps to that layer in the
// tree; the rows scroll in the shared viewport (common.Viewport).
package history

import (
	"fmt"
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/dustin/go-humanize"

	"github.com/layerscope/layerscope/tree"
	"github.com/layerscope/layerscope/ui/common"
)

// Model is the history pane. It implements common.Pane.
type Model struct {
	c    *common.Common
	node tree.NodeID
	path string

	rows   []row
	merged int  // the layers the rows were computed with; -1 before
	done   bool // and whether the analysis was done then
	final  string

	sel   int   // the selected row
	start []int // the first content line of each row
	vp    *common.Viewport

	width, height int
}

var _ common.Pane = (*Model)(nil)

// row is one layer's change to the path.
type row struct {
	layer int
	state string // "added", "modified content", ...
	typ   string // "file", "whiteout", ... ("" for indirect removals)
	size  string
	via   string // for removals through a parent: the parent and how
	look  look
	jump  string // the path enter puts the tree's cursor on
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
	m := &Model{c: c, node: n, merged: -1, vp: common.NewViewport(c)}
	m.SetSize(80, 24)
	return m
}

// Init implements common.Pane: the history needs nothing started.
func (m *Model) Init() tea.Cmd { return nil }

// Close implements common.Pane: the history holds nothing.
func (m *Model) Close() {}

// Title is "History of /path".
func (m *Model) Title() string {
	if m.path == "" {
		m.path = tree.Printable(m.c.Result.FS.Path(m.node))
	}
	return "History of " + m.path
}

// SetSize sets the inner size: a header line and the viewport below it.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = max(w, 1), max(h, 1)
	m.vp.SetSize(m.width, max(m.height-1, 1))
	m.merged = -1 // lay the rows out again for the new width
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
	m.sel = max(0, min(m.sel, len(m.rows)-1))
	m.layout()
}

// rows lists what happened at n, one row per layer, oldest first: the
// layers with entries at n, and the layers that removed n through a
// parent.
func rows(c *common.Common, n tree.NodeID) []row {
	fs := c.Result.FS
	path := fs.Path(n)
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
	for i := 0; i < len(entries); {
		// One layer may list a path more than once (a marker and a new
		// directory, or a tar that repeats a name): one row says it all.
		j := i
		for j < len(entries) && entries[j].Layer == entries[i].Layer {
			j++
		}
		r := layerRow(entries[i:j])
		r.jump = path
		out = append(out, r)
		for _, e := range entries[i:j] {
			if by, ok := e.Shadowed(); ok && !e.Type.IsMarker() && !own[by] && !indirect[by] {
				indirect[by] = true
				how, at := via(fs, n, by)
				out = append(out, row{layer: by, state: "removed", via: how, look: lookRemoved, jump: at})
			}
		}
		i = j
	}
	slices.SortStableFunc(out, func(a, b row) int { return a.layer - b.layer })
	return out
}

// layerRow is the row of one layer's entries at a path: the last entry
// that is not a marker decides, and the markers beside it are named.
func layerRow(es []*tree.Entry) row {
	last := es[len(es)-1]
	var opaque, whiteout bool
	for _, e := range es {
		if !e.Type.IsMarker() {
			last = e
		}
		opaque = opaque || e.Type == tree.TypeOpaque
		whiteout = whiteout || e.Type == tree.TypeWhiteout
	}
	r := direct(last)
	if last.Type.IsMarker() {
		return r
	}
	switch {
	case opaque:
		r.state += " + opaque"
	case whiteout:
		r.state += " + whiteout"
	}
	return r
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
// non-directory; at is that ancestor's path.
func via(fs *tree.FS, n tree.NodeID, by int) (how, at string) {
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
			return "via " + tree.Printable(fs.Path(a)) + " (" + how + ")", fs.Path(a)
		}
		if a == tree.Root {
			return "via a parent", fs.Path(fs.Parent(n))
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

// Selected is the selected row's layer, -1 without rows.
func (m *Model) Selected() int {
	m.refresh()
	if len(m.rows) == 0 {
		return -1
	}
	return m.rows[m.sel].layer
}

// Update moves the selection and scrolls; enter jumps to the selected
// layer (common.JumpMsg), esc and q close (common.CloseMsg).
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	m.refresh()
	km := m.c.KeyMap
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if _, wheel := msg.(tea.MouseWheelMsg); wheel {
			m.vp.Update(msg)
		}
		return nil
	}
	switch {
	case key.Matches(k, km.Cancel, km.Quit):
		return common.CloseCmd(m)
	case key.Matches(k, km.Accept) && len(m.rows) > 0:
		r := m.rows[m.sel]
		return tea.Sequence(common.JumpCmd(r.jump, r.layer),
			common.StatusCmd(fmt.Sprintf("layer %d: %s %s", r.layer, r.state, tree.Printable(r.jump))))
	case key.Matches(k, km.Down):
		m.selectRow(m.sel + 1)
	case key.Matches(k, km.Up):
		m.selectRow(m.sel - 1)
	case key.Matches(k, km.Top):
		m.selectRow(0)
		m.vp.GotoTop()
	case key.Matches(k, km.Bottom):
		m.selectRow(len(m.rows) - 1)
		m.vp.GotoBottom()
	case key.Matches(k, km.PageDown, km.PageUp):
		m.vp.Update(msg)
		m.selectVisible()
	}
	return nil
}

func (m *Model) selectRow(i int) {
	if len(m.rows) == 0 {
		return
	}
	m.sel = max(0, min(i, len(m.rows)-1))
	m.layout()
}

// selectVisible selects the first row that starts on screen, after a
// page moved the screen.
func (m *Model) selectVisible() {
	y := m.vp.YOffset()
	sel := len(m.start) - 1
	for i, s := range m.start {
		if s >= y {
			sel = i
			break
		}
	}
	if sel != m.sel {
		m.sel = sel
		off := m.vp.YOffset()
		m.layout()
		m.vp.SetYOffset(off)
	}
}

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding {
	k := m.c.KeyMap
	return []key.Binding{k.Up, k.Down, m.jumpKey(), common.CloseBinding(k.Cancel, k.Quit)}
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.c.KeyMap
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, {m.jumpKey(), common.CloseBinding(k.Cancel, k.Quit)}}
}

func (m *Model) jumpKey() key.Binding {
	b := m.c.KeyMap.Accept
	b.SetHelp(b.Help().Key, "go to layer")
	return b
}
