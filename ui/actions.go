package ui

import (
	"fmt"
	"os"
	"path/filepath"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/dustin/go-humanize"

	"github.com/layerscope/layerscope/analysis/content"
	"github.com/layerscope/layerscope/analysis/extract"
	"github.com/layerscope/layerscope/tree"
	"github.com/layerscope/layerscope/ui/history"
	"github.com/layerscope/layerscope/ui/pager"
	"github.com/layerscope/layerscope/ui/waste"
)

// setOverlay shows p in place of the tree.
func (m *Model) setOverlay(p Pane, cmd tea.Cmd) tea.Cmd {
	m.closeOverlay()
	m.overlay = p
	m.layout()
	return cmd
}

// openContents shows the file under the cursor, read from its layer.
func (m *Model) openContents() tea.Cmd {
	id := m.tree.CursorEntry()
	if id == tree.NoEntry {
		return nil
	}
	res := m.c.Result
	e := res.FS.Entry(id)
	if e.Type != tree.TypeFile && e.Type != tree.TypeHardlink {
		if m.c.Result.FS.HasChildren(e.Node) {
			m.tree.Update(tea.KeyPressMsg{Code: tea.KeySpace})
		}
		return nil
	}
	// Locate reads the tree here, in Update; the pager reads only the blob.
	f, err := content.Locate(res, id)
	if err != nil {
		m.status = err.Error()
		return nil
	}
	p := pager.New(m.c, fmt.Sprintf("%s (layer %d)", f.Path, e.Layer), f.Size, f.Open)
	return m.setOverlay(p, p.Init())
}

func (m *Model) openHistory() tea.Cmd {
	n := m.tree.Cursor()
	if n == tree.Root {
		return nil
	}
	return m.setOverlay(history.New(m.c, n), nil)
}

func (m *Model) openWaste() tea.Cmd {
	if !m.loaded {
		m.status = "the wasted files are known once every layer is read"
		return nil
	}
	w := waste.New(m.c)
	return m.setOverlay(&wasteOverlay{Model: w, app: m}, nil)
}

// wasteOverlay jumps to the chosen file in the tree, at the layer that
// added it.
type wasteOverlay struct {
	*waste.Model
	app *Model
}

func (w *wasteOverlay) Update(msg tea.Msg) (tea.Cmd, bool) {
	cmd, closed := w.Model.Update(msg)
	if closed {
		if p, layer, ok := w.Chosen(); ok {
			w.app.jumpTo(p, layer)
		}
	}
	return cmd, closed
}

// jumpTo selects layer and puts the tree's cursor on path.
func (m *Model) jumpTo(path string, layer int) {
	m.layers.Select(layer)
	m.setFocus(focusTree)
	m.tree.SetLayer(layer)
	if n, ok := m.c.Result.FS.Lookup(path); ok && !m.tree.JumpTo(n) {
		m.status = path + " is hidden in this view"
	}
}

// prompt asks for the extraction's destination, then, if needed, whether
// to overwrite.
type prompt struct {
	input    textinput.Model
	node     tree.NodeID
	layer    int
	confirm  bool // asking y/n about overwriting
	dest     string
	question string
}

func (p *prompt) view() string {
	if p.confirm {
		return p.question + " [y/N] " + p.input.View()
	}
	return p.question + " " + p.input.View()
}

func (m *Model) startExtract() tea.Cmd {
	n := m.tree.Cursor()
	if n == tree.Root || !m.loaded {
		if !m.loaded {
			m.status = "extraction is possible once every layer is read"
		}
		return nil
	}
	in := textinput.New()
	in.Prompt = ""
	in.SetValue(".")
	in.CursorEnd()
	cmd := in.Focus()
	m.prompt = &prompt{input: in, node: n, layer: m.tree.Layer(),
		question: fmt.Sprintf("extract %s as in layer %d into directory:", m.c.Result.FS.Path(n), m.tree.Layer())}
	return cmd
}

func (m *Model) updatePrompt(msg tea.KeyPressMsg) tea.Cmd {
	p := m.prompt
	k := m.c.KeyMap
	switch {
	case key.Matches(msg, k.Cancel):
		m.prompt, m.status = nil, "extraction cancelled"
		return nil
	case key.Matches(msg, k.Accept):
		if p.confirm {
			m.prompt = nil
			if v := p.input.Value(); v == "y" || v == "Y" || v == "yes" {
				return m.runExtract(p, true)
			}
			m.status = "extraction cancelled: nothing overwritten"
			return nil
		}
		p.dest = p.input.Value()
		target := filepath.Join(p.dest, m.c.Result.FS.Name(p.node))
		if _, err := os.Lstat(target); err == nil {
			p.confirm = true
			p.question = target + " exists; overwrite files in it?"
			p.input.SetValue("")
			return nil
		}
		m.prompt = nil
		return m.runExtract(p, false)
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	return cmd
}

type extractDoneMsg struct{ text string }

// runExtract writes in the background and reports in the footer.
func (m *Model) runExtract(p *prompt, overwrite bool) tea.Cmd {
	// Prepare reads the tree here, in Update; Run reads only the blobs.
	job, err := extract.Prepare(m.c.Result, p.node, p.layer)
	if err != nil {
		m.status = "extraction failed: " + err.Error()
		return nil
	}
	ctx := m.ctx
	m.status = "extracting…"
	return func() tea.Msg {
		sum, err := job.Run(ctx, p.dest, extract.Options{Overwrite: overwrite})
		if err != nil {
			return extractDoneMsg{"extraction failed: " + err.Error()}
		}
		text := fmt.Sprintf("extracted %d files, %d directories, %d symlinks (%s) into %s", sum.Files, sum.Dirs, sum.Symlinks,
			humanize.Bytes(uint64(sum.Bytes)), p.dest)
		if sum.Skipped > 0 {
			text += fmt.Sprintf("; skipped %d", sum.Skipped)
		}
		return extractDoneMsg{text}
	}
}
