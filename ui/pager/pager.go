// Package pager is the explorer's file viewer: one file's contents, read
// lazily from its layer as the user scrolls, shown as numbered text lines
// (long lines cut and scrolled sideways, or wrapped) or as a hex dump as
// wide as the pane allows, with a search (/ n N).
//
// Nothing is read up front: Init starts the first chunk, and every later
// chunk is read only when the screen (plus a page of look-ahead) needs it,
// when the user jumps to the end, or while a search looks for its next
// match. What was read is kept, up to a cap; a file larger than the cap
// is shown up to it, and the last line says so. Reads run in tea.Cmds,
// never in Update.
//
// The pager scrolls itself rather than through bubbles' viewport: the
// viewport wants every line as a string up front and measures them all on
// each change, which a lazily read file of up to MaxKeep bytes cannot
// afford (see scroll.go).
package pager

import (
	"bytes"
	"context"
	"io"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/dustin/go-humanize"

	"github.com/layerscope/layerscope/tree"
	"github.com/layerscope/layerscope/ui/common"
)

const (
	// ChunkSize is how much one read asks for.
	ChunkSize = 64 << 10
	// MaxKeep is the most the pager reads and keeps of one file.
	MaxKeep = 8 << 20
	// hStep is how far one ←/→ scrolls a long line sideways.
	hStep = 8
)

type kind int

const (
	unknown kind = iota // nothing read yet
	text
	binary
)

// Model is the pager. It implements common.Pane.
type Model struct {
	c     *common.Common
	title string
	size  int64
	src   *source

	data    []byte
	kind    kind
	starts  []int       // text: the offset of each line; the last may be partial
	scanned int         // text: data searched for newlines so far
	cells   map[int]int // text: the width of complete lines measured so far
	eof     bool        // everything was read
	err     error
	reading bool // a chunk is on its way
	closed  bool
	maxKeep int

	top      int  // first line (text) or hex row on screen
	sub      int  // wrapping: the first visual row of line top on screen
	xoff     int  // not wrapping: cells cut off the left of every line
	wrap     bool // long lines wrap instead of being cut
	toBottom bool // follow the end while reading on (end key)
	search   search

	keys          keys
	width, height int
}

var _ common.Pane = (*Model)(nil)

// keys are the pager's own bindings beside the key map's.
type keys struct{ wrap key.Binding }

func newKeys() keys {
	return keys{wrap: key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "wrap lines"))}
}

// New returns the pager of a file of size bytes (negative if unknown)
// whose contents open returns. Nothing is read before Init's command
// runs; the reader is closed when the pane closes, at the end of the
// file, or when MaxKeep bytes were read.
func New(c *common.Common, title string, size int64, open func(ctx context.Context) (io.ReadCloser, error)) *Model {
	return &Model{c: c, title: tree.Printable(title), size: size, src: newSource(open), maxKeep: MaxKeep,
		keys: newKeys(), search: newSearch(), width: 80, height: 24}
}

// Init starts reading the first chunk. The chunk arrives as a message
// that Update must get.
func (m *Model) Init() tea.Cmd { return m.readCmd() }

// Close cancels reading and closes the reader; the app calls it whenever
// it drops the pane. A second call does nothing.
func (m *Model) Close() {
	if !m.closed {
		m.closed = true
		m.toBottom = false
		m.search.pending = false
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
	m.clamp()
}

// Title is the title given, the size and the kind of contents. Once the
// whole file is read, the size is what was read: the title never
// disagrees with what is shown.
func (m *Model) Title() string {
	t := m.title
	size := m.size
	if m.eof && m.err == nil {
		size = int64(len(m.data))
	}
	if size >= 0 {
		t += " · " + humanize.Bytes(uint64(size))
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

// Wrapping reports whether long lines wrap.
func (m *Model) Wrapping() bool { return m.wrap }

// Update handles the chunks it asked for and the keys; esc (once no
// search is shown) and q close the pane, with common.CloseMsg.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case chunkMsg:
		if msg.src != m.src {
			return nil
		}
		m.reading = false
		if m.closed {
			return nil
		}
		m.add(msg)
		cmd := m.searchOn()
		return tea.Batch(cmd, m.more())
	case tea.KeyPressMsg:
		if m.search.editing {
			return m.editSearch(msg)
		}
		return m.key(msg)
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelDown:
			m.scroll(3)
		case tea.MouseWheelUp:
			m.scroll(-3)
		}
		return m.more()
	}
	return nil
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.KeyMap
	switch {
	case key.Matches(msg, k.Cancel) && m.search.query != "":
		m.search.clear()
		return nil
	case key.Matches(msg, k.Cancel, k.Quit):
		m.Close()
		return common.CloseCmd(m)
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
		m.top, m.sub = 0, 0
	case key.Matches(msg, k.Bottom):
		m.toBottom = !m.eof && m.err == nil && !m.capped()
		m.toEnd()
	case key.Matches(msg, k.Parent):
		m.xoff = max(0, m.xoff-hStep)
	case key.Matches(msg, k.Open):
		if !m.wrap && m.kind == text && m.xoff+hStep < m.longestOnScreen() {
			m.xoff += hStep
		}
	case key.Matches(msg, m.keys.wrap):
		m.setWrap(!m.wrap)
	case key.Matches(msg, k.Filter):
		return m.startSearch()
	case key.Matches(msg, k.NextMatch):
		return m.findNext(true)
	case key.Matches(msg, k.PrevMatch):
		return m.findNext(false)
	default:
		return nil
	}
	return m.more()
}

// setWrap switches wrapping, keeping the first line on screen.
func (m *Model) setWrap(on bool) {
	m.wrap, m.sub, m.xoff = on, 0, 0
	m.clamp()
}

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
			m.toEnd()
		}
		m.toBottom = false
	} else if m.toBottom {
		m.toEnd()
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

// done reports whether nothing more will be read.
func (m *Model) done() bool { return m.eof || m.err != nil || m.closed || m.capped() }

// more asks for the next chunk if the screen and a page beyond it are
// not read yet, if the user asked for the end, or if a search waits for
// more of the file.
func (m *Model) more() tea.Cmd {
	if !m.toBottom && !m.search.pending && m.rows() >= m.top+2*m.height {
		return nil
	}
	return m.readCmd()
}

func (m *Model) readCmd() tea.Cmd {
	if m.reading || m.done() {
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

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding {
	k := m.c.KeyMap
	search := k.Filter
	search.SetHelp(search.Help().Key, "search")
	return []key.Binding{k.Down, k.PageDown, search, k.NextMatch, m.keys.wrap, common.CloseBinding(k.Cancel, k.Quit)}
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.c.KeyMap
	search := k.Filter
	search.SetHelp(search.Help().Key, "search")
	left, right := k.Parent, k.Open
	left.SetHelp(left.Help().Key, "scroll left")
	right.SetHelp(right.Help().Key, "scroll right")
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{left, right, m.keys.wrap},
		{search, k.NextMatch, k.PrevMatch},
		{common.CloseBinding(k.Cancel, k.Quit)},
	}
}
