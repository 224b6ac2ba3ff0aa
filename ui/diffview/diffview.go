// Package diffview is the explorer of a diff (layerscope diff on a
// terminal): NEW's merged tree with every change marked (A added, D
// removed, M modified and what changed), directory sizes as deltas, the
// layer lists of both images side by side with the shared layers marked,
// and, on enter, both versions of a modified file (a unified diff for
// text, sizes and hashes otherwise) or the contents of any other file.
//
// It reads only the finished diff: both analyses are done, so nothing
// changes the trees while it runs; file contents are read in tea.Cmds.
package diffview

import (
	"context"
	"errors"
	"os"
	"regexp"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/layerscope/layerscope/analysis/diff"
	"github.com/layerscope/layerscope/tree"
	"github.com/layerscope/layerscope/ui/common"
	"github.com/layerscope/layerscope/ui/keymap"
	"github.com/layerscope/layerscope/ui/pager"
	"github.com/layerscope/layerscope/ui/styles"
)

// Config is what the explorer of a diff is given besides the diff.
type Config struct {
	OldName, NewName string
	KeyMap           *keymap.KeyMap                   // default: keymap.DefaultKeyMap()
	Palette          func(isDark bool) styles.Palette // default: styles.DefaultPalette
	NoColor          bool
}

type focus int

const (
	focusTree focus = iota
	focusLayers
)

// Model is the explorer of a diff.
type Model struct {
	ctx    context.Context
	d      *diff.Diff
	cfg    Config
	keys   *keymap.KeyMap
	styles *styles.Styles
	view   *view

	layout layout
	rows   []row
	last   []bool // per node: the last of its shown siblings (view.rows)
	cursor int
	top    int
	focus  focus

	layersTop int

	filtering bool // typing a filter
	query     string
	regex     bool                   // the query is a regular expression
	matches   func(path string) bool // the query's test, nil without one
	attrs     bool                   // the size column

	compare *compareOverlay
	pager   *pager.Model
	pagerC  *common.Common

	help     help.Model
	fullHelp bool
	status   string

	width, height int
}

// compareOverlay shows both versions of a modified path.
type compareOverlay struct {
	change int32
	title  string
	vp     viewport.Model
	ready  bool
}

// New returns the explorer of d.
func New(ctx context.Context, d *diff.Diff, cfg Config) *Model {
	if cfg.KeyMap == nil {
		cfg.KeyMap = keymap.DefaultKeyMap()
	}
	if cfg.Palette == nil {
		cfg.Palette = styles.DefaultPalette
	}
	m := &Model{ctx: ctx, d: d, cfg: cfg, keys: cfg.KeyMap, styles: styles.New(cfg.Palette(true), cfg.NoColor), view: buildView(d),
		layout: layout{collapsed: map[int32]bool{}}, attrs: true, help: help.New(), width: 80, height: 24}
	m.refresh()
	return m
}

// Run shows the explorer of d on the terminal (drawn on stderr, so that
// stdout stays free) until the user quits or ctx ends.
func Run(ctx context.Context, d *diff.Diff, cfg Config) error {
	m := New(ctx, d, cfg)
	defer m.Close()
	_, err := tea.NewProgram(m, tea.WithOutput(os.Stderr), tea.WithContext(ctx)).Run()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		return err
	}
	return ctx.Err()
}

// Close stops what an open pager reads.
func (m *Model) Close() {
	if m.pager != nil {
		m.pager.Close()
	}
}

// Init asks for the terminal's background, to pick the palette; nothing
// else is to load: the diff is complete.
func (m *Model) Init() tea.Cmd { return tea.RequestBackgroundColor }

// refresh rebuilds the rows after the layout changed, keeping the cursor
// on the same node where it is still shown.
func (m *Model) refresh() {
	cur := int32(-1)
	if m.cursor < len(m.rows) {
		cur = m.rows[m.cursor].node
	}
	m.rows, m.last = m.view.rows(m.layout, m.rows, m.last)
	m.cursor = 0
	for i, r := range m.rows {
		if r.node == cur {
			m.cursor = i
			break
		}
	}
	m.clamp()
}

// treeHeight is how many tree rows fit.
func (m *Model) treeHeight() int {
	foot := 1
	if m.fullHelp {
		foot = len(m.fullHelpLines())
	}
	return max(1, m.height-m.layersHeight()-2-foot)
}

func (m *Model) clamp() {
	m.cursor = max(0, min(m.cursor, len(m.rows)-1))
	h := m.treeHeight()
	if m.cursor < m.top {
		m.top = m.cursor
	}
	if m.cursor >= m.top+h {
		m.top = m.cursor - h + 1
	}
	m.top = max(0, min(m.top, len(m.rows)-h))
}

// Update handles keys and the contents read in the background.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		m.sizeOverlays()
		m.clamp()
		return m, nil
	case tea.BackgroundColorMsg:
		m.styles = styles.New(m.cfg.Palette(msg.IsDark()), m.cfg.NoColor)
		if m.pagerC != nil {
			m.pagerC.Styles = m.styles
		}
		return m, nil
	case comparedMsg:
		if m.compare != nil && m.compare.change == msg.change {
			lines := msg.lines
			if msg.err != nil {
				lines = []string{"could not read both versions: " + tree.Printable(msg.err.Error())}
			}
			m.compare.vp.SetContentLines(m.styleDiff(lines))
			m.compare.ready = true
		}
		return m, nil
	case tea.KeyPressMsg:
		return m, m.key(msg)
	case common.CloseMsg:
		if m.pager != nil && msg.Pane == m.pager {
			m.pager.Close()
			m.pager = nil
		}
		return m, nil
	}
	if m.pager != nil {
		return m, m.pager.Update(msg)
	}
	return m, nil
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	switch {
	case m.pager != nil:
		return m.pager.Update(msg)
	case m.compare != nil:
		if key.Matches(msg, k.Cancel, k.Quit) {
			m.compare = nil
			return nil
		}
		m.scrollCompare(msg)
		return nil
	case m.filtering:
		return m.filterKey(msg)
	}
	m.status = ""
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.fullHelp = !m.fullHelp
		m.clamp()
		return nil
	case key.Matches(msg, k.SwitchPane):
		m.focus = 1 - m.focus
		return nil
	case key.Matches(msg, k.Cancel):
		if m.query != "" {
			m.setFilter("")
		}
		return nil
	}
	if m.focus == focusLayers {
		m.scrollLayers(msg)
		return nil
	}
	return m.treeKey(msg)
}

func (m *Model) treeKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	move := func(n int) { m.cursor += n; m.clamp() }
	switch {
	case key.Matches(msg, k.Down):
		move(1)
	case key.Matches(msg, k.Up):
		move(-1)
	case key.Matches(msg, k.PageDown):
		move(m.treeHeight())
	case key.Matches(msg, k.PageUp):
		move(-m.treeHeight())
	case key.Matches(msg, k.Top):
		move(-len(m.rows))
	case key.Matches(msg, k.Bottom):
		move(len(m.rows))
	case key.Matches(msg, k.ToggleDir):
		if n, ok := m.current(); ok && m.view.nodes[n].dir {
			m.layout.collapsed[n] = !m.layout.collapsed[n]
			m.refresh()
		}
	case key.Matches(msg, k.ToggleAll):
		m.toggleAll()
	case key.Matches(msg, k.Parent):
		if n, ok := m.current(); ok {
			m.moveTo(m.view.nodes[n].parent)
		}
	case key.Matches(msg, k.Open):
		if n, ok := m.current(); ok && m.layout.collapsed[n] {
			delete(m.layout.collapsed, n)
			m.refresh()
		}
	case key.Matches(msg, k.HideAdded):
		m.toggleHidden(kindAdded)
	case key.Matches(msg, k.HideModified):
		m.toggleHidden(kindModified)
	case key.Matches(msg, k.HideRemoved):
		m.toggleHidden(kindRemoved)
	case key.Matches(msg, k.HideUnmodified):
		m.toggleHidden(kindUnmodified)
	case key.Matches(msg, k.Sort):
		m.layout.bySize = !m.layout.bySize
		m.refresh()
	case key.Matches(msg, k.Attributes):
		m.attrs = !m.attrs
	case key.Matches(msg, k.Filter):
		m.filtering = true
	case key.Matches(msg, k.NextMatch):
		m.jump(1)
	case key.Matches(msg, k.PrevMatch):
		m.jump(-1)
	case key.Matches(msg, k.Contents):
		return m.open()
	}
	return nil
}

func (m *Model) current() (int32, bool) {
	if m.cursor < len(m.rows) {
		return m.rows[m.cursor].node, true
	}
	return 0, false
}

func (m *Model) moveTo(n int32) {
	for i, r := range m.rows {
		if r.node == n {
			m.cursor = i
			m.clamp()
			return
		}
	}
}

func (m *Model) toggleAll() {
	if len(m.layout.collapsed) > 0 {
		m.layout.collapsed = map[int32]bool{}
	} else {
		for i, n := range m.view.nodes {
			if i > 0 && n.dir {
				m.layout.collapsed[int32(i)] = true
			}
		}
	}
	m.refresh()
}

func (m *Model) toggleHidden(kind uint8) {
	m.layout.hidden ^= kind
	m.refresh()
}

func (m *Model) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.Accept):
		m.filtering = false
	case key.Matches(msg, k.Cancel):
		m.filtering = false
		m.setFilter("")
	case key.Matches(msg, k.FilterRegex):
		m.regex = !m.regex
		m.setFilter(m.query)
	case msg.Code == tea.KeyBackspace:
		if r := []rune(m.query); len(r) > 0 {
			m.setFilter(string(r[:len(r)-1]))
		}
	case msg.Text != "":
		m.setFilter(m.query + msg.Text)
	}
	return nil
}

func (m *Model) setFilter(q string) {
	m.query, m.status = q, ""
	m.layout.keep, m.matches = nil, nil
	switch {
	case q == "":
	case m.regex:
		re, err := regexp.Compile(q)
		if err != nil {
			m.status = "invalid regular expression: " + err.Error()
			break
		}
		m.matches = re.MatchString
		m.layout.keep = m.view.match("", re)
	default:
		m.matches = func(p string) bool { return strings.Contains(p, q) }
		m.layout.keep = m.view.match(q, nil)
	}
	m.refresh()
}

// jump moves to the next (dir 1) or previous row whose own name or path
// matches the filter.
func (m *Model) jump(dir int) {
	if m.matches == nil || len(m.rows) == 0 {
		return
	}
	for i := 1; i <= len(m.rows); i++ {
		j := ((m.cursor+dir*i)%len(m.rows) + len(m.rows)) % len(m.rows)
		if m.matches(m.view.path(m.rows[j].node)) {
			m.cursor = j
			m.clamp()
			return
		}
	}
}
