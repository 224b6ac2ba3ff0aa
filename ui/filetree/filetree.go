// Package filetree is the explorer's tree pane: the selected layer's own
// changes, the aggregated file system after it, or the changes since the
// base image as one change set, with a filter, drawn one screen at a
// time. Moving and drawing never walk the whole tree: rows are found by
// stepping from the rows on screen, and each directory's visible children
// are computed once per view and cached. What needs every path (the
// filter's matches, their count on a large tree in the background, the
// largest-files list) runs only when asked for.
package filetree

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/layerscope/layerscope/tree"
	"github.com/layerscope/layerscope/ui/common"
)

// Options are the view settings a config file can preset.
type Options struct {
	Aggregated bool
	SortBySize bool
	Attributes bool
	Hidden     [Unmodified + 1]bool // per Status
	// SinceBase shows everything the layers above the base changed, up
	// to the selected one, as one change set (BaseLayers is the base's
	// layer count, the CLI's --base-layers). It needs a selected layer
	// above the base; below, the view is the layer's own.
	SinceBase  bool
	BaseLayers int
}

// Model is the tree pane.
type Model struct {
	c     *common.Common
	fs    *tree.FS
	layer int
	opts  Options

	width, height int
	focused       bool

	// Which directories are open. A filter has its own, every match's
	// parents open, so that collapsing while it is on changes nothing
	// once it is off, and a collapsed tree hides no match.
	expand expansion

	filter filterState

	// Rows: the cursor's node, the node on the first row, and the
	// cursor's row on screen.
	cursor, top tree.NodeID
	cursorRow   int

	cache viewCache

	narrow int // 1 when View draws two-column guides (deep rows on screen)

	oldest []uint16 // firstLayers, once the tree is whole
}

// viewCache holds what is derived from (layer, options, filter); any change
// of those drops it.
//
// Per-node values live in slices indexed by NodeID: a view of a million
// paths touches them for every directory size, and slices are several
// times faster than maps there.
type viewCache struct {
	children map[tree.NodeID][]tree.NodeID
	pos      map[tree.NodeID]int
	status   []Status       // unknownStatus until computed
	live     [2][]int8      // liveAt(n, layer) and liveAt(n, layer-1): 0 unknown, 1 no, 2 yes
	inLayer  []bool         // nil until asked for
	sizes    []int64        // -1 until computed
	holds    []int8         // holdsShown: 0 unknown, 1 no, 2 yes
	entries  []tree.EntryID // entryOf, unknownEntry until computed
	n        int            // nodes the slices cover

	// The filter's matches in drawing order, and each one's place; nil
	// until asked for.
	matchList []tree.NodeID
	matchAt   map[tree.NodeID]int
	counting  bool // a count of the matches runs in the background

	files     []tree.EntryID // Files, once asked for
	filesDone bool

	gen int // counts resets: a background count for an older view is dropped
}

const unknownStatus Status = -1

// unknownEntry marks an entryOf not computed yet (tree.NoEntry is an
// answer).
const unknownEntry = tree.NoEntry - 1

func (c *viewCache) reset(nodes int) {
	gen := c.gen + 1
	defer func() { c.gen = gen }()
	if c.n != nodes || c.status == nil {
		*c = viewCache{status: make([]Status, nodes), sizes: make([]int64, nodes), holds: make([]int8, nodes),
			entries: make([]tree.EntryID, nodes),
			live:    [2][]int8{make([]int8, nodes), make([]int8, nodes)}, n: nodes}
	} else {
		clear(c.live[0])
		clear(c.live[1])
		clear(c.holds)
	}
	for i := range c.status {
		c.status[i] = unknownStatus
		c.sizes[i] = -1
		c.entries[i] = unknownEntry
	}
	c.children, c.pos, c.inLayer = map[tree.NodeID][]tree.NodeID{}, map[tree.NodeID]int{}, nil
	c.matchList, c.matchAt, c.counting = nil, nil, false
	c.files, c.filesDone = nil, false
}

// reorder drops what depends on the order of siblings only (the sorted
// children, the matches in drawing order): sorting by size or name
// keeps every status and size.
func (c *viewCache) reorder() {
	c.gen++
	c.children, c.pos = map[tree.NodeID][]tree.NodeID{}, map[tree.NodeID]int{}
	c.matchList, c.matchAt, c.counting = nil, nil, false
}

// reshow drops what depends on which rows show (and their order): a hide
// key keeps every status and size.
func (c *viewCache) reshow() {
	c.reorder()
	clear(c.holds)
	c.files, c.filesDone = nil, false
}

// New returns the tree pane over c.Result.
func New(c *common.Common, opts Options) *Model {
	m := &Model{c: c, fs: c.Result.FS, opts: opts, expand: newExpansion()}
	m.filter.input = newFilterInput()
	m.cache.reset(m.fs.Len())
	return m
}

// SetSize sets the pane's inner size.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, max(h, 1)
	m.cursorRow = min(m.cursorRow, m.rows()-1)
}

// SetFocused marks the pane active.
func (m *Model) SetFocused(f bool) { m.focused = f }

// Layer is the selected layer.
func (m *Model) Layer() int { return m.layer }

// Options returns the current view settings.
func (m *Model) Options() Options { return m.opts }

// Cursor is the node under the cursor (tree.Root when the view is empty).
func (m *Model) Cursor() tree.NodeID { return m.cursor }

// CursorEntry is the entry drawn on the cursor's row, if any.
func (m *Model) CursorEntry() tree.EntryID {
	if m.cursor == tree.Root {
		return tree.NoEntry
	}
	return m.entryOf(m.cursor)
}

// SetLayer shows layer k, keeping the cursor on the same path if it is
// still there.
func (m *Model) SetLayer(k int) {
	if k == m.layer {
		return
	}
	m.layer = k
	m.refresh()
}

// Refresh recomputes the view, after the layers under it changed.
func (m *Model) Refresh() { m.refresh() }

func (m *Model) refresh() {
	m.refilter()
	m.cache.reset(m.fs.Len())
	if m.cursor != tree.Root && m.shownPath(m.cursor) {
		m.placeCursor(m.cursor)
		return
	}
	m.cursor, m.top, m.cursorRow = m.first(), m.first(), 0
}

// expansion: every directory is open or closed by default, toggled ones
// are the opposite.
type expansion struct {
	defaultOpen bool
	toggled     map[tree.NodeID]bool
}

func newExpansion() expansion { return expansion{defaultOpen: true, toggled: map[tree.NodeID]bool{}} }

// expansion is the filter's while one is on, else the tree's.
func (m *Model) expansion() *expansion {
	if m.filter.keep != nil {
		return &m.filter.expand
	}
	return &m.expand
}

func (m *Model) open(n tree.NodeID) bool {
	e := m.expansion()
	return e.defaultOpen != e.toggled[n]
}
func (m *Model) toggle(n tree.NodeID) { e := m.expansion(); e.toggled[n] = !e.toggled[n] }
func (m *Model) setOpen(n tree.NodeID, o bool) {
	if m.open(n) != o {
		m.toggle(n)
	}
}

// visibleChildren lists n's children that the view shows, sorted.
func (m *Model) visibleChildren(n tree.NodeID) []tree.NodeID {
	if kids, ok := m.cache.children[n]; ok {
		return kids
	}
	order := tree.ByName
	if m.opts.SortBySize {
		order = tree.BySize
	}
	kids := m.fs.SortChildren(n, order, m.shown, m.size)
	for i, c := range kids {
		m.cache.pos[c] = i
	}
	m.cache.children[n] = kids
	return kids
}

// shown: c is in the view, passes the filter and is not of a hidden
// state (a directory stays while it holds something shown).
func (m *Model) shown(c tree.NodeID) bool {
	if !m.filter.kept(c) {
		return false
	}
	st := m.status(c)
	if st == absent {
		return false
	}
	sized := len(m.filter.q.sizes) > 0 // a size filter keeps files, and the directories holding them
	// The changes since the base are a change set, as a layer's are: what
	// they leave alone shows only on the way to a change.
	hidden := m.opts.Hidden[st] || st == Unmodified && m.sinceBase()
	if hidden || sized && m.isDir(c) {
		return m.isDir(c) && m.holdsShown(c)
	}
	return !sized || m.filter.q.sizeOK(m.size(c))
}

// holdsShown: some child of n is shown (len(visibleChildren(n)) > 0),
// found without listing and sorting them all: a size filter or a hide
// key asks it of every directory on the way to a row, and most answer
// at their first child.
func (m *Model) holdsShown(n tree.NodeID) bool {
	if kids, ok := m.cache.children[n]; ok {
		return len(kids) > 0
	}
	memo := m.cache.holds
	if int(n) < len(memo) && memo[n] != 0 {
		return memo[n] == 2
	}
	found := false
	m.fs.Children(n, func(c tree.NodeID) bool {
		found = m.shown(c)
		return !found
	})
	if int(n) < len(memo) {
		memo[n] = 1
		if found {
			memo[n] = 2
		}
	}
	return found
}

// shownPath: n and all its ancestors are shown and open.
func (m *Model) shownPath(n tree.NodeID) bool {
	for ; n != tree.Root; n = m.fs.Parent(n) {
		p := m.fs.Parent(n)
		if !m.shown(n) || (p != tree.Root && !m.open(p)) {
			return false
		}
	}
	return true
}

// Update handles the tree pane's keys.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case filterDoneMsg:
		return tea.Batch(m.filterDone(msg), m.CountCmd())
	case countedMsg:
		m.counted(msg)
		return nil
	case common.FilesMsg:
		m.filesListed(msg)
		return nil
	case tea.KeyPressMsg:
		if m.filter.editing {
			return m.updateFilter(msg)
		}
		return m.handleKey(msg)
	}
	return nil
}

func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.KeyMap
	switch {
	case key.Matches(msg, k.Down):
		m.down(1)
	case key.Matches(msg, k.Up):
		m.up(1)
	case key.Matches(msg, k.PageDown):
		m.down(m.rows())
	case key.Matches(msg, k.PageUp):
		m.up(m.rows())
	case key.Matches(msg, k.Top):
		m.home()
	case key.Matches(msg, k.Bottom):
		m.end()
	case key.Matches(msg, k.ToggleDir):
		if m.cursor != tree.Root && m.isDir(m.cursor) {
			m.toggle(m.cursor)
		}
	case key.Matches(msg, k.ToggleAll):
		e := m.expansion()
		e.defaultOpen = !e.defaultOpen
		clear(e.toggled)
		m.keepCursorVisible()
	case key.Matches(msg, k.Parent):
		if m.cursor != tree.Root && m.isDir(m.cursor) && m.open(m.cursor) && len(m.visibleChildren(m.cursor)) > 0 {
			m.setOpen(m.cursor, false)
		} else if p := m.fs.Parent(m.cursor); p != tree.Root {
			m.cursorRow = max(0, m.cursorRow-1)
			m.placeCursor(p)
		}
	case key.Matches(msg, k.Open):
		if m.cursor != tree.Root && m.isDir(m.cursor) {
			if !m.open(m.cursor) {
				m.setOpen(m.cursor, true)
			} else {
				m.down(1)
			}
		}
	case key.Matches(msg, k.HideAdded):
		m.toggleHidden(Added)
	case key.Matches(msg, k.HideModified):
		m.toggleHidden(Modified, MetaModified)
	case key.Matches(msg, k.HideRemoved):
		m.toggleHidden(Removed)
	case key.Matches(msg, k.HideUnmodified):
		m.toggleHidden(Unmodified)
	case key.Matches(msg, k.Sort):
		m.opts.SortBySize = !m.opts.SortBySize
		m.cache.reorder()
		m.keepCursorVisible()
	case key.Matches(msg, k.Attributes):
		m.opts.Attributes = !m.opts.Attributes
	case key.Matches(msg, k.ViewMode):
		m.SetAggregated(!m.opts.Aggregated)
	case key.Matches(msg, k.SinceBase):
		return m.toggleSinceBase()
	case key.Matches(msg, k.Filter):
		if !m.filter.active() {
			m.filter.regex = false // a new filter starts as a substring
		}
		m.filter.editing = true
		m.filter.input.Focus()
	case key.Matches(msg, k.NextMatch):
		m.jumpMatch(true)
	case key.Matches(msg, k.PrevMatch):
		m.jumpMatch(false)
	case key.Matches(msg, k.Cancel):
		if m.filter.active() {
			return m.clearFilter()
		}
	}
	return nil
}

// SetAggregated switches between the layer's own changes and the
// aggregated file system (leaving the changes since the base).
func (m *Model) SetAggregated(on bool) {
	m.opts.Aggregated, m.opts.SinceBase = on, false
	m.refresh()
}

// toggleSinceBase switches the changes-since-base view on or off; it
// says why when there is no base to measure from.
func (m *Model) toggleSinceBase() tea.Cmd {
	if !m.opts.SinceBase && m.opts.BaseLayers <= 0 {
		return common.StatusCmd("no base layers (--base-layers 0): every layer is the image's own")
	}
	m.opts.SinceBase = !m.opts.SinceBase
	m.refresh()
	if m.opts.SinceBase && !m.sinceBase() {
		return common.StatusCmd(fmt.Sprintf("changes since the base: select a layer above the base (layers 0–%d)", m.opts.BaseLayers-1))
	}
	return nil
}

func (m *Model) toggleHidden(states ...Status) {
	hide := !m.opts.Hidden[states[0]]
	for _, s := range states {
		m.opts.Hidden[s] = hide
	}
	m.cache.reshow()
	m.keepCursorVisible()
}

// Editing reports whether the filter input has the keyboard.
func (m *Model) Editing() bool { return m.filter.editing }

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding {
	k := m.c.KeyMap
	if m.filter.editing {
		return []key.Binding{k.Accept, k.Cancel, k.FilterRegex}
	}
	return []key.Binding{k.ToggleDir, k.ViewMode, k.Filter, k.Contents, k.Extract, k.History, k.Largest, k.Help}
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.c.KeyMap
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.ToggleDir, k.ToggleAll, k.Parent, k.Open, k.ViewMode, k.SinceBase},
		{k.HideAdded, k.HideModified, k.HideRemoved, k.HideUnmodified, k.Sort, k.Attributes},
		{k.Filter, k.FilterRegex, k.NextMatch, k.PrevMatch, k.Cancel},
		{k.Contents, k.Extract, k.History, k.CopyPath, k.CopyCommand},
		{k.Waste, k.Largest, k.Advice, k.SwitchPane, k.Quit},
	}
}
