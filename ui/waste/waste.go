// Package waste is the explorer's list of wasted files: file bytes a layer
// added that a later layer overwrote or deleted, largest first. Enter
// picks one; the app then shows it in the tree at the layer that added it.
package waste

import (
	"fmt"
	"strings"

	"github.com/layerscope/layerscope/tree"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/dustin/go-humanize"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/ui/common"
)

// Model is the list.
type Model struct {
	c *common.Common

	list          common.List
	width, height int

	// Derived from the list, computed once.
	total  int64
	byW    int // the widest "overwritten by N"
	addedW int // the widest "added in N"
	pathW  int // the widest path
	known  int // len of the list these were computed for; -1 before
}

// New returns the list of c.Result.Wasted, which is complete once the
// analysis is done, with the largest file selected.
func New(c *common.Common) *Model {
	return &Model{c: c, width: 80, height: 24, known: -1}
}

func (m *Model) files() []analysis.WastedFile { return m.c.Result.Wasted }

// measure computes the total and the width of the last column.
func (m *Model) measure() {
	files := m.files()
	if m.known == len(files) {
		return
	}
	m.known, m.total, m.byW, m.addedW, m.pathW = len(files), 0, len("hidden by"), len("added in"), 0
	for _, f := range files {
		m.total += f.Bytes
		m.byW = max(m.byW, len(by(f)))
		m.addedW = max(m.addedW, len(fmt.Sprint(f.Layer)))
		m.pathW = max(m.pathW, ansi.StringWidth(tree.Printable(f.Path)))
	}
}

// Title is "Wasted files (N, total size)".
func (m *Model) Title() string {
	m.measure()
	return fmt.Sprintf("Wasted files (%d, %s)", len(m.files()), humanize.Bytes(uint64(m.total)))
}

// SetSize sets the inner size.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = max(w, 1), max(h, 1)
	m.scrollTo()
}

// choose is the selected file: its path and the layer that added it.
func (m *Model) choose() (path string, layer int, ok bool) {
	files := m.files()
	if m.list.Selected >= len(files) {
		return "", 0, false
	}
	f := files[m.list.Selected]
	return f.Path, f.Layer, true
}

// Selected is the index of the selected file.
func (m *Model) Selected() int { return m.list.Selected }

// rows is how many files fit under the header.
func (m *Model) rows() int { return max(m.height-1, 1) }

func (m *Model) scrollTo() { m.list.Select(m.list.Selected, len(m.files()), m.rows()) }

// Init implements common.Pane: the list is there already.
func (m *Model) Init() tea.Cmd { return nil }

// Close implements common.Pane: the list holds nothing to release.
func (m *Model) Close() {}

// Update moves the selection; enter asks the app to show the file in the
// tree at the layer that added it; esc and q close.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	if m.list.Update(m.c, msg, len(m.files()), m.rows()) {
		return nil
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	km := m.c.KeyMap
	switch {
	case key.Matches(k, km.Accept):
		if p, layer, ok := m.choose(); ok {
			return common.JumpCmd(p, layer)
		}
	case key.Matches(k, km.Cancel, km.Quit):
		return common.CloseCmd(m)
	}
	return nil
}

// by is the last column: which layer hid the file, and how. The heading
// says "hidden by"; a row says only the layer and the way.
func by(f analysis.WastedFile) string {
	if f.Deleted {
		return fmt.Sprintf("%d, deleted", f.ShadowedBy)
	}
	return fmt.Sprintf("%d, overwritten", f.ShadowedBy)
}

const sizeW = 7 // "999 kB", "1.2 MB"

// margin keeps the rows off the pane's left border.
const margin = 1

// columns splits the width between path and "added in" once size and
// "hidden by" have theirs: the path first, then the command.
func (m *Model) columns() (pathW, addedW int) {
	rest := max(m.width-margin-sizeW-m.byW-6, 2)
	pathW = max(min(m.pathW, rest-m.addedW), min(rest, 12))
	if m.pathW > pathW && rest-m.addedW > 0 {
		pathW = rest - m.addedW
	}
	return pathW, rest - pathW
}

// View draws height lines of at most width cells.
func (m *Model) View() string {
	m.measure()
	m.scrollTo()
	st := m.c.Styles
	files := m.files()
	out := make([]string, 0, m.height)
	switch {
	case !m.c.Result.Done():
		out = append(out, st.Dim.Render("The wasted files are known once every layer is read."))
	case len(files) == 0:
		out = append(out, "No wasted files.", st.Dim.Render("Every file a layer adds is in the final image."))
	default:
		pathW, addedW := m.columns()
		out = append(out, st.Dim.Render(fmt.Sprintf("%*s  %s  %s  %s", sizeW, "size", common.Pad("path", pathW), common.Pad("added in", addedW), "hidden by")))
		for i := m.list.Offset; i < len(files) && len(out) < m.height; i++ {
			out = append(out, m.row(files[i], i == m.list.Selected, pathW, addedW))
		}
	}
	for len(out) < m.height {
		out = append(out, "")
	}
	for i, l := range out {
		out[i] = ansi.Truncate(strings.Repeat(" ", margin)+l, m.width, "…")
	}
	return strings.Join(out, "\n")
}

// row draws one file.
func (m *Model) row(f analysis.WastedFile, selected bool, pathW, addedW int) string {
	st := m.c.Styles
	path := tree.Printable(f.Path)
	if w := ansi.StringWidth(path); w > pathW {
		path = ansi.TruncateLeft(path, w-pathW+1, "…") // the end of a path says most
	}
	added := fmt.Sprint(f.Layer)
	if f.Layer < len(m.c.Result.Layers) {
		if cmd := tree.Printable(m.c.Result.Layers[f.Layer].Command); cmd != "" && addedW >= len(added)+12 {
			added += " (" + ansi.Truncate(cmd, addedW-len(added)-3, "…") + ")"
		}
	}
	added = ansi.Truncate(added, addedW, "…")
	hidden := by(f)
	cells := []string{fmt.Sprintf("%*s", sizeW, humanize.Bytes(uint64(f.Bytes))), common.Pad(path, pathW), common.Pad(added, addedW), hidden}
	if selected {
		line := strings.Join(cells, "  ")
		return st.SelectedActive.Render(common.Pad(line, m.width-margin))
	}
	cells[2] = st.Dim.Render(cells[2])
	if !st.NoColor {
		if f.Deleted {
			cells[3] = st.Removed.Render(hidden)
		} else {
			cells[3] = st.Modified.Render(hidden)
		}
	}
	return strings.Join(cells, "  ")
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

// showBinding describes enter as showing the file in the tree.
func showBinding(accept key.Binding) key.Binding {
	return key.NewBinding(key.WithKeys(accept.Keys()...), key.WithHelp(accept.Help().Key, "show in tree"))
}
