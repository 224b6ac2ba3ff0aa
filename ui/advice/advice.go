// Package advice is the explorer's list of findings: how to shrink the
// image and the secrets it ships, largest first, each naming the layer to
// fix. The selected finding's message, fix and paths show below the list;
// enter reports a common.JumpMsg so that the app closes the list and
// shows the finding's first path in the tree at its layer.
package advice

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/dustin/go-humanize"

	adv "github.com/layerscope/layerscope/analysis/advice"
	"github.com/layerscope/layerscope/tree"
	"github.com/layerscope/layerscope/ui/common"
)

// Model is the list, a common.Pane.
type Model struct {
	c *common.Common

	list          common.List // the selected finding and the first row on screen
	width, height int
	chosen        bool
}

// New returns the list of c.Result's advice (known once every layer is
// read), the largest finding selected.
func New(c *common.Common) *Model { return &Model{c: c, width: 80, height: 24} }

func (m *Model) report() adv.Report { return m.c.Result.Advice() }

func (m *Model) findings() []adv.Finding { return m.report().Findings }

// Title is "Advice (N findings, X reclaimable)".
func (m *Model) Title() string {
	r := m.report()
	n := len(r.Findings)
	what := "findings"
	if n == 1 {
		what = "finding"
	}
	return fmt.Sprintf("Advice (%d %s, %s reclaimable)", n, what, humanize.Bytes(uint64(r.ReclaimableBytes)))
}

// Init implements common.Pane: the list reads nothing.
func (m *Model) Init() tea.Cmd { return nil }

// Close implements common.Pane: the list holds nothing.
func (m *Model) Close() {}

// SetSize sets the inner size.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = max(w, 1), max(h, 1)
	m.scrollTo()
}

// Selected is the index of the selected finding.
func (m *Model) Selected() int { return m.list.Selected }

// Chosen is the path and layer picked with enter; ok is false when the
// list was closed without a choice, or the finding has no path (a secret
// in ENV, a label or the history).
func (m *Model) Chosen() (path string, layer int, ok bool) {
	fs := m.findings()
	if !m.chosen || m.list.Selected >= len(fs) || len(fs[m.list.Selected].Paths) == 0 {
		return "", 0, false
	}
	f := fs[m.list.Selected]
	return f.Paths[0], f.Layer, true
}

// detailH is how many lines the selected finding's details take.
func (m *Model) detailH() int {
	switch {
	case m.height >= 16:
		return 6
	case m.height >= 8:
		return 3
	}
	return 0
}

// rows is how many findings fit under the header.
func (m *Model) rows() int { return max(m.height-1-m.detailH(), 1) }

// scrollTo keeps the selection in view after a resize.
func (m *Model) scrollTo() { m.list.Select(m.list.Selected, len(m.findings()), m.rows()) }

// Update moves the selection; enter on a finding with a path reports a
// common.JumpMsg (the app closes the list and shows the path); esc and q
// report a common.CloseMsg.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	km := m.c.KeyMap
	switch {
	case key.Matches(k, km.Accept):
		m.chosen = true
		p, layer, ok := m.Chosen()
		if !ok {
			m.chosen = false
			if len(m.findings()) == 0 {
				return common.CloseCmd(m) // an empty list closes; a pathless finding stays
			}
			return nil
		}
		return common.JumpCmd(p, layer)
	case key.Matches(k, km.Cancel, km.Quit):
		m.chosen = false
		return common.CloseCmd(m)
	default:
		m.list.Update(m.c, msg, len(m.findings()), m.rows())
	}
	return nil
}

const (
	sizeW  = 7  // "999 kB", "1.2 MB"
	kindW  = 17 // "duplicate-content"
	layerW = 5  // "layer"
)

// View draws height lines of at most width cells.
func (m *Model) View() string {
	m.scrollTo()
	st := m.c.Styles
	fs := m.findings()
	out := make([]string, 0, m.height)
	switch {
	case !m.c.Result.Done():
		out = append(out, st.Dim.Render("The advice is known once every layer is read."))
	case len(fs) == 0:
		out = append(out, "No advice.", st.Dim.Render("No package caches, removed or duplicated bytes, metadata-only copies or secrets."))
		for _, k := range m.report().NotChecked {
			out = append(out, st.Dim.Render(k+" was not checked: file contents were skipped (--no-verify)"))
		}
	default:
		out = append(out, st.Dim.Render(fmt.Sprintf("%*s  %-*s  %*s  %s", sizeW, "saves", kindW, "kind", layerW, "layer", "what")))
		for i := m.list.Offset; i < len(fs) && len(out) < 1+m.rows(); i++ {
			out = append(out, m.row(fs[i], i == m.list.Selected))
		}
		for len(out) < 1+m.rows() {
			out = append(out, "")
		}
		out = append(out, m.details(fs[m.list.Selected])...)
	}
	for len(out) < m.height {
		out = append(out, "")
	}
	out = out[:m.height]
	for i, l := range out {
		out[i] = ansi.Truncate(l, m.width, "…")
	}
	return strings.Join(out, "\n")
}

// row draws one finding.
func (m *Model) row(f adv.Finding, selected bool) string {
	st := m.c.Styles
	saves := humanize.Bytes(uint64(f.Bytes))
	if f.Kind == adv.KindSecret {
		saves = "secret"
	}
	what := tree.Printable(f.Message)
	cells := fmt.Sprintf("%*s  %-*s  %*d  ", sizeW, saves, kindW, f.Kind, layerW, f.Layer)
	if selected {
		return st.SelectedActive.Render(common.Pad(cells+what, m.width))
	}
	if f.Kind == adv.KindSecret && !st.NoColor {
		cells = st.Removed.Render(cells)
	}
	return cells + st.Dim.Render(what)
}

// details draws the selected finding's message, fix and paths in
// detailH lines.
func (m *Model) details(f adv.Finding) []string {
	n := m.detailH()
	if n == 0 {
		return nil
	}
	st := m.c.Styles
	w := max(m.width, 10)
	lines := []string{st.Dim.Render(strings.Repeat("─", w))}
	wrapped := func(prefix, s string, max int) {
		text := ansi.Wrap(prefix+tree.Printable(s), w, " /")
		for i, l := range strings.Split(text, "\n") {
			if i == max {
				break
			}
			lines = append(lines, l)
		}
	}
	if n >= 6 {
		wrapped("", f.Message, 2)
	}
	wrapped("fix: ", f.Fix, 2)
	switch {
	case len(f.Paths) > 0:
		more := ""
		if f.Count > 1 {
			more = fmt.Sprintf(" (+%d more)", f.Count-1)
		}
		lines = append(lines, st.Dim.Render("path: ")+tree.Printable(f.Paths[0])+st.Dim.Render(more))
	case f.Secret != nil:
		lines = append(lines, st.Dim.Render("in "+f.Secret.Where+" "+tree.Printable(f.Secret.Name)))
	}
	for len(lines) < n {
		lines = append(lines, "")
	}
	return lines[:n]
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

// showBinding describes enter as showing the path in the tree.
func showBinding(accept key.Binding) key.Binding {
	return key.NewBinding(key.WithKeys(accept.Keys()...), key.WithHelp(accept.Help().Key, "show in tree"))
}
