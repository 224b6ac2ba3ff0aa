package filetree

import (
	"fmt"
	"regexp"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/layerscope/layerscope/tree"
)

// syncFilterLimit: trees up to this many paths are filtered on the key
// press itself; larger ones in the background, so typing never waits.
const syncFilterLimit = 50_000

type filterState struct {
	input   textinput.Model
	editing bool
	regex   bool
	query   string // of the filter in force
	err     error  // an invalid regular expression
	gen     int    // of the newest computation asked for
	busy    bool
	re      *regexp.Regexp // of the filter in force, if a regex
	keep    []bool         // per node: a match or an ancestor of one; nil = no filter
	match   []bool
}

func (f *filterState) active() bool { return f.keep != nil || f.query != "" }

// kept and matched read the filter's results; nodes merged since it was
// computed are outside them until refilter.
func (f *filterState) kept(n tree.NodeID) bool {
	return f.keep == nil || (int(n) < len(f.keep) && f.keep[n])
}
func (f *filterState) matched(n tree.NodeID) bool { return int(n) < len(f.match) && f.match[n] }

type filterDoneMsg struct {
	gen         int
	query       string
	re          *regexp.Regexp
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
	f.keep, f.match = m.fs.MatchPaths(f.query, f.re)
}

func newFilterInput() textinput.Model {
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = "path"
	return in
}

// FilterText is what the filter line shows, "" without a filter.
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
	}
	if f.editing {
		return fmt.Sprintf("%s  (%s)%s", f.input.View(), mode, status)
	}
	return fmt.Sprintf("filter /%s (%s)%s", f.query, mode, status)
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

func (m *Model) clearFilter() tea.Cmd {
	f := &m.filter
	f.editing, f.query, f.err, f.re, f.keep, f.match, f.busy = false, "", nil, nil, nil, nil, false
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
	var keep, match []bool
	keep, match = m.fs.MatchPaths(m.filter.input.Value(), nil)
	return filterDoneMsg{gen: m.filter.gen, query: m.filter.input.Value(), keep: keep, match: match}
}

// startFilter computes the filter for the input's text.
func (m *Model) startFilter() tea.Cmd {
	f := &m.filter
	f.gen++
	q := f.input.Value()
	if q == "" {
		f.query, f.err, f.re, f.keep, f.match, f.busy = "", nil, nil, nil, nil, false
		m.cache.reset(m.fs.Len())
		m.keepCursorVisible()
		return nil
	}
	var re *regexp.Regexp
	if f.regex {
		var err error
		if re, err = regexp.Compile(q); err != nil {
			f.err = fmt.Errorf("invalid regular expression: %w", err)
			return nil
		}
	}
	f.err = nil
	gen, fs := f.gen, m.fs
	compute := func() filterDoneMsg {
		keep, match := fs.MatchPaths(q, re)
		return filterDoneMsg{gen: gen, query: q, re: re, keep: keep, match: match}
	}
	// In the background only once every layer is merged: until then
	// Update changes the tree between keystrokes.
	if fs.Len() <= syncFilterLimit || !m.c.Result.Done() {
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
	f.busy, f.query, f.re, f.keep, f.match = false, msg.query, msg.re, msg.keep, msg.match
	m.cache.reset(m.fs.Len())
	m.keepCursorVisible()
	if m.cursor != tree.Root && !f.matched(m.cursor) {
		m.jumpMatch(true)
	}
	return nil
}

// jumpMatch moves the cursor to the next (or previous) matching row.
func (m *Model) jumpMatch(forward bool) {
	if m.filter.match == nil {
		return
	}
	step := m.next
	if !forward {
		step = m.prev
	}
	for n, ok := step(m.cursor); ok; n, ok = step(n) {
		if m.filter.matched(n) {
			m.placeCursor(n)
			return
		}
	}
}
