package filetree

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/layerscope/layerscope/tree"
)

// syncFilterLimit: trees up to this many paths are filtered on the key
// press itself; larger ones in the background, so typing never waits.
// slowSyncLimit is the same for a regular expression or a path glob with
// a class (query.syncLimit).
const (
	syncFilterLimit = 50_000
	slowSyncLimit   = 10_000
)

type filterState struct {
	input   textinput.Model
	editing bool
	regex   bool
	query   string // of the filter in force
	err     error  // an invalid expression, glob or size
	gen     int    // of the newest computation asked for
	busy    bool
	q       query     // of the filter in force
	keep    []bool    // per node: a match or an ancestor of one; nil = no filter
	match   []bool    // per node: the path words match
	expand  expansion // which directories are open while the filter is on
}

func (f *filterState) active() bool { return f.keep != nil || f.query != "" }

// kept reads the filter's results; nodes merged since it was computed
// are outside them until refilter.
func (f *filterState) kept(n tree.NodeID) bool {
	return f.keep == nil || (int(n) < len(f.keep) && f.keep[n])
}

// matched: n is a match in the view: its path matches and, with a size
// word, it is a file of that size. Directories kept for the way to a
// match are no match themselves.
func (m *Model) matched(n tree.NodeID) bool {
	f := &m.filter
	if int(n) >= len(f.match) || !f.match[n] {
		return false
	}
	if len(f.q.sizes) > 0 {
		return !m.isDir(n) && f.q.sizeOK(m.size(n))
	}
	return true
}

type filterDoneMsg struct {
	gen         int
	query       string
	q           query
	keep, match []bool
}

// refilter applies the filter in force to nodes merged since it was
// computed. Only a tree still loading grows, and while it loads filters
// run on the key press anyway.
func (m *Model) refilter() {
	f := &m.filter
	if f.keep == nil || len(f.keep) == m.fs.Len() {
		return
	}
	f.keep, f.match = f.q.match(m.fs)
}

func newFilterInput() textinput.Model {
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = "path, *.glob, >1MB, <10k"
	return in
}

// FilterText is what the filter line shows, "" without a filter: the
// query, its mode, and which match the cursor is on of how many.
func (m *Model) FilterText() string {
	f := &m.filter
	if !f.editing && !f.active() {
		return ""
	}
	mode := "substring"
	if f.regex {
		mode = "regex"
	}
	status := ""
	switch {
	case f.err != nil:
		status = " — " + f.err.Error()
	case f.busy:
		status = " — filtering…"
	case f.keep != nil && m.cache.matchAt == nil && !m.countNow():
		status = "  counting matches…"
	case f.keep != nil:
		matches := m.matches()
		at := "–"
		if i, ok := m.cache.matchAt[m.cursor]; ok {
			at = fmt.Sprint(i + 1)
		}
		status = fmt.Sprintf("  %s/%d", at, len(matches))
	}
	if f.editing {
		return fmt.Sprintf("%s  (%s · %s: %s)%s", f.input.View(), mode, m.c.KeyMap.FilterRegex.Help().Key,
			map[bool]string{true: "substring", false: "regex"}[f.regex], status)
	}
	return fmt.Sprintf("filter /%s (%s)%s", tree.Printable(f.query), mode, status)
}

// matches lists the matches in the order the tree draws them, every
// directory on the way open: what n and N step through, and the count.
// Computed once per view.
func (m *Model) matches() []tree.NodeID {
	if m.cache.matchAt != nil {
		return m.cache.matchList
	}
	var list []tree.NodeID
	at := map[tree.NodeID]int{}
	stack := []tree.NodeID{tree.Root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n != tree.Root && m.matched(n) {
			at[n] = len(list)
			list = append(list, n)
		}
		if n == tree.Root || m.isDir(n) {
			kids := m.visibleChildren(n)
			for i := len(kids) - 1; i >= 0; i-- {
				stack = append(stack, kids[i])
			}
		}
	}
	m.cache.matchList, m.cache.matchAt = list, at
	return list
}

// countNow: the matches are counted on the spot (a small tree, or one
// still loading, which Update changes between keys); otherwise CountCmd
// counts them in the background and the filter line says so meanwhile.
func (m *Model) countNow() bool { return m.fs.Len() <= syncFilterLimit || !m.c.Result.Done() }

type countedMsg struct {
	gen  int
	list []tree.NodeID
	at   map[tree.NodeID]int
}

// CountCmd counts the filter's matches in the background when the view
// needs them and they are not known, else it returns nil. The app calls
// it after each key. The count runs on a copy of the view with its own
// caches over the merged tree, which nothing changes any more.
func (m *Model) CountCmd() tea.Cmd {
	if m.filter.keep == nil || m.cache.matchAt != nil || m.cache.counting || m.countNow() {
		return nil
	}
	m.cache.counting = true
	cp := &Model{c: m.c, fs: m.fs, layer: m.layer, opts: m.opts, oldest: m.firstLayers()}
	cp.filter.q, cp.filter.keep, cp.filter.match = m.filter.q, m.filter.keep, m.filter.match
	cp.cache.reset(m.fs.Len())
	gen := m.cache.gen
	return func() tea.Msg {
		list := cp.matches()
		return countedMsg{gen: gen, list: list, at: cp.cache.matchAt}
	}
}

func (m *Model) counted(msg countedMsg) {
	if msg.gen != m.cache.gen {
		return // the view changed since: the next key asks again
	}
	m.cache.matchList, m.cache.matchAt, m.cache.counting = msg.list, msg.at, false
}

func (m *Model) updateFilter(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.KeyMap
	f := &m.filter
	switch {
	case key.Matches(msg, k.Accept):
		f.editing = false
		f.input.Blur()
		return nil
	case key.Matches(msg, k.Cancel):
		return m.clearFilter()
	case key.Matches(msg, k.FilterRegex):
		f.regex = !f.regex
		return m.startFilter()
	}
	before := f.input.Value()
	var cmd tea.Cmd
	f.input, cmd = f.input.Update(msg)
	if f.input.Value() != before {
		return tea.Batch(cmd, m.startFilter())
	}
	return cmd
}

// FilterActive reports whether a filter is in force.
func (m *Model) FilterActive() bool { return m.filter.active() }

// ClearFilter drops the filter, as esc does.
func (m *Model) ClearFilter() { m.clearFilter() }

func (m *Model) clearFilter() tea.Cmd {
	f := &m.filter
	f.editing, f.query, f.err, f.q, f.keep, f.match, f.busy, f.regex = false, "", nil, query{}, nil, nil, false, false
	f.gen++
	f.input.SetValue("")
	f.input.Blur()
	m.cache.reset(m.fs.Len())
	m.keepCursorVisible()
	return nil
}

// startFilterSync computes the filter on the calling goroutine (for
// benchmarks, which measure the work a keystroke starts).
func (m *Model) startFilterSync() filterDoneMsg {
	m.filter.gen++
	text := m.filter.input.Value()
	q, _ := parseQuery(text, false)
	keep, match := q.match(m.fs)
	return filterDoneMsg{gen: m.filter.gen, query: text, q: q, keep: keep, match: match}
}

// startFilter computes the filter for the input's text.
func (m *Model) startFilter() tea.Cmd {
	f := &m.filter
	f.gen++
	text := f.input.Value()
	q, err := parseQuery(text, f.regex)
	if err != nil {
		f.err = err
		return nil
	}
	f.err = nil
	if q.empty() {
		f.query, f.q, f.keep, f.match, f.busy = "", query{}, nil, nil, false
		m.cache.reset(m.fs.Len())
		m.keepCursorVisible()
		return nil
	}
	gen, fs := f.gen, m.fs
	compute := func() filterDoneMsg {
		keep, match := q.match(fs)
		return filterDoneMsg{gen: gen, query: text, q: q, keep: keep, match: match}
	}
	// In the background only once every layer is merged: until then
	// Update changes the tree between keystrokes.
	if fs.Len() <= q.syncLimit() || !m.c.Result.Done() {
		return m.filterDone(compute())
	}
	f.busy = true
	return func() tea.Msg { return compute() }
}

func (m *Model) filterDone(msg filterDoneMsg) tea.Cmd {
	f := &m.filter
	if msg.gen != f.gen {
		return nil // typed on since: a newer one is coming
	}
	f.busy, f.query, f.q, f.keep, f.match = false, msg.query, msg.q, msg.keep, msg.match
	f.expand = newExpansion() // every match shows, with its parents open
	m.cache.reset(m.fs.Len())
	m.keepCursorVisible()
	if m.cursor == tree.Root || !m.matched(m.cursor) {
		m.walkToMatch(true)
	}
	return nil
}

// jumpMatch moves the cursor to the next (or previous) match in the
// order the tree draws them, wrapping at the ends, opening the
// directories on the way. Before the matches are counted (a large tree),
// it walks the rows instead, which sees into open directories only.
func (m *Model) jumpMatch(forward bool) {
	if m.filter.keep == nil {
		return
	}
	if m.cache.matchAt == nil && !m.countNow() {
		m.walkToMatch(forward)
		return
	}
	list := m.matches()
	if len(list) == 0 {
		return
	}
	i, ok := m.cache.matchAt[m.cursor]
	switch {
	case ok && forward:
		i = (i + 1) % len(list)
	case ok:
		i = (i - 1 + len(list)) % len(list)
	default:
		i = m.firstMatchAfter(forward)
	}
	m.JumpTo(list[i])
}

// walkToMatch moves to the nearest matching row in the direction asked,
// from the other end if there is none.
func (m *Model) walkToMatch(forward bool) {
	step := m.next
	start := m.first()
	if !forward {
		step = m.prev
		if kids := m.visibleChildren(tree.Root); len(kids) > 0 {
			start = m.lastBelow(kids[len(kids)-1])
		}
	}
	if m.cursor != tree.Root {
		for n, ok := step(m.cursor); ok; n, ok = step(n) {
			if m.matched(n) {
				m.JumpTo(n)
				return
			}
		}
	}
	for n, ok := start, start != tree.Root; ok && n != m.cursor; n, ok = step(n) {
		if m.matched(n) {
			m.JumpTo(n)
			return
		}
	}
}

// firstMatchAfter finds, from a cursor on no match, the nearest match in
// the direction asked, walking the rows; without one there, the first
// (or last) match.
func (m *Model) firstMatchAfter(forward bool) int {
	list := m.matches()
	step := m.next
	if !forward {
		step = m.prev
	}
	if m.cursor != tree.Root {
		for n, ok := step(m.cursor); ok; n, ok = step(n) {
			if i, hit := m.cache.matchAt[n]; hit {
				return i
			}
		}
	}
	if forward {
		return 0
	}
	return len(list) - 1
}
