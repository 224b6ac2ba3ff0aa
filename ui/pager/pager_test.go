package pager

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/layerscope/layerscope/ui/common"
	"github.com/layerscope/layerscope/ui/internal/uitest"
)

// counter is a reader that counts what was read from it and whether it
// was closed.
type counter struct {
	r      io.Reader
	read   atomic.Int64
	closed atomic.Bool
	opens  atomic.Int32
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read.Add(int64(n))
	return n, err
}

func (c *counter) Close() error { c.closed.Store(true); return nil }

func (c *counter) open(context.Context) (io.ReadCloser, error) {
	c.opens.Add(1)
	return c, nil
}

func newCounter(r io.Reader) *counter { return &counter{r: r} }

// lines generates numbered lines up to size bytes without holding them.
type lines struct {
	size, off int64
	buf       []byte
	n         int
}

func (l *lines) Read(p []byte) (int, error) {
	if l.off >= l.size {
		return 0, io.EOF
	}
	done := 0
	for done < len(p) && l.off < l.size {
		if len(l.buf) == 0 {
			l.n++
			l.buf = fmt.Appendf(nil, "line %d: the quick brown fox jumps over the lazy dog\n", l.n)
		}
		k := copy(p[done:], l.buf[:min(int64(len(l.buf)), l.size-l.off)])
		l.buf = l.buf[k:]
		done += k
		l.off += int64(k)
	}
	return done, nil
}

func newPager(t *testing.T, src *counter, size int64, noColor bool) *Model {
	t.Helper()
	m := New(uitest.Common(nil, noColor), "/etc/file (layer 2)", size, src.open)
	m.SetSize(60, 12)
	return m
}

// outcome is what the commands a pager returned asked the app for.
type outcome struct {
	closed bool
	status []string
}

// run runs cmd and the commands its messages lead to, like the program
// would, and collects what is meant for the app.
func run(m *Model, cmd tea.Cmd) outcome {
	var out outcome
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case common.CloseMsg:
			out.closed = out.closed || msg.Pane == m
		case common.StatusMsg:
			out.status = append(out.status, string(msg))
		default:
			queue = append(queue, m.Update(msg))
		}
	}
	return out
}

// press presses keys; closed reports whether the last asked to close.
func press(m *Model, keys ...string) (closed bool) {
	for _, k := range keys {
		closed = run(m, m.Update(uitest.Key(k))).closed
	}
	return closed
}

const sample = "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"héllo, wörld\")\t// tabs\n" +
	"\tx := \"a line long enough to be cut at the right edge of the pane, surely\"\n" +
	"\tesc := \"\x1b[31mred\x1b[0m\"\r\n}\n"

func TestGolden(t *testing.T) {
	bin := make([]byte, 100)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	copy(bin, "\x7fELF\x02\x01\x01")
	for _, c := range []struct {
		name    string
		body    string
		width   int
		noColor bool
		keys    []string
	}{
		{"text", sample, 60, false, nil},
		{"text-nocolor", sample, 60, true, nil},
		{"binary", string(bin), 60, false, nil},
		{"binary-nocolor", string(bin), 60, true, nil},
		{"binary-wide", string(bin), 70, true, nil},
		{"empty", "", 60, true, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newPager(t, newCounter(strings.NewReader(c.body)), int64(len(c.body)), c.noColor)
			m.SetSize(c.width, 12)
			run(m, m.Init())
			press(m, c.keys...)
			uitest.Golden(t, "pager-"+c.name, m.View())
		})
	}
}

func TestGoldenStates(t *testing.T) {
	t.Run("reading", func(t *testing.T) {
		m := newPager(t, newCounter(strings.NewReader(sample)), int64(len(sample)), false)
		m.Init() // not run: the chunk has not arrived
		uitest.Golden(t, "pager-reading", m.View())
	})
	t.Run("capped", func(t *testing.T) {
		src := newCounter(&lines{size: 1 << 20})
		m := newPager(t, src, 1<<20, false)
		m.maxKeep = 1000
		run(m, m.Init())
		press(m, "end")
		uitest.Golden(t, "pager-capped", m.View())
	})
	t.Run("error", func(t *testing.T) {
		m := New(uitest.Common(nil, false), "/f", 10, func(context.Context) (io.ReadCloser, error) {
			return nil, errors.New("layer 3: unexpected EOF")
		})
		m.SetSize(60, 12)
		run(m, m.Init())
		uitest.Golden(t, "pager-error", m.View())
	})
}

// TestLazyReading reads a 100 MB file: the first screen costs one chunk,
// scrolling a few pages nothing more, the end key reads up to the cap.
func TestLazyReading(t *testing.T) {
	const size = 100 << 20
	src := newCounter(&lines{size: size})
	m := newPager(t, src, size, true)
	if v := ansi.Strip(m.View()); !strings.Contains(v, "reading…") {
		t.Errorf("first view before any chunk:\n%s", v)
	}
	if src.opens.Load() != 0 {
		t.Errorf("opened before Init's command ran")
	}
	run(m, m.Init())
	if n := src.read.Load(); n != ChunkSize {
		t.Errorf("read %d bytes for the first screen, want %d", n, ChunkSize)
	}
	if !strings.HasPrefix(strings.TrimSpace(ansi.Strip(m.View())), "1 │ line 1: the quick") {
		t.Errorf("first screen:\n%s", ansi.Strip(m.View()))
	}
	press(m, "pgdown", "pgdown", "pgdown", "down", "down")
	if n := src.read.Load(); n != ChunkSize {
		t.Errorf("read %d bytes after scrolling 3 pages, want %d", n, ChunkSize)
	}
	if got := strings.Fields(ansi.Strip(m.View()))[0]; got != "39" {
		t.Errorf("after 3 pages and 2 lines the first line is %s, want 39", got)
	}
	// Scrolling page after page reads on, a chunk at a time.
	for i := 0; i < 1000; i++ {
		press(m, "pgdown")
	}
	need := m.starts[m.top+2*m.height] // the screen and a page beyond
	if n := int(src.read.Load()); n < need || n >= need+ChunkSize {
		t.Errorf("read %d bytes after 1000 pages, want less than a chunk beyond %d", n, need)
	}
	press(m, "end")
	if n := src.read.Load(); n != MaxKeep {
		t.Errorf("read %d bytes after end, want the cap %d", n, MaxKeep)
	}
	if !src.closed.Load() {
		t.Errorf("reader not closed at the cap")
	}
	v := strings.Split(ansi.Strip(m.View()), "\n")
	if last := v[len(v)-1]; last != "… only the first 8.4 MB of 105 MB are shown" {
		t.Errorf("last line at the end: %q", last)
	}
	if m.BytesRead() != MaxKeep || cap(m.data) > MaxKeep {
		t.Errorf("keeps %d bytes in a buffer of %d", m.BytesRead(), cap(m.data))
	}
}

func TestScrolling(t *testing.T) {
	var b strings.Builder
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&b, "row %d\n", i)
	}
	src := newCounter(strings.NewReader(b.String()))
	m := newPager(t, src, int64(b.Len()), true)
	run(m, m.Init())
	first := func() string { return strings.Fields(ansi.Strip(m.View()))[0] }
	for _, c := range []struct {
		key, want string
	}{
		{"down", "2"}, {"down", "3"}, {"up", "2"}, {"pgdown", "14"}, {"pgdown", "19"}, // 30 lines, 12 rows: the last top is 19
		{"down", "19"}, {"pgup", "7"}, {"home", "1"}, {"up", "1"}, {"end", "19"},
	} {
		press(m, c.key)
		if got := first(); got != c.want {
			t.Fatalf("after %s the first line is %s, want %s", c.key, got, c.want)
		}
	}
	if !src.closed.Load() {
		t.Errorf("reader not closed at the end of the file")
	}
}

func TestDetection(t *testing.T) {
	cut := strings.Repeat("a", ChunkSize-1) + "é" + "\n" // é straddles the first chunk's end
	for _, c := range []struct {
		name, body string
		binary     bool
	}{
		{"text", "hello\n", false},
		{"utf-8", "héllo wörld ✓\n", false},
		{"rune cut by the chunk", cut, false},
		{"nul", "hello\x00world", true},
		{"invalid utf-8", "hello \xff\xfe world", true},
		{"elf", "\x7fELF\x02\x01\x01\x00\x00", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newPager(t, newCounter(strings.NewReader(c.body)), int64(len(c.body)), true)
			if strings.Contains(m.Title(), "text") || strings.Contains(m.Title(), "binary") {
				t.Errorf("kind in the title before reading: %q", m.Title())
			}
			run(m, m.Init())
			if m.Binary() != c.binary {
				t.Errorf("binary = %v, want %v", m.Binary(), c.binary)
			}
			want := " · text"
			if c.binary {
				want = " · binary"
			}
			if !strings.HasSuffix(m.Title(), want) {
				t.Errorf("title %q", m.Title())
			}
		})
	}
}

func TestExpand(t *testing.T) {
	for in, want := range map[string]string{
		"a\tb":        "a       b",
		"abcdefgh\tx": "abcdefgh        x",
		"\x1b[31m":    "␛[31m",
		"nul\x00":     "nul␀",
		"bad\xffx":    "bad\uFFFDx",
		"c1\u0085":    "c1\uFFFD",
		"del\x7f":     "del␡",
		"wide 漢字":     "wide 漢字",
	} {
		if got := expand([]byte(in), 40); got != want {
			t.Errorf("expand(%q) = %q, want %q", in, got, want)
		}
	}
	long := strings.Repeat("x", 10000)
	if got := expand([]byte(long), 20); utf8.RuneCountInString(got) > 21 {
		t.Errorf("expand does not stop past the width: %d runes", len(got))
	}
}

func TestCloseKeys(t *testing.T) {
	for _, k := range []string{"esc", "q"} {
		t.Run(k, func(t *testing.T) {
			src := newCounter(&lines{size: 10 << 20})
			m := newPager(t, src, 10<<20, true)
			run(m, m.Init())
			if src.closed.Load() {
				t.Fatalf("closed before the pane closed")
			}
			if !press(m, k) {
				t.Errorf("%s did not close the pane", k)
			}
			if !src.closed.Load() {
				t.Errorf("reader not closed with the pane")
			}
		})
	}
}

// TestCloseDuringRead: the pane closes while a chunk is on its way; the
// read closes the reader when it returns, and its message is ignored.
func TestCloseDuringRead(t *testing.T) {
	src := newCounter(&lines{size: 10 << 20})
	m := newPager(t, src, 10<<20, true)
	cmd := m.Init()
	gate, opening := make(chan struct{}), make(chan struct{})
	m.src.open = func(ctx context.Context) (io.ReadCloser, error) {
		close(opening)
		<-gate
		return src.open(ctx)
	}
	done := make(chan tea.Msg)
	go func() { done <- cmd() }()
	<-opening // the read holds the source
	if !press(m, "esc") {
		t.Fatal("esc did not close")
	}
	close(gate)
	msg := <-done
	if !src.closed.Load() {
		t.Errorf("reader left open after a read that outlived the pane")
	}
	if cmd := m.Update(msg); cmd != nil || m.BytesRead() != 0 {
		t.Errorf("a chunk after closing was kept")
	}
}

func TestReadError(t *testing.T) {
	body := strings.NewReader("first line\nsecond line\n")
	src := newCounter(io.MultiReader(body, errReader{}))
	m := newPager(t, src, 1000, true)
	run(m, m.Init())
	v := ansi.Strip(m.View())
	if !strings.Contains(v, "second line") || !strings.Contains(v, "error: gzip: invalid checksum") {
		t.Errorf("view after a read error:\n%s", v)
	}
	if !src.closed.Load() {
		t.Errorf("reader not closed after an error")
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("gzip: invalid checksum") }

func TestForeignChunkIgnored(t *testing.T) {
	a := newPager(t, newCounter(strings.NewReader("a\n")), 2, true)
	b := newPager(t, newCounter(strings.NewReader("b\n")), 2, true)
	msg := a.Init()()
	b.Init()
	if cmd := b.Update(msg); cmd != nil || b.BytesRead() != 0 {
		t.Errorf("b took a's chunk")
	}
}

func TestViewFitsItsSize(t *testing.T) {
	body := sample + strings.Repeat("漢字かな交じり文\t", 30) + "\n"
	for _, binary := range []bool{false, true} {
		b := body
		if binary {
			b += "\x00"
		}
		for _, wrap := range []bool{false, true} {
			m := newPager(t, newCounter(strings.NewReader(b)), int64(len(b)), false)
			run(m, m.Init())
			m.setWrap(wrap)
			for _, size := range [][2]int{{1, 1}, {9, 3}, {20, 5}, {60, 12}, {66, 12}, {67, 12}, {200, 60}} {
				m.SetSize(size[0], size[1])
				for _, k := range []string{"home", "end", "right", "pgup", "down"} {
					press(m, k)
					lines := strings.Split(m.View(), "\n")
					if len(lines) != size[1] {
						t.Errorf("binary %v wrap %v %v %s: %d lines", binary, wrap, size, k, len(lines))
					}
					for _, l := range lines {
						if w := ansi.StringWidth(l); w > size[0] {
							t.Errorf("binary %v wrap %v %v %s: line of %d cells: %q", binary, wrap, size, k, w, ansi.Strip(l))
						}
					}
				}
			}
		}
	}
}

func TestHexRows(t *testing.T) {
	b := "\x00\x01ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	m := newPager(t, newCounter(strings.NewReader(b)), int64(len(b)), true)
	m.SetSize(67, 5)
	run(m, m.Init())
	got := strings.Split(ansi.Strip(m.View()), "\n")
	want := []string{
		"00000000: 0001 4142 4344 4546 4748 494a 4b4c 4d4e  ..ABCDEFGHIJKLMN",
		"00000010: 4f50 5152 5354 5556 5758 595a            OPQRSTUVWXYZ",
	}
	for i, w := range want {
		if got[i] != w {
			t.Errorf("row %d:\n got %q\nwant %q", i, got[i], w)
		}
	}
	m.SetSize(66, 5)
	if got := strings.Split(ansi.Strip(m.View()), "\n")[0]; got != "00000000: 0001 4142 4344 4546  ..ABCDEF" {
		t.Errorf("narrow row: %q", got)
	}
}
