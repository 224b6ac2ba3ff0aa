package pager

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/layerscope/layerscope/analysis/content"
	"github.com/layerscope/layerscope/tree"
	"github.com/layerscope/layerscope/ui/internal/panetest"
	"github.com/layerscope/layerscope/ui/internal/uitest"
)

// long is a file with lines longer than any pane: numbered, with a
// marker at every 50th column so that a shifted or wrapped view shows
// where it is.
func long() string {
	var b strings.Builder
	for i := 1; i <= 80; i++ {
		fmt.Fprintf(&b, "%d:", i)
		for c := 0; c < 6; c++ {
			fmt.Fprintf(&b, "%-50s", fmt.Sprintf("[col %d of line %d]", c*50, i))
		}
		if i%7 == 0 {
			b.WriteString(" needle")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func pagerOf(body string) *Model {
	src := newCounter(strings.NewReader(body))
	return New(uitest.Common(nil, false), "/data/long.txt (layer 3)", int64(len(body)), src.open)
}

func size(w, h int) string { return fmt.Sprintf("%dx%d", w, h) }

// TestSidewaysAndWrap: → scrolls long lines sideways by 8 cells, ← back;
// w wraps them (the numbers only on a line's first row) and w again cuts
// them. Golden screens at every size.
func TestSidewaysAndWrap(t *testing.T) {
	for _, sz := range panetest.Sizes {
		w, h := sz[0], sz[1]
		t.Run(size(w, h), func(t *testing.T) {
			host := panetest.Run(t, pagerOf(long()), w, h, "[col 0 of line 1]",
				panetest.Keys("right", "right", "right", "left")...)
			m := host.Pane.(*Model)
			if m.xoff != 16 {
				t.Errorf("after → → → ← the view is shifted by %d cells, want 16", m.xoff)
			}
			if first := strings.Split(ansi.Strip(host.Screen()), "\n")[0]; !strings.HasPrefix(first, "  1 │  1]   ") {
				t.Errorf("first row shifted by 16: %q", first)
			}
			uitest.Golden(t, "pager-sideways-"+size(w, h), host.Screen())

			host = panetest.Run(t, pagerOf(long()), w, h, "[col 0 of line 1]", panetest.Keys("w", "down")...)
			m = host.Pane.(*Model)
			rows := strings.Split(ansi.Strip(host.Screen()), "\n")
			if !m.Wrapping() || !strings.HasPrefix(rows[0], "    │ ") {
				t.Errorf("w then ↓: wrapping %v, first row %q (want a continuation row)", m.Wrapping(), rows[0])
			}
			if !strings.Contains(host.Screen(), "[col 250 of line 1]") {
				t.Errorf("wrapped view does not show the end of line 1:\n%s", ansi.Strip(host.Screen()))
			}
			uitest.Golden(t, "pager-wrap-"+size(w, h), host.Screen())
		})
	}
}

// TestWrapEnd: the end key shows the last rows of the last wrapped line;
// every row fits the width.
func TestWrapEnd(t *testing.T) {
	m := pagerOf(long())
	m.SetSize(60, 10)
	run(m, m.Init())
	press(m, "w", "end")
	v := ansi.Strip(m.View())
	rows := strings.Split(v, "\n")
	if len(rows) != 10 || !strings.HasSuffix(strings.TrimSpace(rows[9]), "80]") {
		t.Errorf("end of the wrapped file:\n%s", v)
	}
	uitest.CheckSize(t, m.View(), 60, 10)
	press(m, "pgup", "pgup", "home")
	if m.top != 0 || m.sub != 0 {
		t.Errorf("home: at line %d row %d", m.top, m.sub)
	}
}

// TestSearchKeys: / types a query, enter finds the first match, n the
// next, wrapping around at the end, N the previous; esc clears it.
func TestSearchKeys(t *testing.T) {
	for _, sz := range panetest.Sizes {
		w, h := sz[0], sz[1]
		t.Run(size(w, h), func(t *testing.T) {
			host := panetest.Run(t, pagerOf(long()), w, h, "[col 0 of line 1]",
				panetest.Step{Key: "/"}, panetest.Step{Key: "type:NEEDLE"}, panetest.Step{Key: "backspace"},
				panetest.Step{Key: "backspace"}, panetest.Step{Key: "backspace"}, panetest.Step{Key: "backspace"},
				panetest.Step{Key: "backspace"}, panetest.Step{Key: "backspace"}, panetest.Step{Key: "type:needle"},
				panetest.Step{Key: "enter", Status: "line 7"},
				panetest.Step{Key: "n", Status: "line 14"},
				panetest.Step{Key: "N", Status: "line 7"},
				panetest.Step{Key: "N", Status: "wrapped"},
			)
			if host.Status != "/needle: line 77 (search wrapped to the bottom)" {
				t.Errorf("status after N at the first match: %q", host.Status)
			}
			m := host.Pane.(*Model)
			if !strings.Contains(m.View(), m.c.Styles.Match.Render("needle")) {
				t.Errorf("the match is not highlighted")
			}
			uitest.Golden(t, "pager-search-"+size(w, h), host.Screen())
		})
	}
}

// TestSearchReadsOn: a match beyond what was read is found by reading on,
// chunk by chunk, and no further; one that is not there reads to the cap.
func TestSearchReadsOn(t *testing.T) {
	const total = 100 << 20
	src := newCounter(&lines{size: total})
	m := New(uitest.Common(nil, true), "/big", total, src.open)
	m.SetSize(80, 20)
	run(m, m.Init())
	press(m, "/")
	for _, r := range "line 20000:" {
		run(m, m.Update(uitest.Key(string(r))))
	}
	out := run(m, m.Update(uitest.Key("enter")))
	if got := out.status[len(out.status)-1]; got != "/line 20000:: line 20000" {
		t.Errorf("status %q", got)
	}
	if n := src.read.Load(); n < 20000*50 || n > 20000*60+3*ChunkSize {
		t.Errorf("read %d bytes to find line 20000", n)
	}
	if first := strings.Fields(ansi.Strip(m.View()))[0]; first != "20000" {
		t.Errorf("first line on screen: %s", first)
	}
	press(m, "/")
	for _, r := range "absent" {
		run(m, m.Update(uitest.Key(string(r))))
	}
	out = run(m, m.Update(uitest.Key("enter")))
	if got := out.status[len(out.status)-1]; got != `"absent" not found in the first 8388608 bytes` {
		t.Errorf("status %q", got)
	}
	if n := src.read.Load(); n != MaxKeep {
		t.Errorf("read %d bytes looking for an absent string, want the cap", n)
	}
	press(m, "esc")
	if m.search.re != nil || m.closed {
		t.Errorf("esc with a search shown: cleared %v, closed %v", m.search.re == nil, m.closed)
	}
	if !press(m, "esc") {
		t.Errorf("the second esc did not close")
	}
}

// TestHexWidth: rows of 8, 16, 24 and 32 bytes, the widest that fits.
func TestHexWidth(t *testing.T) {
	body := strings.Repeat("\x00\x01\x02\x03", 64)
	for _, c := range []struct{ width, want int }{{38, 8}, {66, 8}, {67, 16}, {94, 16}, {95, 24}, {122, 24}, {123, 32}, {300, 32}} {
		m := pagerOf(body)
		m.SetSize(c.width, 10)
		run(m, m.Init())
		if got := m.bytesPerRow(); got != c.want {
			t.Errorf("width %d: %d bytes a row, want %d", c.width, got, c.want)
		}
		if c.width >= 39 {
			uitest.CheckSize(t, m.View(), c.width, 10)
		}
		row := strings.Split(ansi.Strip(m.View()), "\n")[1]
		if off := fmt.Sprintf("%08x:", c.want); !strings.HasPrefix(row, off) {
			t.Errorf("width %d: second row %q, want it at offset %s", c.width, row, off)
		}
	}
}

// TestTitleSize: once the whole file is read, the title's size is what
// was read, whatever size the pager was given.
func TestTitleSize(t *testing.T) {
	body := strings.Repeat("x", 1500)
	m := New(uitest.Common(nil, true), "/f", 0, newCounter(strings.NewReader(body)).open)
	run(m, m.Init())
	if got := m.Title(); got != "/f · 1.5 kB · text" {
		t.Errorf("title %q", got)
	}
}

// TestHardlinkTitle: the app opens a hardlink with content.Locate's size,
// which is its target's; the title says so and the pager shows that many
// bytes.
func TestHardlinkTitle(t *testing.T) {
	_, res := uitest.Fixture(t, "basic.docker.tar")
	for _, p := range []string{"/data/hl-b.txt"} {
		n, ok := res.FS.Lookup(p)
		if !ok {
			t.Fatalf("%s not in the fixture", p)
		}
		id := res.FS.Cur(n)
		if e := res.FS.Entry(id); e.Type != tree.TypeHardlink {
			t.Fatalf("%s is a %s", p, e.Type)
		}
		f, err := content.Locate(res, id)
		if err != nil {
			t.Fatal(err)
		}
		m := New(uitest.Common(res, true), p, f.Size, f.Open)
		run(m, m.Init())
		if f.Size == 0 || int64(m.BytesRead()) != f.Size || !strings.Contains(m.Title(), fmt.Sprintf("· %d B ·", f.Size)) {
			t.Errorf("%s: size %d, read %d, title %q", p, f.Size, m.BytesRead(), m.Title())
		}
	}
}

// TestFollowLink resolves the fixture's symlinks as the kernel would in a
// container: relative, absolute, to a directory, dangling; and a chain
// through a symlinked directory.
func TestFollowLink(t *testing.T) {
	_, res := uitest.Fixture(t, "basic.docker.tar")
	fs := res.FS
	last := fs.NumLayers() - 1
	for _, c := range []struct {
		link, path, problem string
		dir                 bool
	}{
		{"/links/relative-to-keep", "/data/keep.txt", "", false},
		{"/links/absolute-to-keep", "/data/keep.txt", "", false},
		{"/links/to-dir", "/data/new-dir", "", true},
		{"/links/dangling", "", "/does is not in the image after layer " + fmt.Sprint(last), false},
		{"/bin/sh", "/bin/busybox", "", false},
		{"/data/keep.txt", "", "not a symlink", false},
	} {
		n, ok := fs.Lookup(c.link)
		if !ok {
			t.Fatalf("%s not in the fixture", c.link)
		}
		l := FollowLink(fs, n, last)
		if l.Path != c.path || l.Problem != c.problem || l.IsDir(fs) != c.dir {
			t.Errorf("%s: %+v (dir %v), want path %q problem %q dir %v", c.link, l, l.IsDir(fs), c.path, c.problem, c.dir)
		}
		if c.path != "" && fs.Path(l.Node) != c.path {
			t.Errorf("%s: node %s", c.link, fs.Path(l.Node))
		}
	}
	// Before the layer that made the links, they are not there.
	n, _ := fs.Lookup("/links/to-dir")
	if l := FollowLink(fs, n, 1); l.Problem != "not a symlink" {
		t.Errorf("after layer 1: %+v", l)
	}
}

// TestFollowLinkLoops: a loop and a chain through a directory link, on a
// file system built by hand.
func TestFollowLinkLoops(t *testing.T) {
	fs := tree.NewFS()
	fs.BeginLayer()
	add := func(p string, typ tree.Type, target string) tree.NodeID {
		n := fs.Node(p)
		e := tree.Entry{Node: n, Type: typ}
		if target != "" {
			e.Link = fs.InternLink(target)
		}
		fs.Show(fs.Add(e))
		return n
	}
	add("d", tree.TypeDir, "")
	add("d/f", tree.TypeFile, "")
	add("dl", tree.TypeSymlink, "d")
	a := add("a", tree.TypeSymlink, "b")
	add("b", tree.TypeSymlink, "a")
	via := add("x/via", tree.TypeSymlink, "../../../dl/./f")
	if l := FollowLink(fs, a, 0); l.Problem != "too many levels of symlinks" {
		t.Errorf("loop: %+v", l)
	}
	if l := FollowLink(fs, via, 0); l.Path != "/d/f" {
		t.Errorf("chain: %+v", l)
	}
}

// TestIdle: a pager that has read what it needs schedules nothing — no
// read, no timer, not even a blinking cursor while a search is typed — so
// an idle explorer with a pager open stays asleep.
func TestIdle(t *testing.T) {
	m := pagerOf(long())
	m.SetSize(80, 20)
	run(m, m.Init())
	if !m.eof {
		t.Fatal("not read whole")
	}
	for _, msg := range []any{struct{}{}, chunkMsg{src: &source{}}} {
		if cmd := m.Update(msg); cmd != nil {
			t.Errorf("%T: a command while idle", msg)
		}
	}
	if cmd := m.Update(uitest.Key("/")); cmd != nil {
		t.Errorf("opening the search prompt scheduled a command (a cursor blink?)")
	}
	if cmd := m.Update(uitest.Key("x")); cmd != nil {
		t.Errorf("typing into the search prompt scheduled a command")
	}
	// A big file: once the screen and a page beyond are read, reading stops.
	src := newCounter(&lines{size: 100 << 20})
	b := New(uitest.Common(nil, true), "/big", 100<<20, src.open)
	b.SetSize(80, 20)
	run(b, b.Init())
	if cmd := b.more(); cmd != nil {
		t.Errorf("reads on with the screen full")
	}
}

// TestHexScreens: the dump at each size, as wide as it fits (16 bytes a
// row at 80 columns, 24 at 120, 32 at 200), with a search for bytes that
// brings their row on screen.
func TestHexScreens(t *testing.T) {
	bin := make([]byte, 4096)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	copy(bin, "\x7fELF\x02\x01\x01")
	copy(bin[3000:], "MARKER")
	for _, sz := range panetest.Sizes {
		w, h := sz[0], sz[1]
		t.Run(size(w, h), func(t *testing.T) {
			host := panetest.Run(t, pagerOf(string(bin)), w, h, "00000000:",
				panetest.Step{Key: "/"}, panetest.Step{Key: "type:MARKER"}, panetest.Step{Key: "enter", Status: "at byte 3000"})
			m := host.Pane.(*Model)
			if got, want := m.bytesPerRow(), map[int]int{80: 16, 120: 24, 200: 32}[w]; got != want {
				t.Errorf("%d bytes a row at width %d, want %d", got, w, want)
			}
			if row := fmt.Sprintf("\n%08x:", 3000/m.bytesPerRow()*m.bytesPerRow()); !strings.Contains("\n"+ansi.Strip(host.Screen()), row) {
				t.Errorf("the match's row %s is not on screen", row)
			}
			uitest.CheckSize(t, host.Screen(), w, h)
			uitest.Golden(t, "pager-hex-"+size(w, h), host.Screen())
		})
	}
}
