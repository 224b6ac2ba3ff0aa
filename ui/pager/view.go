package pager

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	"github.com/dustin/go-humanize"
)

// trailer is the line after the contents: reading, the error, the cap, or
// nothing at the end of the file.
func (m *Model) trailer() (string, bool) {
	st := m.c.Styles
	switch {
	case m.err != nil:
		return st.Error.Render("error: " + m.err.Error()), true
	case m.capped():
		of := ""
		if m.size > int64(len(m.data)) {
			of = " of " + humanize.Bytes(uint64(m.size))
		}
		return st.Dim.Render(fmt.Sprintf("… only the first %s%s are shown", humanize.Bytes(uint64(len(m.data))), of)), true
	case !m.eof && !m.closed:
		return st.Dim.Render("reading…"), true
	case m.eof && len(m.data) == 0:
		return st.Dim.Render("(empty file)"), true
	}
	return "", false
}

// View draws height lines of at most width cells; while a search is
// typed, its prompt is the last.
func (m *Model) View() string {
	h := m.height
	if m.search.editing {
		h--
	}
	lines := make([]string, 0, m.height)
	rows := m.rows()
	for i := m.top; i < rows && len(lines) < h; i++ {
		if m.kind == binary {
			lines = append(lines, m.hexRow(i))
			continue
		}
		first := 0
		if i == m.top {
			first = m.sub
		}
		lines = append(lines, m.textRows(i, first, h-len(lines))...)
	}
	if t, ok := m.trailer(); ok && len(lines) < h {
		lines = append(lines, t)
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	if m.search.editing {
		lines = append(lines, m.search.view())
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, m.width, "…")
	}
	return strings.Join(lines, "\n")
}

// textRows are the screen rows of line i from its visual row first, at
// most n: one cut at the pane's edge (scrolled sideways by xoff), or, when
// wrapping, as many as the line needs.
func (m *Model) textRows(i, first, n int) []string {
	st := m.c.Styles
	numW := m.gutterWidth()
	w := m.textWidth()
	gutter := st.Dim.Render(fmt.Sprintf("%*d │ ", numW, i+1))
	if w < 1 {
		return []string{gutter}
	}
	line := m.line(i)
	if !m.wrap {
		s := expand(line, m.xoff+w+1)
		seg := ansi.Cut(s, m.xoff, m.xoff+w+1)
		return []string{gutter + m.search.highlight(st, ansi.Truncate(seg, w, "…"))}
	}
	rows := m.lineRows(i)
	last := min(rows, first+n)
	s := expand(line, last*w)
	blank := st.Dim.Render(strings.Repeat(" ", numW) + " │ ")
	var out []string
	for j := first; j < last; j++ {
		g := gutter
		if j > 0 {
			g = blank
		}
		out = append(out, g+m.search.highlight(st, ansi.Cut(s, j*w, (j+1)*w)))
	}
	return out
}

// expand turns a line into what a terminal may print: tabs to the next
// multiple of 8, control characters to their Unicode pictures, invalid
// bytes to U+FFFD. It stops once past width cells.
func expand(line []byte, width int) string {
	var b strings.Builder
	col := 0
	for len(line) > 0 && col <= width {
		r, size := utf8.DecodeRune(line)
		line = line[size:]
		switch {
		case r == '\t':
			n := 8 - col%8
			b.WriteString(strings.Repeat(" ", n))
			col += n
			continue
		case r == utf8.RuneError && size == 1, r >= 0x80 && r < 0xa0:
			r = utf8.RuneError
		case r < 0x20:
			r = 0x2400 + r // ␀ … ␟
		case r == 0x7f:
			r = '␡'
		}
		b.WriteRune(r)
		col += ansi.StringWidth(string(r))
	}
	return b.String()
}

// bytesPerRow is the widest of 32, 24, 16 and 8 bytes whose row fits.
func (m *Model) bytesPerRow() int {
	for _, n := range []int{32, 24, 16} {
		if m.width >= hexWidth(n) {
			return n
		}
	}
	return 8
}

// hexWidth is the width of a row of n bytes: "00000000: 7f45 4c46  .ELF".
func hexWidth(n int) int { return 10 + n/2*5 + 1 + n }

// hexRow is row i of the dump: offset, bytes in pairs, ASCII.
func (m *Model) hexRow(i int) string {
	st := m.c.Styles
	n := m.bytesPerRow()
	off := i * n
	row := m.data[off:min(off+n, len(m.data))]
	var hex, asc strings.Builder
	for j := 0; j < n; j++ {
		if j < len(row) {
			fmt.Fprintf(&hex, "%02x", row[j])
			c := row[j]
			if c < 0x20 || c > 0x7e {
				c = '.'
			}
			asc.WriteByte(c)
		} else {
			hex.WriteString("  ")
		}
		if j%2 == 1 {
			hex.WriteByte(' ')
		}
	}
	ascii := asc.String()
	if m.search.rowHit(off, off+len(row)) {
		ascii = st.Selected.Render(ascii)
	}
	return st.Dim.Render(fmt.Sprintf("%08x:", off)) + " " + hex.String() + " " + ascii
}
