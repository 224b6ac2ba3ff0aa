package history

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/layerscope/layerscope/tree"
)

// layout writes the rows into the viewport: each row's line, then its
// layer's whole command wrapped below it, then the final state.
func (m *Model) layout() {
	st := m.c.Styles
	layers := m.c.Result.Layers
	m.start = m.start[:0]
	if len(m.rows) == 0 {
		m.vp.SetContentLines([]string{st.Dim.Render("No layer has an entry at this path."), "", st.Dim.Render(m.final)})
		return
	}
	stateW, typeW := m.widths()
	const indent = "       "
	var out []string
	for i, r := range m.rows {
		m.start = append(m.start, len(out))
		var b strings.Builder
		fmt.Fprintf(&b, "%5d  ", r.layer)
		if r.via != "" {
			b.WriteString(r.look.style(m.c).Render(r.state) + " " + r.via)
		} else {
			b.WriteString(r.look.style(m.c).Render(r.state) + strings.Repeat(" ", stateW-len(r.state)))
			fmt.Fprintf(&b, "  %-*s  %s", typeW, r.typ, r.size)
		}
		line := ansi.Truncate(b.String(), m.width, "…")
		if i == m.sel {
			line = m.selected(line)
		}
		out = append(out, line)
		cmd := "(no history)"
		if r.layer < len(layers) && layers[r.layer].Command != "" {
			cmd = layers[r.layer].Command
		}
		for _, l := range wrapWords(tree.Printable(cmd), max(m.width-len(indent), 1)) {
			out = append(out, indent+st.Dim.Render(l))
		}
	}
	m.vp.SetContentLines(append(out, "", st.Dim.Render(m.final)))
	m.show()
}

// selected draws the selected row's line across the whole width.
func (m *Model) selected(line string) string {
	plain := ansi.Strip(line)
	if pad := m.width - ansi.StringWidth(plain); pad > 0 {
		plain += strings.Repeat(" ", pad)
	}
	return m.c.Styles.SelectedActive.Render(plain)
}

// widths are the state and type columns' widths.
func (m *Model) widths() (stateW, typeW int) {
	stateW, typeW = len("state"), len("type")
	for _, r := range m.rows {
		if r.via == "" {
			stateW, typeW = max(stateW, len(r.state)), max(typeW, len(r.typ))
		}
	}
	return stateW, typeW
}

// show scrolls so that the selected row's line and as much of its
// command as fits are on screen.
func (m *Model) show() {
	if len(m.start) == 0 {
		return
	}
	first := m.start[m.sel]
	last := m.vp.TotalLineCount() - 1
	if m.sel+1 < len(m.start) {
		last = m.start[m.sel+1] - 1
	}
	h := m.vp.Height()
	switch {
	case first < m.vp.YOffset():
		m.vp.SetYOffset(first)
	case last >= m.vp.YOffset()+h:
		m.vp.SetYOffset(min(first, last-h+1))
	}
}

// header is the columns' names, above the viewport.
func (m *Model) header() string {
	if len(m.rows) == 0 {
		return ""
	}
	stateW, typeW := m.widths()
	return m.c.Styles.Dim.Render(fmt.Sprintf("%5s  %-*s  %-*s  %s", "layer", stateW, "state", typeW, "type", "size"))
}

// View draws height lines of at most width cells: the header, then the
// viewport.
func (m *Model) View() string {
	m.refresh()
	var out []string
	if h := m.header(); h != "" {
		out = append(out, h)
	}
	out = append(out, strings.Split(m.vp.View(), "\n")...)
	for len(out) < m.height {
		out = append(out, "")
	}
	out = out[:m.height]
	for i, l := range out {
		out[i] = ansi.Truncate(l, m.width, "…")
	}
	return strings.Join(out, "\n")
}

// wrapWords breaks s into lines of at most w cells at spaces only (a
// command's paths and flags stay whole to be copied), cutting a word only
// when it is longer than a line.
func wrapWords(s string, w int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		for ansi.StringWidth(word) > w {
			if line != "" {
				lines, line = append(lines, line), ""
			}
			lines = append(lines, ansi.Cut(word, 0, w))
			word = ansi.Cut(word, w, ansi.StringWidth(word))
		}
		switch {
		case line == "":
			line = word
		case ansi.StringWidth(line)+1+ansi.StringWidth(word) <= w:
			line += " " + word
		default:
			lines, line = append(lines, line), word
		}
	}
	if line != "" || len(lines) == 0 {
		lines = append(lines, line)
	}
	return lines
}
