package pager

import (
	"fmt"
	"math"

	"github.com/charmbracelet/x/ansi"
)

// The screen's first row is a position: a line (a hex row) and, when
// lines wrap, which of its visual rows. Only the lines on and near the
// screen are ever measured, so scrolling costs the same at the start of
// an 8 MB file as at its end; bubbles' viewport would measure every line
// on each change (its SoftWrap walks all lines to find the offset).

// rows is the number of content lines (hex rows) read so far.
func (m *Model) rows() int {
	switch m.kind {
	case text:
		n := len(m.starts)
		if n > 0 && m.starts[n-1] == len(m.data) {
			n-- // nothing after the last newline (yet)
		}
		return n
	case binary:
		return (len(m.data) + m.bytesPerRow() - 1) / m.bytesPerRow()
	}
	return 0
}

// line is text line i without its line ending.
func (m *Model) line(i int) []byte {
	end := len(m.data)
	if i+1 < len(m.starts) {
		end = m.starts[i+1]
	}
	l := m.data[m.starts[i]:end]
	if n := len(l); n > 0 && l[n-1] == '\n' {
		l = l[:n-1]
		if n := len(l); n > 0 && l[n-1] == '\r' {
			l = l[:n-1]
		}
	}
	return l
}

// gutterWidth is the width of the line numbers: enough for every line
// read, at least 3.
func (m *Model) gutterWidth() int { return max(3, len(fmt.Sprint(m.rows()))) }

// textWidth is the width left for a line's text beside its number.
func (m *Model) textWidth() int { return m.width - m.gutterWidth() - 3 }

// lineCells is how many cells line i takes, expanded; kept for lines
// that are complete (the last line read may still grow).
func (m *Model) lineCells(i int) int {
	if w, ok := m.cells[i]; ok {
		return w
	}
	w := ansi.StringWidth(expand(m.line(i), math.MaxInt))
	if i+1 < len(m.starts) || m.eof {
		if m.cells == nil {
			m.cells = map[int]int{}
		}
		m.cells[i] = w
	}
	return w
}

// lineRows is how many screen rows line i takes.
func (m *Model) lineRows(i int) int {
	if !m.wrap || m.kind != text {
		return 1
	}
	w := m.textWidth()
	if w < 1 {
		return 1
	}
	return max(1, (m.lineCells(i)+w-1)/w)
}

// endPos is the last position the screen may start at: the one from which
// the rest, trailer included, just fills the screen.
func (m *Model) endPos() (top, sub int) {
	need := m.height
	if _, ok := m.trailer(); ok {
		need--
	}
	for i := m.rows() - 1; i >= 0; i-- {
		r := m.lineRows(i)
		if r >= need {
			return i, r - need
		}
		need -= r
	}
	return 0, 0
}

func before(t1, s1, t2, s2 int) bool { return t1 < t2 || (t1 == t2 && s1 < s2) }

// clamp keeps the position within the contents.
func (m *Model) clamp() {
	if m.top < 0 {
		m.top, m.sub = 0, 0
	}
	m.sub = max(0, min(m.sub, m.lineRowsAt(m.top)-1))
	if t, s := m.endPos(); before(t, s, m.top, m.sub) {
		m.top, m.sub = t, s
	}
}

// lineRowsAt is lineRows for a line that may not exist yet.
func (m *Model) lineRowsAt(i int) int {
	if i >= m.rows() {
		return 1
	}
	return m.lineRows(i)
}

func (m *Model) toEnd() { m.top, m.sub = m.endPos() }

// scroll moves the screen n rows down (up for negative n).
func (m *Model) scroll(n int) {
	endT, endS := m.endPos()
	for ; n > 0; n-- {
		if m.sub+1 < m.lineRowsAt(m.top) {
			m.sub++
		} else {
			m.top, m.sub = m.top+1, 0
		}
		if before(endT, endS, m.top, m.sub) {
			m.top, m.sub = endT, endS
			break
		}
	}
	for ; n < 0; n++ {
		switch {
		case m.sub > 0:
			m.sub--
		case m.top > 0:
			m.top--
			m.sub = m.lineRowsAt(m.top) - 1
		}
	}
	m.clamp()
}

// show puts line i on screen: where it is if it is on screen already,
// else at the top.
func (m *Model) show(i int) {
	if i < m.top || i >= m.top+m.visibleLines() {
		m.top, m.sub = i, 0
	}
	m.clamp()
}

// visibleLines is how many lines, from top, the screen shows at least in
// part.
func (m *Model) visibleLines() int {
	rows, n := 0, 0
	for i := m.top; i < m.rows() && rows < m.height; i++ {
		r := m.lineRows(i)
		if i == m.top {
			r -= m.sub
		}
		rows += r
		n++
	}
	return n
}

// longestOnScreen is the width of the widest line on screen.
func (m *Model) longestOnScreen() int {
	w := 0
	for i := m.top; i < min(m.rows(), m.top+m.height); i++ {
		w = max(w, m.lineCells(i))
	}
	return w
}
