// Package ui is layerscope's interactive explorer: the layers and their
// details on the left, the file tree on the right, a footer with the
// active pane's keys.
package ui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/dustin/go-humanize"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/ui/common"
	"github.com/layerscope/layerscope/ui/details"
	"github.com/layerscope/layerscope/ui/filetree"
	"github.com/layerscope/layerscope/ui/keymap"
	"github.com/layerscope/layerscope/ui/layers"
	"github.com/layerscope/layerscope/ui/styles"
)

// Minimum terminal size the layout needs.
const minWidth, minHeight = 60, 16

// Pane is a component shown in place of the file tree: a file's
// contents, a path's history, the wasted files.
type Pane interface {
	help.KeyMap
	Title() string
	SetSize(w, h int)
	// Update handles a message; close asks to go back to the tree.
	Update(msg tea.Msg) (cmd tea.Cmd, close bool)
	View() string
}

// Config is the explorer's configuration.
type Config struct {
	Name     string // the image as the user named it, for the loading screen
	KeyMap   *keymap.KeyMap
	Palette  func(isDark bool) styles.Palette
	NoColor  bool
	Tree     filetree.Options
	Analysis []analysis.Option
}

type focus int

const (
	focusLayers focus = iota
	focusTree
)

// Model is the explorer.
type Model struct {
	c      *common.Common
	cfg    Config
	ctx    context.Context
	cancel context.CancelFunc
	open   Opener
	load   *loader

	img      *Image
	layers   *layers.Model
	tree     *filetree.Model
	overlay  Pane
	focus    focus
	help     help.Model
	showHelp bool
	isDark   bool

	width, height int
	loaded        bool
	err           error
	export        exportMsg
	progress      analysis.Progress
	status        string
	prompt        *prompt
}

// New returns the explorer for the image open opens.
func New(ctx context.Context, open Opener, cfg Config) *Model {
	if cfg.KeyMap == nil {
		cfg.KeyMap = keymap.DefaultKeyMap()
	}
	if cfg.Palette == nil {
		cfg.Palette = styles.DefaultPalette
	}
	ctx, cancel := context.WithCancel(ctx)
	m := &Model{
		c:      &common.Common{KeyMap: cfg.KeyMap},
		cfg:    cfg,
		ctx:    ctx,
		cancel: cancel,
		open:   open,
		load:   newLoader(),
		help:   help.New(),
		isDark: true,
	}
	m.restyle()
	return m
}

func (m *Model) restyle() {
	m.c.Styles = styles.New(m.cfg.Palette(m.isDark), m.cfg.NoColor)
	m.help.Styles = help.DefaultStyles(m.isDark)
	if m.cfg.NoColor {
		m.help.Styles = help.Styles{}
	}
}

// Init starts loading and asks for the terminal's background colour.
func (m *Model) Init() tea.Cmd {
	m.load.start(m.ctx, m.open, m.cfg.Analysis)
	return tea.Batch(m.load.next(), tea.RequestBackgroundColor)
}

// loadNow loads (and verifies) the image on the calling goroutine, for
// tests that draw the loaded screen without running a program.
func (m *Model) loadNow() {
	m.load.start(m.ctx, m.open, m.cfg.Analysis)
	for {
		msg := <-m.load.events
		m.Update(msg)
		switch msg := msg.(type) {
		case verifiedMsg:
			return
		case loadedMsg:
			if msg.err != nil || m.err != nil {
				return
			}
		}
	}
}

// Err is the error loading ended with, if any.
func (m *Model) Err() error { return m.err }

// Close stops loading and releases the image.
func (m *Model) Close() error {
	m.cancel()
	if m.img != nil && m.img.Close != nil {
		return m.img.Close()
	}
	return nil
}

// Update handles messages.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil
	case tea.BackgroundColorMsg:
		m.isDark = msg.IsDark()
		m.restyle()
		return m, nil
	case exportMsg:
		m.export = msg
		return m, m.load.next()
	case openedMsg:
		m.opened(msg)
		return m, m.load.next()
	case progressMsg:
		m.progress = analysis.Progress(msg)
		return m, m.load.next()
	case parsedMsg:
		if err := m.merge(msg.layer); err != nil {
			m.cancel() // stop the parse: the image cannot be shown whole
			m.loaded, m.err = true, err
			return m, nil
		}
		return m, m.load.next()
	case loadedMsg:
		if m.loaded {
			return m, nil // a merge failed first
		}
		m.loaded, m.err = true, msg.err
		if m.err != nil {
			return m, nil // nothing more comes
		}
		if m.tree != nil {
			m.tree.Refresh()
		}
		return m, m.load.next() // the verification
	case verifiedMsg:
		if m.c.Result != nil {
			m.c.Result.ApplyVerification(msg.v)
		}
		return m, nil // loading is over: nothing more to wait for
	case tea.KeyPressMsg:
		return m, m.key(msg)
	case tea.MouseClickMsg:
		return m, m.click(msg.Mouse())
	case tea.MouseWheelMsg:
		m.wheel(msg.Mouse())
		return m, nil
	case extractDoneMsg:
		m.status = msg.text
		return m, nil
	}
	// Anything else answers a component's own command (a pager's read,
	// a filter computed in the background); each ignores what is not its.
	var cmds []tea.Cmd
	if m.overlay != nil {
		cmd, _ := m.overlay.Update(msg)
		cmds = append(cmds, cmd)
	}
	if m.tree != nil {
		cmds = append(cmds, m.tree.Update(msg))
	}
	return m, tea.Batch(cmds...)
}

func (m *Model) opened(msg openedMsg) {
	m.img = msg.img
	m.c.Result = msg.res
	m.layers = layers.New(m.c)
	m.tree = filetree.New(m.c, m.cfg.Tree)
	m.setFocus(focusLayers)
	m.layout()
}

// merge puts a parsed layer into the tree (here, on Update's goroutine,
// the only one that changes the analysis) and shows it if it is what the
// tree shows.
func (m *Model) merge(pl *analysis.ParsedLayer) error {
	if err := m.c.Result.Merge(pl); err != nil {
		return err
	}
	i, k := pl.Index(), m.layers.Selected()
	if i == k || (m.tree.Options().Aggregated && i < k) {
		m.tree.Refresh()
	}
	return nil
}

// closeOverlay drops the pane over the tree, releasing what it holds.
func (m *Model) closeOverlay() {
	if c, ok := m.overlay.(interface{ Close() }); ok {
		c.Close()
	}
	m.overlay = nil
}

func (m *Model) setFocus(f focus) {
	m.focus = f
	if m.layers != nil {
		m.layers.SetFocused(f == focusLayers)
		m.tree.SetFocused(f == focusTree)
	}
}

// key handles a key press.
func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.KeyMap
	if msg.String() == "ctrl+c" {
		m.closeOverlay()
		return tea.Quit
	}
	if m.prompt != nil {
		return m.updatePrompt(msg)
	}
	if m.showHelp {
		m.showHelp = false
		return nil
	}
	if m.tree == nil {
		if key.Matches(msg, k.Quit) {
			return tea.Quit
		}
		return nil
	}
	if m.overlay != nil {
		var cmd tea.Cmd
		var closed bool
		cmd, closed = m.overlay.Update(msg)
		if closed {
			m.closeOverlay()
		}
		return cmd
	}
	if m.focus == focusTree && m.tree.Editing() {
		return m.tree.Update(msg)
	}
	m.status = ""
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.showHelp = true
		return nil
	case key.Matches(msg, k.SwitchPane):
		m.setFocus(1 - m.focus)
		return nil
	case key.Matches(msg, k.Waste):
		return m.openWaste()
	}
	if m.focus == focusLayers {
		if key.Matches(msg, k.ViewMode) {
			m.tree.SetAggregated(!m.tree.Options().Aggregated)
			return nil
		}
		m.layers.Update(msg)
		m.tree.SetLayer(m.layers.Selected())
		return nil
	}
	switch {
	case key.Matches(msg, k.Contents):
		return m.openContents()
	case key.Matches(msg, k.History):
		return m.openHistory()
	case key.Matches(msg, k.Extract):
		return m.startExtract()
	}
	return m.tree.Update(msg)
}

// geometry of the layout, computed by layout().
type geometry struct {
	leftW, rightW             int
	layersH, detailsH, imageH int
	bodyH                     int
}

func (m *Model) geometry() geometry {
	var g geometry
	g.bodyH = m.height - 1 // the footer
	g.leftW = min(max(m.width*2/5, 34), 90)
	g.rightW = m.width - g.leftW
	g.layersH = max(g.bodyH*2/5, 5)
	g.detailsH = max(g.bodyH*3/10, 5)
	g.imageH = g.bodyH - g.layersH - g.detailsH
	return g
}

func (m *Model) layout() {
	if m.tree == nil || m.width == 0 {
		return
	}
	g := m.geometry()
	m.layers.SetSize(g.leftW-2, g.layersH-2)
	m.tree.SetSize(g.rightW-2, g.bodyH-2)
	if m.overlay != nil {
		m.overlay.SetSize(g.rightW-2, g.bodyH-2)
	}
	m.help.SetWidth(m.width)
}

func (m *Model) tooSmall() bool { return m.width < minWidth || m.height < minHeight }

// View draws the screen.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
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
	case m.showHelp:
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
		box(fmt.Sprintf("Layers (%d)", len(res.Layers)), m.layers.View(), g.leftW, g.layersH, edge(m.focus == focusLayers), title(m.focus == focusLayers), st.ThickActive && m.focus == focusLayers),
		box(fmt.Sprintf("Layer %d details", sel), details.Layer(st, res, sel, g.leftW-2), g.leftW, g.detailsH, st.Border, st.Title, false),
		box("Image details", details.ImagePane(st, res, m.img.Info, g.leftW-2), g.leftW, g.imageH, st.Border, st.Title, false),
	)
	var right string
	treeActive := m.focus == focusTree
	if m.overlay != nil {
		right = box(m.overlay.Title(), m.overlay.View(), g.rightW, g.bodyH, st.ActiveBorder, st.ActiveTitle, st.ThickActive)
	} else {
		right = box(m.tree.Title(), m.tree.View(), g.rightW, g.bodyH, edge(treeActive), title(treeActive), st.ThickActive && treeActive)
	}
	return lipgloss.JoinHorizontal(lipgloss.Top, left, right) + "\n" + m.footer()
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
		left = fmt.Sprintf("reading layers %d/%d · %s", p.LayersDone, p.Layers, humanize.Bytes(uint64(p.BytesDone)))
		if p.BytesTotal > 0 {
			left += " / " + humanize.Bytes(uint64(p.BytesTotal))
		}
	case m.err != nil:
		left = st.Error.Render("error: " + m.err.Error())
	}
	if left != "" {
		return ansi.Truncate(left, m.width, "…")
	}
	return ansi.Truncate(m.help.ShortHelpView(m.activeKeys().ShortHelp()), m.width, "…")
}

func (m *Model) renderHelp() string {
	var b strings.Builder
	b.WriteString(m.c.Styles.Bold.Render("Keys") + "  " + m.c.Styles.Dim.Render("(any key closes this)") + "\n\n")
	groups := append(m.layers.FullHelp(), m.tree.FullHelp()...)
	b.WriteString(m.help.FullHelpView(groups))
	return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center, b.String())
}
