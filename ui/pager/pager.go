// Package pager is the explorer's file viewer: one file's contents, read
// lazily from its layer as the user scrolls, shown as numbered text lines
// or as a hex dump.
//
// Nothing is read up front: Init starts the first chunk, and every later
// chunk is read only when the screen (plus a page of look-ahead) needs it,
// or when the user jumps to the end. What was read is kept, up to a cap;
// a file larger than the cap is shown up to it, and the last line says so.
// Reads run in tea.Cmds, never in Update.
package pager

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/layerscope/layerscope/tree"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/dustin/go-humanize"

	"github.com/layerscope/layerscope/ui/common"
)

const (
	// ChunkSize is how much one read asks for.
	ChunkSize = 64 << 10
	// MaxKeep is the most the pager reads and keeps of one file.
	MaxKeep = 8 << 20
)

type kind int

const (
	unknown kind = iota // nothing read yet
	text
	binary
)

// Model is the pager.
type Model struct {
	c     *common.Common
	title string
	size  int64
	src   *source

	data    []byte
	kind    kind
	starts  []int // text: the offset of each line; the last may be partial
	scanned int   // text: data searched for newlines so far
	eof     bool  // everything was read
	err     error
	reading bool // a chunk is on its way
	closed  bool
	maxKeep int

	top      int  // first row on screen
	toBottom bool // follow the end while reading on (end key)

	width, height int
}

// New returns the pager of a file of size bytes (negative if unknown)
// whose contents open returns. Nothing is read before Init's command
// runs; the reader is closed when the pane closes, at the end of the
// file, or when MaxKeep bytes were read.
func New(c *common.Common, title string, size int64, open func(ctx context.Context) (io.ReadCloser, error)) *Model {
	return &Model{c: c, title: tree.Printable(title), size: size, src: newSource(open), maxKeep: MaxKeep, width: 80, height: 24}
}

// Init starts reading the first chunk. The chunk arrives as a message
// that Update must get.
func (m *Model) Init() tea.Cmd { return m.readCmd() }

// Close cancels reading and closes the reader; Update calls it when it
// closes the pane, the app may call it when it drops the pane otherwise.
func (m *Model) Close() {
	if !m.closed {
		m.closed = true
		m.toBottom = false
		m.src.close()
	}
}

// SetSize sets the inner size.
func (m *Model) SetSize(w, h int) {
	old := m.bytesPerRow()
	m.width, m.height = max(w, 1), max(h, 1)
	if m.kind == binary && old != m.bytesPerRow() {
		m.top = m.top * old / m.bytesPerRow()
	}
	m.top = min(m.top, m.maxTop())
}

// Title is the title given, the size and the kind of contents.
func (m *Model) Title() string {
	t := m.title
	if m.size >= 0 {
		t += " · " + humanize.Bytes(uint64(m.size))
	}
	switch m.kind {
	case text:
		t += " · text"
	case binary:
		t += " · binary"
	}
	return t
}

// BytesRead is how many bytes the pager read and keeps.
func (m *Model) BytesRead() int { return len(m.data) }

// Binary reports whether the contents are shown as a hex dump; false
// until the first chunk arrived.
func (m *Model) Binary() bool { return m.kind == binary }

// Update handles the chunks it asked for and the keys; esc and q close.
func (m *Model) Update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case chunkMsg:
		if msg.src != m.src {
			return nil, false
		}
		m.reading = false
		if m.closed {
			return nil, false
		}
		m.add(msg)
		return m.more(), false
	case tea.KeyPressMsg:
		k := m.c.KeyMap
		if key.Matches(msg, k.Cancel, k.Quit) {
			m.Close()
			return nil, true
		}
		m.toBottom = false
		switch {
		case key.Matches(msg, k.Down):
			m.scroll(1)
		case key.Matches(msg, k.Up):
			m.scroll(-1)
		case key.Matches(msg, k.PageDown):
			m.scroll(m.height)
		case key.Matches(msg, k.PageUp):
			m.scroll(-m.height)
		case key.Matches(msg, k.Top):
			m.top = 0
		case key.Matches(msg, k.Bottom):
			m.toBottom = !m.eof && m.err == nil && !m.capped()
			m.top = m.maxTop()
		default:
			return nil, false
		}
		return m.more(), false
	}
	return nil, false
}

func (m *Model) scroll(n int) { m.top = max(0, min(m.top+n, m.maxTop())) }

// add keeps a chunk.
func (m *Model) add(msg chunkMsg) {
	if len(msg.data) > 0 {
		if m.kind == unknown {
			m.kind = detect(msg.data, msg.eof)
		}
		m.data = appendCapped(m.data, msg.data, m.maxKeep)
		m.index()
	}
	if m.kind == unknown && (msg.eof || msg.err != nil) {
		m.kind = text // empty
	}
	m.eof = m.eof || msg.eof
	if msg.err != nil {
		m.err = msg.err
	}
	// At the cap, the size says whether anything is left.
	if !m.eof && len(m.data) >= m.maxKeep && m.size == int64(len(m.data)) {
		m.eof = true
	}
	if m.eof || m.err != nil || m.capped() {
		m.src.close()
		if m.toBottom {
			m.top = m.maxTop()
		}
		m.toBottom = false
	} else if m.toBottom {
		m.top = m.maxTop()
	}
}

// appendCapped appends without letting the buffer's capacity pass limit.
func appendCapped(dst, src []byte, limit int) []byte {
	if need := len(dst) + len(src); need > cap(dst) {
		grown := make([]byte, len(dst), min(max(2*cap(dst), need), max(limit, need)))
		copy(grown, dst)
		dst = grown
	}
	return append(dst, src...)
}

// capped reports whether the pager stopped at MaxKeep before the end.
func (m *Model) capped() bool { return !m.eof && len(m.data) >= m.maxKeep }

// more asks for the next chunk if the screen and a page beyond it are
// not read yet, or if the user asked for the end.
func (m *Model) more() tea.Cmd {
	if !m.toBottom && m.rows() >= m.top+2*m.height {
		return nil
	}
	return m.readCmd()
}

func (m *Model) readCmd() tea.Cmd {
	if m.reading || m.closed || m.eof || m.err != nil || len(m.data) >= m.maxKeep {
		return nil
	}
	m.reading = true
	src, n := m.src, min(ChunkSize, m.maxKeep-len(m.data))
	return func() tea.Msg { return src.read(n) }
}

// detect: text is valid UTF-8 without NUL bytes (a rune cut by the
// chunk's end does not count).
func detect(b []byte, eof bool) kind {
	if bytes.IndexByte(b, 0) >= 0 {
		return binary
	}
	if !eof {
		for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
			if utf8.RuneStart(b[i]) {
				if !utf8.FullRune(b[i:]) {
					b = b[:i]
				}
				break
			}
		}
	}
	if utf8.Valid(b) {
		return text
	}
	return binary
}

// index finds the lines of what was read since the last call.
func (m *Model) index() {
	if m.kind != text {
		return
	}
	if len(m.starts) == 0 {
		m.starts = append(m.starts, 0)
	}
	for m.scanned < len(m.data) {
		i := bytes.IndexByte(m.data[m.scanned:], '\n')
		if i < 0 {
			m.scanned = len(m.data)
			break
		}
		m.scanned += i + 1
		m.starts = append(m.starts, m.scanned)
	}
}

// rows is the number of content rows read so far.
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

func (m *Model) total() int {
	n := m.rows()
	if _, ok := m.trailer(); ok {
		n++
	}
	return n
}

func (m *Model) maxTop() int { return max(0, m.total()-m.height) }

// View draws height lines of at most width cells.
func (m *Model) View() string {
	lines := make([]string, 0, m.height)
	rows := m.rows()
	for i := m.top; i < rows && len(lines) < m.height; i++ {
		if m.kind == binary {
			lines = append(lines, m.hexRow(i))
		} else {
			lines = append(lines, m.textRow(i))
		}
	}
	if t, ok := m.trailer(); ok && len(lines) < m.height {
		lines = append(lines, t)
	}
	for len(lines) < m.height {
		lines = append(lines, "")
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, m.width, "…")
	}
	return strings.Join(lines, "\n")
}

// textRow is line i with its number.
func (m *Model) textRow(i int) string {
	end := len(m.data)
	if i+1 < len(m.starts) {
		end = m.starts[i+1]
	}
	line := m.data[m.starts[i]:end]
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	last := min(m.top+m.height, m.rows())
	numW := max(3, len(fmt.Sprint(last)))
	gutter := m.c.Styles.Dim.Render(fmt.Sprintf("%*d │ ", numW, i+1))
	w := m.width - numW - 3
	if w < 1 {
		return gutter
	}
	return gutter + ansi.Truncate(expand(line, w), w, "…")
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

// bytesPerRow is 16 when the row fits, else 8.
func (m *Model) bytesPerRow() int {
	if m.width >= hexWidth(16) {
		return 16
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
	return st.Dim.Render(fmt.Sprintf("%08x:", off)) + " " + hex.String() + " " + asc.String()
}

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding {
	k := m.c.KeyMap
	return []key.Binding{k.Up, k.Down, k.PageDown, k.Bottom, common.CloseBinding(k.Cancel, k.Quit)}
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.c.KeyMap
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, {common.CloseBinding(k.Cancel, k.Quit)}}
}
