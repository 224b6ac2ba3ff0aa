package ui

import (
	"fmt"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/dustin/go-humanize"

	"github.com/layerscope/layerscope/tree"
	"github.com/layerscope/layerscope/ui/common"
	"github.com/layerscope/layerscope/ui/details"
)

// Minimum terminal size the layout needs.
const minWidth, minHeight = 60, 16

// wide is the width from which the left column gets its full share;
// below it names come first and the left column narrows.
const wide = 120

// geometry of the layout, computed by layout().
type geometry struct {
	leftW, rightW             int
	layersH, detailsH, imageH int
	bodyH                     int // the panes, without the status line and footer
}

func (m *Model) geometry() geometry {
	var g geometry
	g.bodyH = m.height - 2 // the status line and the footer
	switch {
	case m.width >= wide:
		g.leftW = min(max(m.width*2/5, 34), 90)
	case m.width >= 80:
		g.leftW = max(m.width*3/10, min(26, m.width*2/5))
	default: // the layer list keeps its number, size and a word of command
		g.leftW = max(m.width*3/10, 18)
	}
	g.rightW = m.width - g.leftW
	g.layersH = max(g.bodyH*2/5, 5)
	g.detailsH = max(g.bodyH*3/10, 5)
	g.imageH = g.bodyH - g.layersH - g.detailsH
	return g
}

func (m *Model) layout() {
	if m.helpView != nil {
		m.helpView.SetSize(m.width, m.height-2)
	}
	m.help.SetWidth(0) // shortHelp fits the footer itself, keeping its last key
	if m.tree == nil || m.width == 0 {
		return
	}
	g := m.geometry()
	m.layers.SetSize(g.leftW-2, g.layersH-2)
	m.tree.SetSize(g.rightW-2, g.bodyH-2)
	if m.overlay != nil {
		m.overlay.SetSize(g.rightW-2, g.bodyH-2)
	}
}

func (m *Model) tooSmall() bool { return m.width < minWidth || m.height < minHeight }

// View draws the screen.
func (m *Model) View() tea.View {
	content := m.render()
	if m.quitting {
		// Bubbletea draws the view once more before leaving the
		// alternate screen; a terminal widened meanwhile reflows
		// full-width lines into the scrollback as that screen is left.
		// An empty last frame leaves it nothing to reflow.
		content = ""
	}
	v := tea.NewView(content)
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "layerscope"
	return v
}

func (m *Model) render() string {
	st := m.c.Styles
	switch {
	case m.width == 0:
		return ""
	case m.tooSmall():
		return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center,
			fmt.Sprintf("The terminal is too small: %d×%d.\nlayerscope needs at least %d×%d.", m.width, m.height, minWidth, minHeight))
	case m.err != nil && m.tree == nil:
		return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center,
			st.Error.Render("layerscope could not load the image")+"\n\n"+ansi.Wrap(m.err.Error(), m.width-4, " ")+"\n\n"+st.Dim.Render("q to quit"))
	case m.tree == nil:
		return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center, m.loadingText())
	case m.helpView != nil:
		return m.renderHelp()
	}
	return m.renderPanes()
}

func (m *Model) loadingText() string {
	if m.export.stage != "" {
		of := ""
		if m.export.total > 0 {
			of = " of " + humanize.Bytes(uint64(m.export.total))
		}
		return fmt.Sprintf("%s\n\n%s: %s%s", m.cfg.Name, m.export.stage, humanize.Bytes(uint64(m.export.done)), of)
	}
	return "Opening " + m.cfg.Name + "…"
}

func (m *Model) renderPanes() string {
	st := m.c.Styles
	g := m.geometry()
	edge := func(active bool) lipgloss.Style {
		if active {
			return st.ActiveBorder
		}
		return st.Border
	}
	title := func(active bool) lipgloss.Style {
		if active {
			return st.ActiveTitle
		}
		return st.Title
	}
	res := m.c.Result
	sel := m.layers.Selected()
	left := lipgloss.JoinVertical(lipgloss.Left,
		box(m.layers.Title(), m.layers.View(), g.leftW, g.layersH, edge(m.focus == focusLayers), title(m.focus == focusLayers), st.ThickActive && m.focus == focusLayers),
		box(fmt.Sprintf("Layer %d details", sel), details.Layer(m.c, sel, g.leftW-2), g.leftW, g.detailsH, st.Border, st.Title, false),
		box("Image details", details.ImagePane(st, res, m.img.Info, g.leftW-2), g.leftW, g.imageH, st.Border, st.Title, false),
	)
	var right string
	treeActive := m.focus == focusTree
	if m.overlay != nil {
		right = box(m.overlay.Title(), m.overlay.View(), g.rightW, g.bodyH, st.ActiveBorder, st.ActiveTitle, st.ThickActive)
	} else {
		right = box(m.tree.Title(), m.tree.View(), g.rightW, g.bodyH, edge(treeActive), title(treeActive), st.ThickActive && treeActive)
	}
	return lipgloss.JoinHorizontal(lipgloss.Top, left, right) + "\n" + m.statusLine() + "\n" + m.footer()
}

// statusLine names the entry under the tree's cursor in full: the tree
// shows names, which a narrow screen cuts.
func (m *Model) statusLine() string {
	st := m.c.Styles
	n := m.tree.Cursor()
	if n == tree.Root {
		return ""
	}
	info := m.tree.Describe(n)
	path := tree.Printable(m.c.Result.FS.Path(n))
	room := m.width - ansi.StringWidth(info) - 3
	if w := ansi.StringWidth(path); room > 8 && w > room {
		path = ansi.TruncateLeft(path, w-room+1, "…") // the end of a path says most
	}
	return ansi.Truncate(path+"  "+st.Dim.Render(info), m.width, "…")
}

// activeKeys is the help of whatever has the keyboard.
func (m *Model) activeKeys() help.KeyMap {
	switch {
	case m.overlay != nil:
		return m.overlay
	case m.focus == focusTree:
		return m.tree
	}
	return m.layers
}

func (m *Model) footer() string {
	st := m.c.Styles
	left := ""
	switch {
	case m.prompt != nil:
		left = m.prompt.view()
	case m.status != "":
		left = m.status
	case !m.loaded:
		p := m.progress
		left = fmt.Sprintf("reading layers: %d of %d read · %s", m.c.Result.Merged(), len(m.c.Result.Layers), humanize.Bytes(uint64(p.BytesDone)))
		if p.BytesTotal > 0 {
			left += " / " + humanize.Bytes(uint64(p.BytesTotal))
		}
	case m.err != nil:
		left = st.Error.Render("error: " + m.err.Error())
	}
	if left != "" {
		return ansi.Truncate(left, m.width, "…")
	}
	// "? all keys" ends every footer, whatever has the keyboard.
	help := m.c.KeyMap.Help
	var keys []key.Binding
	for _, b := range m.activeKeys().ShortHelp() {
		if b.Help() != help.Help() {
			keys = append(keys, b)
		}
	}
	return m.shortHelp(append(keys, help))
}

// shortHelp draws keys in one line, dropping from the end but always
// keeping the last one (? all keys).
func (m *Model) shortHelp(keys []key.Binding) string {
	if len(keys) == 0 {
		return ""
	}
	last := keys[len(keys)-1]
	for n := len(keys); n > 0; n-- {
		ks := append(append([]key.Binding{}, keys[:n-1]...), last)
		if s := m.help.ShortHelpView(ks); ansi.StringWidth(s) <= m.width {
			return s
		}
	}
	return ansi.Truncate(m.help.ShortHelpView([]key.Binding{last}), m.width, "…")
}

// openHelp shows every key in one scrollable column.
func (m *Model) openHelp() {
	st := m.c.Styles
	var lines []string
	section := func(title string, groups [][]key.Binding) {
		lines = append(lines, st.Bold.Render(title))
		w := 0
		for _, g := range groups {
			for _, b := range g {
				w = max(w, ansi.StringWidth(b.Help().Key))
			}
		}
		for _, g := range groups {
			for _, b := range g {
				if b.Enabled() {
					lines = append(lines, fmt.Sprintf("  %-*s  %s", w, b.Help().Key, st.Dim.Render(b.Help().Desc)))
				}
			}
		}
		lines = append(lines, "")
	}
	if m.overlay != nil {
		section(tree.Printable(m.overlay.Title()), m.overlay.FullHelp())
	}
	section("Layers", m.layers.FullHelp())
	section("Files", m.tree.FullHelp())
	m.helpView = common.NewViewport(m.c)
	m.helpView.SoftWrap = true // one column that fits any width
	m.helpView.SetContentLines(lines)
	m.layout()
}

func (m *Model) renderHelp() string {
	st := m.c.Styles
	title := st.Bold.Render("Keys") + "  " + st.Dim.Render(fmt.Sprintf("%d%% · ↑↓ pgup pgdn scroll · ?/esc close", int(m.helpView.ScrollPercent()*100)))
	k := m.c.KeyMap
	closeKeys := key.NewBinding(key.WithKeys(k.Help.Keys()...), key.WithHelp(k.Help.Help().Key+"/"+k.Cancel.Help().Key, "close"))
	return ansi.Truncate(title, m.width, "…") + "\n" + m.helpView.View() + "\n" + m.shortHelp(append(m.helpView.Keys(), closeKeys))
}
