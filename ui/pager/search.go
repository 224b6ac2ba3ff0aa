package pager

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/layerscope/layerscope/tree"
	"github.com/layerscope/layerscope/ui/common"
	"github.com/layerscope/layerscope/ui/styles"
)

// search is the pager's / n N: a literal string, case-insensitive unless
// it has an upper-case letter. It searches what was read and, when that
// has no further match, reads on (in the background, chunk by chunk) up
// to the end or the cap before wrapping around.
type search struct {
	input   textinput.Model
	editing bool
	query   string
	re      *regexp.Regexp

	at, end int // the current match's bytes; at is -1 without one

	pending bool // a forward search waits for more of the file
	from    int  // where that search started
	scanned int  // and how far it has looked
}

func newSearch() search {
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = "search"
	// A steady cursor: a blinking one wakes the program twice a second.
	st := in.Styles()
	st.Cursor.Blink = false
	in.SetStyles(st)
	return search{input: in, at: -1}
}

func (s *search) clear() {
	s.query, s.re, s.at, s.end, s.pending = "", nil, -1, -1, false
}

func (s *search) view() string { return s.input.View() }

// compile makes the matcher of q.
func compile(q string) *regexp.Regexp {
	expr := regexp.QuoteMeta(q)
	if !strings.ContainsFunc(q, unicode.IsUpper) {
		expr = "(?i)" + expr
	}
	return regexp.MustCompile(expr)
}

func (m *Model) startSearch() tea.Cmd {
	s := &m.search
	s.editing = true
	s.input.SetValue("")
	s.input.SetWidth(max(m.width-2, 1))
	return s.input.Focus()
}

// editSearch handles a key while the query is typed.
func (m *Model) editSearch(msg tea.KeyPressMsg) tea.Cmd {
	s := &m.search
	k := m.c.KeyMap
	switch {
	case key.Matches(msg, k.Cancel):
		s.editing = false
		s.input.Blur()
		return nil
	case key.Matches(msg, k.Accept):
		s.editing = false
		s.input.Blur()
		q := s.input.Value()
		if q == "" {
			s.clear()
			return nil
		}
		s.clear()
		s.query, s.re = q, compile(q)
		return m.locate(m.topOffset(), true)
	}
	var cmd tea.Cmd
	s.input, cmd = s.input.Update(msg)
	return cmd
}

// topOffset is the offset of the first byte on screen.
func (m *Model) topOffset() int {
	switch {
	case m.kind == binary:
		return min(m.top*m.bytesPerRow(), len(m.data))
	case m.top < len(m.starts):
		return m.starts[m.top]
	}
	return 0
}

// findNext moves to the next (or previous) match.
func (m *Model) findNext(forward bool) tea.Cmd {
	s := &m.search
	if s.re == nil {
		return common.StatusCmd("no search yet: / searches the file")
	}
	if forward {
		from := m.topOffset()
		if s.at >= 0 {
			from = s.at + 1
		}
		return m.locate(from, true)
	}
	from := m.topOffset()
	if s.at >= 0 {
		from = s.at
	}
	return m.locate(from, false)
}

// locate looks for the first match at or after from (forward), or the
// last one before it, wrapping around once nothing more can be read.
func (m *Model) locate(from int, forward bool) tea.Cmd {
	s := &m.search
	s.pending = false
	if forward {
		if a, b, ok := m.matchAfter(from); ok {
			return m.found(a, b, "")
		}
		if !m.done() {
			// Read on; searchOn continues where this one stopped.
			s.pending, s.from, s.scanned = true, from, len(m.data)
			return tea.Batch(common.StatusCmd("searching…"), m.readCmd())
		}
		if a, b, ok := m.matchAfter(0); ok && a < from {
			return m.found(a, b, "search wrapped to the top")
		}
		return m.notFound()
	}
	if a, b, ok := m.matchBefore(from); ok {
		return m.found(a, b, "")
	}
	if a, b, ok := m.matchBefore(len(m.data)); ok && a >= from {
		note := "search wrapped to the bottom"
		if !m.eof {
			note += " of what was read"
		}
		return m.found(a, b, note)
	}
	return m.notFound()
}

func (m *Model) notFound() tea.Cmd {
	s := &m.search
	what := "in the file"
	if m.capped() {
		what = fmt.Sprintf("in the first %d bytes", len(m.data))
	}
	return common.StatusCmd(fmt.Sprintf("%q not found %s", tree.Printable(s.query), what))
}

// searchOn continues a search that waited for a chunk.
func (m *Model) searchOn() tea.Cmd {
	s := &m.search
	if !s.pending || s.re == nil {
		return nil
	}
	// A match may straddle the old end: look again a query's length back.
	start := max(s.from, s.scanned-4*len(s.query))
	if a, b, ok := m.matchAfter(start); ok {
		s.pending = false
		return m.found(a, b, "")
	}
	s.scanned = len(m.data)
	if !m.done() {
		return nil // more() reads the next chunk
	}
	s.pending = false
	if a, b, ok := m.matchAfter(0); ok && a < s.from {
		return m.found(a, b, "search wrapped to the top")
	}
	return m.notFound()
}

func (m *Model) matchAfter(from int) (int, int, bool) {
	if from > len(m.data) {
		return 0, 0, false
	}
	loc := m.search.re.FindIndex(m.data[from:])
	if loc == nil {
		return 0, 0, false
	}
	return from + loc[0], from + loc[1], true
}

// matchBefore finds the last match starting before end, looking back a
// window at a time so that a common word costs what the window holds.
func (m *Model) matchBefore(end int) (int, int, bool) {
	const window = 64 << 10
	overlap := 4 * len(m.search.query)
	for hi := end; hi > 0; hi -= window {
		lo := max(0, hi-window)
		stop := min(len(m.data), hi+overlap)
		locs := m.search.re.FindAllIndex(m.data[lo:stop], -1)
		for i := len(locs) - 1; i >= 0; i-- {
			if a := lo + locs[i][0]; a < end {
				return a, lo + locs[i][1], true
			}
		}
	}
	return 0, 0, false
}

// found makes [a, b) the current match and puts it on screen.
func (m *Model) found(a, b int, note string) tea.Cmd {
	s := &m.search
	s.at, s.end = a, b
	m.toBottom = false
	var where string
	if m.kind == binary {
		row := a / m.bytesPerRow()
		m.show(row)
		where = fmt.Sprintf("at byte %d", a)
	} else {
		line := sort.Search(len(m.starts), func(i int) bool { return m.starts[i] > a }) - 1
		m.show(line)
		if !m.wrap {
			col := ansi.StringWidth(expand(m.data[m.starts[line]:a], math.MaxInt))
			if w := m.textWidth(); col < m.xoff || col >= m.xoff+w {
				m.xoff = max(0, (col-w/3)/hStep*hStep)
			}
		}
		where = fmt.Sprintf("line %d", line+1)
	}
	text := fmt.Sprintf("/%s: %s", tree.Printable(s.query), where)
	if note != "" {
		text += " (" + note + ")"
	}
	return tea.Batch(common.StatusCmd(text), m.more())
}

// highlight marks the query's matches in one plain screen segment.
func (s *search) highlight(st *styles.Styles, seg string) string {
	if s.re == nil || seg == "" {
		return seg
	}
	locs := s.re.FindAllStringIndex(seg, -1)
	if locs == nil {
		return seg
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		if l[1] == l[0] {
			continue
		}
		b.WriteString(seg[last:l[0]])
		b.WriteString(st.Match.Render(seg[l[0]:l[1]]))
		last = l[1]
	}
	b.WriteString(seg[last:])
	return b.String()
}

// rowHit reports whether the current match touches bytes [a, b).
func (s *search) rowHit(a, b int) bool { return s.at >= 0 && s.at < b && s.end > a }
