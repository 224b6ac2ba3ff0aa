// Package ui is layerscope's interactive explorer: the layers and their
// details on the left, the file tree on the right, a footer with the
// active pane's keys.
package ui

import (
	"context"
	"runtime"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/ui/clipboard"
	"github.com/layerscope/layerscope/ui/common"
	"github.com/layerscope/layerscope/ui/filetree"
	"github.com/layerscope/layerscope/ui/keymap"
	"github.com/layerscope/layerscope/ui/layers"
	"github.com/layerscope/layerscope/ui/styles"
)

// Config is the explorer's configuration.
type Config struct {
	Name     string // the image as the user named it, for the loading screen
	KeyMap   *keymap.KeyMap
	Palette  func(isDark bool) styles.Palette
	NoColor  bool
	Tree     filetree.Options
	Analysis []analysis.Option
	// BaseLayers is how many bottom layers are the base image (the CLI's
	// --base-layers): the changes-since-base view starts after them.
	BaseLayers int
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
	overlay  common.Pane
	focus    focus
	help     help.Model
	helpView *common.Viewport // the ? screen, nil while closed
	isDark   bool

	width, height int
	loaded        bool
	verified      bool // the verification (and with it the secrets scan) is over
	err           error
	export        exportMsg
	progress      analysis.Progress
	status        string
	prompt        *prompt
	copier        *clipboard.Copier
	quitting      bool // the last frame is empty: see View
	// idle runs once loading and verification are over. By default it
	// leaves the runtime one processor: the explorer needs no parallelism
	// then, and fewer Ps wake up for each of the renderer's ticks (idle
	// wake-ups 290/s → 230/s, measured in tmux). Tests clear it.
	idle func()
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
		copier: clipboard.New(),
		idle:   func() { runtime.GOMAXPROCS(1) },
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
	if m.loaded {
		return tea.RequestBackgroundColor // loadNow read it already (tests)
	}
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
		// The verification, and the paths' order for the largest files.
		return m, tea.Batch(m.load.next(), m.c.RanksCmd())
	case common.RanksMsg:
		m.c.SetRanks(msg)
		return m, nil
	case verifiedMsg:
		if m.c.Result != nil {
			m.c.Result.ApplyVerification(msg.v)
		}
		m.verified = true
		if m.idle != nil {
			m.idle()
		}
		return m, nil // loading is over: nothing more to wait for
	case tea.KeyPressMsg:
		cmd := m.key(msg)
		if m.tree != nil {
			cmd = tea.Batch(cmd, m.tree.CountCmd()) // the filter's match count, if the key changed the view
		}
		return m, cmd
	case tea.MouseClickMsg:
		return m, m.click(msg.Mouse())
	case tea.MouseWheelMsg:
		return m, m.wheel(msg)
	case extractDoneMsg:
		m.status = msg.text
		return m, nil
	case clipboard.CopiedMsg:
		m.status = msg.Status()
		return m, nil
	case common.StatusMsg:
		m.status = string(msg)
		return m, nil
	case common.CloseMsg:
		if msg.Pane == m.overlay {
			m.closeOverlay()
		}
		return m, nil
	case common.JumpMsg:
		m.closeOverlay()
		m.jumpTo(msg.Path, msg.Layer)
		return m, nil
	}
	// Anything else answers a component's own command (a pager's read,
	// a filter computed in the background); each ignores what is not its.
	var cmds []tea.Cmd
	if m.overlay != nil {
		cmds = append(cmds, m.overlay.Update(msg))
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
	opts := m.cfg.Tree
	opts.BaseLayers = m.cfg.BaseLayers
	m.tree = filetree.New(m.c, opts)
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
	if m.tree.Shows(pl.Index()) {
		m.tree.Refresh()
	}
	return nil
}

// closeOverlay drops the pane over the tree, releasing what it holds.
func (m *Model) closeOverlay() {
	if m.overlay != nil {
		m.overlay.Close()
	}
	m.overlay = nil
}

// quit ends the program; every way out goes through it, so that the
// last frame is empty (see View).
func (m *Model) quit() tea.Cmd {
	m.quitting = true
	return tea.Quit
}

func (m *Model) setFocus(f focus) {
	m.focus = f
	if m.layers != nil {
		m.layers.SetFocused(f == focusLayers)
		m.tree.SetFocused(f == focusTree)
	}
}
