package diffview

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/dustin/go-humanize"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/diff"
	"github.com/layerscope/layerscope/tree"
	"github.com/layerscope/layerscope/ui/common"
)

// The smallest terminal the explorer draws in.
const minWidth, minHeight = 60, 12

// View draws the explorer in the alternate screen.
func (m *Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	return v
}

// Render is the screen as text: exactly height lines of at most width
// cells.
func (m *Model) Render() string {
	w, h := m.width, m.height
	var lines []string
	switch {
	case w < minWidth || h < minHeight:
		lines = []string{fmt.Sprintf("terminal too small (%d×%d): the diff needs %d×%d", w, h, minWidth, minHeight)}
	case m.pager != nil:
		lines = append([]string{m.styles.ActiveTitle.Render(m.pager.Title())}, strings.Split(m.pager.View(), "\n")...)
		lines = fit(lines, h-1)
		lines = append(lines, m.footer(m.pager))
	case m.compare != nil:
		lines = append([]string{m.styles.ActiveTitle.Render(m.compare.title)}, strings.Split(m.compare.vp.View(), "\n")...)
		lines = fit(lines, h-1)
		lines = append(lines, m.footer(compareHelp{m.keys.Up, m.keys.Down, m.keys.PageDown, common.CloseBinding(m.keys.Cancel, m.keys.Quit)}))
	default:
		foot := []string{m.footer(m)}
		if m.fullHelp {
			foot = m.fullHelpLines()
		}
		lines = append(lines, m.header())
		lines = append(lines, m.layerLines()...)
		lines = append(lines, m.treeTitle())
		lines = append(lines, m.treeLines()...)
		lines = append(fit(lines, h-len(foot)), foot...)
	}
	lines = fit(lines, h)
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, w, "…")
	}
	return strings.Join(lines, "\n")
}

// fit pads or cuts lines to n.
func fit(lines []string, n int) []string {
	if len(lines) > n {
		return lines[:max(n, 0)]
	}
	for len(lines) < n {
		lines = append(lines, "")
	}
	return lines
}

func (m *Model) header() string {
	s := m.d.Summary
	st := m.styles
	return st.Bold.Render("diff ") + tree.Printable(m.cfg.OldName) + " → " + tree.Printable(m.cfg.NewName) + "  " +
		st.Added.Render(fmt.Sprintf("A %d", s.Added)) + " " + st.Removed.Render(fmt.Sprintf("D %d", s.Removed)) + " " +
		st.Modified.Render(fmt.Sprintf("M %d", s.Modified)) + st.Dim.Render(fmt.Sprintf("  size %s  wasted %s", diff.Signed(s.SizeDeltaBytes), diff.Signed(s.WastedDeltaBytes)))
}

// layersHeight is the height of the layer lists with their title.
func (m *Model) layersHeight() int {
	return min(m.layerRows()+1, max(3, (m.height-3)/3))
}

func (m *Model) layerRows() int { return max(len(m.d.Old.Layers), len(m.d.New.Layers)) }

// layerLines draws the two layer lists side by side: "=" marks the
// shared layers, "+" each side's own.
func (m *Model) layerLines() []string {
	st := m.styles
	title := st.Title
	if m.focus == focusLayers {
		title = st.ActiveTitle
	}
	col := max(10, (m.width-3)/2)
	out := []string{title.Render(fmt.Sprintf("Layers: %d shared (=), then old %d and new %d of their own (+)",
		m.d.Shared, len(m.d.Old.Layers)-m.d.Shared, len(m.d.New.Layers)-m.d.Shared))}
	side := func(ls []analysis.Layer, i int) string {
		if i >= len(ls) {
			return strings.Repeat(" ", col)
		}
		l := ls[i]
		mark, style := "+", st.Accent
		if i < m.d.Shared {
			mark, style = "=", st.Dim
		}
		cmd := l.Command
		if cmd == "" {
			cmd = "(no history)"
		}
		s := fmt.Sprintf("%s %2d %8s %s", style.Render(mark), i, humanize.Bytes(uint64(l.SizeBytes)), tree.Printable(cmd))
		s = ansi.Truncate(s, col, "…")
		return s + strings.Repeat(" ", max(0, col-ansi.StringWidth(s)))
	}
	for i := m.layersTop; i < m.layersTop+m.layersHeight()-1 && i < m.layerRows(); i++ {
		out = append(out, side(m.d.Old.Layers, i)+st.Dim.Render(" │ ")+side(m.d.New.Layers, i))
	}
	return out
}

func (m *Model) treeTitle() string {
	st := m.styles
	title := st.Title
	if m.focus == focusTree {
		title = st.ActiveTitle
	}
	parts := []string{fmt.Sprintf("Files: new's tree with old's removed paths (%d rows)", len(m.rows))}
	var hidden []string
	for _, k := range []struct {
		bit  uint8
		name string
	}{{kindAdded, "added"}, {kindModified, "modified"}, {kindRemoved, "removed"}, {kindUnmodified, "unmodified"}} {
		if m.layout.hidden&k.bit != 0 {
			hidden = append(hidden, k.name)
		}
	}
	if len(hidden) > 0 {
		parts = append(parts, "hiding "+strings.Join(hidden, ", "))
	}
	if m.layout.bySize {
		parts = append(parts, "by size")
	}
	if m.query != "" {
		parts = append(parts, "filter "+tree.Printable(m.query))
	}
	return title.Render(strings.Join(parts, " · "))
}

// treeLines draws the rows on screen: the change's marker and what
// changed, the size delta, the size, and the path in the tree.
func (m *Model) treeLines() []string {
	st := m.styles
	var out []string
	h := m.treeHeight()
	if len(m.rows) == 0 {
		return []string{st.Dim.Render("  (nothing to show: every kind is hidden or nothing matches)")}
	}
	for i := m.top; i < m.top+h && i < len(m.rows); i++ {
		r := m.rows[i]
		n := &m.view.nodes[r.node]
		marker, what, style := " ", "", st.Unmodified
		if n.change >= 0 {
			ch := m.d.Changes[n.change]
			marker, what = ch.Kind.Marker(), strings.Join(ch.What.Names(), ",")
			switch ch.Kind {
			case diff.Added:
				style = st.Added
			case diff.Removed:
				style = st.Removed
			default:
				style = st.Modified
			}
		}
		delta := ""
		if n.delta != 0 || n.change >= 0 {
			delta = diff.Signed(n.delta)
		}
		name := tree.Printable(n.name)
		if n.link != "" {
			name += " → " + tree.Printable(n.link)
		}
		if n.dir {
			name += "/"
			if m.layout.collapsed[r.node] {
				name += " …"
			}
		}
		line := fmt.Sprintf("%s %-13s %9s ", marker, ansi.Truncate(what, 13, "…"), delta)
		if m.attrs {
			line += fmt.Sprintf("%9s ", humanize.Bytes(uint64(n.size)))
		}
		line += m.view.guides(r.node, m.last) + name
		switch {
		case i == m.cursor && m.focus == focusTree:
			line = st.SelectedActive.Render(line)
		case i == m.cursor:
			line = st.Selected.Render(line)
		default:
			line = style.Render(line)
		}
		out = append(out, line)
	}
	return out
}

// footer is the filter prompt, a status line, or the keys of km.
func (m *Model) footer(km interface {
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
}) string {
	switch {
	case m.filtering:
		prompt := "/"
		if m.regex {
			prompt = "regex /"
		}
		line := m.styles.Key.Render(prompt) + tree.Printable(m.query) + "█" + m.styles.Dim.Render("  enter keep • esc clear • ctrl+r regex")
		if m.status != "" {
			line += "  " + m.styles.Error.Render(tree.Printable(m.status))
		}
		return line
	case m.status != "":
		return m.styles.Error.Render(m.status)
	}
	m.help.ShowAll = false
	return m.help.View(helpKeys{km})
}

// fullHelpLines is every key, in columns.
func (m *Model) fullHelpLines() []string {
	m.help.ShowAll = true
	defer func() { m.help.ShowAll = false }()
	return strings.Split(m.help.View(helpKeys{m}), "\n")
}

// helpKeys adapts a component's key lists to help.KeyMap.
type helpKeys struct {
	km interface {
		ShortHelp() []key.Binding
		FullHelp() [][]key.Binding
	}
}

func (h helpKeys) ShortHelp() []key.Binding  { return h.km.ShortHelp() }
func (h helpKeys) FullHelp() [][]key.Binding { return h.km.FullHelp() }

// ShortHelp lists the tree's main keys, every key with "?" (fullHelp).
func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	return []key.Binding{k.ToggleDir, k.Filter, k.Contents, k.HideUnmodified, k.Sort, k.SwitchPane, k.Help, k.Quit}
}

// FullHelp lists every key of the explorer of a diff.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.ToggleDir, k.ToggleAll, k.Parent, k.Open},
		{k.HideAdded, k.HideModified, k.HideRemoved, k.HideUnmodified, k.Sort, k.Attributes},
		{k.Filter, k.NextMatch, k.PrevMatch, k.Contents, k.SwitchPane, k.Help, k.Quit},
	}
}

// compareHelp is the keys of the comparison of two versions.
type compareHelp []key.Binding

func (c compareHelp) ShortHelp() []key.Binding  { return c }
func (c compareHelp) FullHelp() [][]key.Binding { return [][]key.Binding{c} }

// styleDiff colours a comparison's lines: removed, added, hunk headers.
func (m *Model) styleDiff(lines []string) []string {
	st := m.styles
	out := make([]string, len(lines))
	for i, l := range lines {
		var s lipgloss.Style
		switch {
		case strings.HasPrefix(l, "@@"):
			s = st.Accent
		case strings.HasPrefix(l, "---"), strings.HasPrefix(l, "+++"):
			s = st.Bold
		case strings.HasPrefix(l, "-"), strings.HasPrefix(l, "old: "):
			s = st.Removed
		case strings.HasPrefix(l, "+"), strings.HasPrefix(l, "new: "):
			s = st.Added
		default:
			out[i] = l
			continue
		}
		out[i] = s.Render(l)
	}
	return out
}
