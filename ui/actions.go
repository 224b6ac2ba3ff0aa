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
	"github.com/layerscope/layerscope/ui/advice"
	"github.com/layerscope/layerscope/ui/common"
	"github.com/layerscope/layerscope/ui/history"
	"github.com/layerscope/layerscope/ui/largest"
	"github.com/layerscope/layerscope/ui/pager"
	"github.com/layerscope/layerscope/ui/waste"
)

// setOverlay shows p in place of the tree.
func (m *Model) setOverlay(p common.Pane) tea.Cmd {
	m.closeOverlay()
	m.overlay = p
	m.layout()
	return p.Init()
}

// openContents shows the file under the cursor, read from its layer; on
// a directory it opens or closes it, on a symlink it goes to the target.
func (m *Model) openContents() tea.Cmd {
	id := m.tree.CursorEntry()
	if id == tree.NoEntry {
		return nil
	}
	res := m.c.Result
	e := res.FS.Entry(id)
	switch e.Type {
	case tree.TypeFile, tree.TypeHardlink:
	case tree.TypeSymlink:
		return m.followLink(e)
	default:
		if res.FS.HasChildren(e.Node) {
			return m.tree.Update(tea.KeyPressMsg{Code: tea.KeySpace})
		}
		m.status = fmt.Sprintf("%s is a %s: it has no contents to show", tree.Printable(res.FS.Path(e.Node)), e.Type)
		return nil
	}
	// Locate reads the tree here, in Update; the pager reads only the blob.
	f, err := content.Locate(res, id)
	if err != nil {
		m.status = err.Error()
		return nil
	}
	title := fmt.Sprintf("%s (layer %d)", tree.Printable(f.Path), e.Layer)
	if e.Type == tree.TypeHardlink { // the bytes are the target's, maybe from another layer
		title = fmt.Sprintf("%s ⇒ %s (hardlink, bytes of layer %d)", tree.Printable(f.Path), tree.Printable(res.FS.LinkTarget(e)), f.Layer)
	}
	return m.setOverlay(pager.New(m.c, title, f.Size, f.Open))
}

// followLink resolves a symlink inside the image as the tree's layer has
// it (pager.FollowLink: symlinks on the way, ".." stops at the root): a
// file target opens in the pager, a directory target gets the cursor,
// and a target not in the image is named in the footer.
func (m *Model) followLink(e *tree.Entry) tea.Cmd {
	res := m.c.Result
	name := res.FS.Path(e.Node)
	l := pager.FollowLink(res.FS, e.Node, m.tree.Layer())
	switch {
	case l.Problem != "":
		m.status = l.Message(name)
		return nil
	case l.IsDir(res.FS):
		m.jumpTo(l.Path, -1)
		if m.status == "" {
			m.status = l.Message(name)
		}
		return nil
	}
	t := res.FS.Entry(l.Entry)
	if t.Type != tree.TypeFile && t.Type != tree.TypeHardlink {
		m.status = l.Message(name) + ": a " + t.Type.String() + ", nothing to show"
		return nil
	}
	f, err := content.Locate(res, l.Entry)
	if err != nil {
		m.status = err.Error()
		return nil
	}
	return m.setOverlay(pager.New(m.c, fmt.Sprintf("%s → %s (layer %d)", tree.Printable(name), tree.Printable(l.Path), f.Layer), f.Size, f.Open))
}

func (m *Model) openHistory() tea.Cmd {
	n := m.tree.Cursor()
	if n == tree.Root {
		return nil
	}
	return m.setOverlay(history.New(m.c, n))
}

func (m *Model) openWaste() tea.Cmd {
	if !m.loaded {
		m.status = "the wasted files are known once every layer is read"
		return nil
	}
	return m.setOverlay(waste.New(m.c))
}

// openAdvice lists the findings (how to shrink the image, the secrets it
// ships). They are known once every layer is read and verified: the
// verification reads the bytes the secrets scan looks at.
func (m *Model) openAdvice() tea.Cmd {
	if !m.verified {
		m.status = "the advice is known once every layer is read and checked"
		return nil
	}
	return m.setOverlay(advice.New(m.c))
}

// openLargest lists the files of the tree's view, largest first.
// A large tree lists them in the background: the list says so meanwhile.
func (m *Model) openLargest() tea.Cmd {
	ids, list := m.tree.FilesCmd()
	if list == nil {
		return m.setOverlay(largest.New(m.c, m.tree.What(), ids))
	}
	return tea.Batch(m.setOverlay(largest.Pending(m.c, m.tree.What(), m.tree.ViewNumber())), list)
}

// jumpTo selects layer (a negative one keeps the layer shown) and puts
// the tree's cursor on path.
func (m *Model) jumpTo(p string, layer int) {
	if layer >= 0 {
		m.layers.Select(layer)
		m.tree.SetLayer(m.layers.Selected())
	}
	m.setFocus(focusTree)
	if p == "" {
		return
	}
	n, ok := m.c.Result.FS.Lookup(p)
	if !ok || m.tree.JumpTo(n) {
		return
	}
	if m.tree.FilterActive() { // the filter hides it: show it rather than nothing
		m.tree.ClearFilter()
		if m.tree.JumpTo(n) {
			m.status = "filter cleared to show " + tree.Printable(p)
			return
		}
	}
	m.status = tree.Printable(p) + " is hidden in this view"
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
		return p.question // one key answers: there is nothing to type into
	}
	return p.question + " " + p.input.View()
}

func (m *Model) startExtract() tea.Cmd {
	n := m.tree.Cursor()
	switch {
	case n == tree.Root:
		return nil
	case !m.loaded:
		m.status = "extraction is possible once every layer is read"
		return nil
	}
	// At once, before asking for a directory: a removed entry says so,
	// naming the layer that removed it.
	if err := extract.Check(m.c.Result, n, m.tree.Layer()); err != nil {
		m.status = err.Error()
		return nil
	}
	in := textinput.New()
	in.Prompt = ""
	in.SetValue(".")
	in.CursorEnd()
	cmd := in.Focus()
	m.prompt = &prompt{input: in, node: n, layer: m.tree.Layer(),
		question: fmt.Sprintf("extract %s as in layer %d into directory:", tree.Printable(m.c.Result.FS.Path(n)), m.tree.Layer())}
	return cmd
}

func (m *Model) updatePrompt(msg tea.KeyPressMsg) tea.Cmd {
	p := m.prompt
	k := m.c.KeyMap
	if p.confirm {
		// One key answers; nothing is typed into an input, so no key
		// after it is swallowed.
		m.prompt = nil
		switch msg.String() {
		case "y", "Y":
			return m.runExtract(p, true)
		case "n", "N", "esc", "enter":
			m.status = "extraction cancelled: nothing overwritten"
			return nil
		}
		m.status = "extraction cancelled: nothing overwritten"
		cmd := m.key(msg) // any other key cancels, then does what it does
		if m.status == "" {
			m.status = "extraction cancelled: nothing overwritten"
		}
		return cmd
	}
	switch {
	case key.Matches(msg, k.Cancel):
		m.prompt, m.status = nil, "extraction cancelled"
		return nil
	case key.Matches(msg, k.Accept):
		dest, err := extract.Destination(p.input.Value())
		if err != nil {
			m.prompt, m.status = nil, "extraction failed: "+err.Error()
			return nil
		}
		p.dest = dest
		target := filepath.Join(p.dest, m.c.Result.FS.Name(p.node))
		if _, err := os.Lstat(target); err == nil {
			p.confirm = true
			p.question = tree.Printable(target) + " exists; overwrite files in it? [y/N]"
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
		files := common.Count(sum.Files, "file", "files")
		if sum.Hardlinks > 0 {
			files += fmt.Sprintf(" (%s)", common.Count(sum.Hardlinks, "hardlink", "hardlinks"))
		}
		text := fmt.Sprintf("extracted %s, %s, %s (%s) into %s", files,
			common.Count(sum.Dirs, "directory", "directories"), common.Count(sum.Symlinks, "symlink", "symlinks"),
			humanize.Bytes(uint64(sum.Bytes)), tree.Printable(p.dest))
		if sum.Skipped > 0 {
			text += fmt.Sprintf("; skipped %d", sum.Skipped)
		}
		return extractDoneMsg{text}
	}
}
