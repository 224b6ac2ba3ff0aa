package history

import (
	"context"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/synth"
	"github.com/layerscope/layerscope/ui/internal/uitest"
)

// story is an image in which /d/f is added, changed, removed with its
// directory, added again, removed, added again, removed by an opaque
// marker on /d, and /d/g is removed when a file replaces /d.
func story(t *testing.T) *analysis.Result {
	t.Helper()
	img, err := synth.Image(
		[]synth.Entry{synth.Dir("d/"), synth.File("d/f", "one")},
		[]synth.Entry{synth.File("d/f", "two!")},
		[]synth.Entry{{Name: "d/f", Body: "two!", Mode: 0o755}},
		[]synth.Entry{synth.Whiteout("d")},
		[]synth.Entry{synth.Dir("d/"), synth.File("d/f", "three")},
		[]synth.Entry{synth.Whiteout("d/f")},
		[]synth.Entry{synth.File("d/f", "four")},
		[]synth.Entry{synth.Dir("d/"), synth.Opaque("d"), synth.File("d/g", "g")},
		[]synth.Entry{synth.File("d", "now a file")},
	)
	if err != nil {
		t.Fatal(err)
	}
	res, err := analysis.Analyze(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	for i := range res.Layers {
		if i != 5 { // one layer without history
			res.Layers[i].Command = fmt.Sprintf("RUN step %d && echo a command long enough to be cut at the edge", i)
		}
	}
	return res
}

func newHistory(t *testing.T, res *analysis.Result, path string, noColor bool) *Model {
	t.Helper()
	n, ok := res.FS.Lookup(path)
	if !ok {
		t.Fatalf("no %s", path)
	}
	m := New(uitest.Common(res, noColor), n)
	m.SetSize(60, 12)
	return m
}

func press(m *Model, keys ...tea.KeyPressMsg) (closed bool) {
	for _, k := range keys {
		_, closed = m.Update(k)
	}
	return closed
}

var (
	down   = tea.KeyPressMsg{Code: tea.KeyDown}
	up     = tea.KeyPressMsg{Code: tea.KeyUp}
	pgdown = tea.KeyPressMsg{Code: tea.KeyPgDown}
	end    = tea.KeyPressMsg{Code: tea.KeyEnd}
	home   = tea.KeyPressMsg{Code: tea.KeyHome}
	esc    = tea.KeyPressMsg{Code: tea.KeyEscape}
	q      = tea.KeyPressMsg{Code: 'q', Text: "q"}
)

func TestGolden(t *testing.T) {
	res := story(t)
	for _, c := range []struct {
		name, path string
		noColor    bool
		keys       []tea.KeyPressMsg
	}{
		{"file", "/d/f", false, nil},
		{"file-nocolor", "/d/f", true, nil},
		{"file-end", "/d/f", true, []tea.KeyPressMsg{end}},
		{"dir", "/d", false, nil},
		{"dir-nocolor", "/d", true, nil},
		{"replaced-parent", "/d/g", true, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newHistory(t, res, c.path, c.noColor)
			press(m, c.keys...)
			uitest.Golden(t, "history-"+c.name, m.View())
		})
	}
}

// summary is the rows as "layer state type via".
func summary(m *Model) []string {
	m.refresh()
	var out []string
	for _, r := range m.rows {
		s := fmt.Sprintf("%d %s", r.layer, r.state)
		if r.via != "" {
			s += " " + r.via
		} else {
			s += " " + r.typ
		}
		out = append(out, s)
	}
	return out
}

func TestRows(t *testing.T) {
	res := story(t)
	for path, want := range map[string][]string{
		"/d/f": {
			"0 added file",
			"1 modified content file",
			"2 modified metadata file",
			"3 removed via /d (whiteout)",
			"4 added file",
			"5 removed whiteout",
			"6 added file",
			"7 removed via /d (opaque marker)",
		},
		"/d/g": {
			"7 added file",
			"8 removed via /d (replaced by a file)",
		},
		"/d": {
			"0 added dir",
			"3 removed whiteout",
			"4 added dir",
			"7 listed again, unchanged dir",
			"7 opaque directory marker opaque",
			"8 modified content file",
		},
	} {
		m := newHistory(t, res, path, true)
		got := summary(m)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s:\n got %q\nwant %q", path, got, want)
		}
		if m.Title() != "History of "+path {
			t.Errorf("title %q", m.Title())
		}
	}
}

func TestFinalState(t *testing.T) {
	res := story(t)
	for path, want := range map[string]string{
		"/d/f": "in the image: absent",
		"/d":   "in the image: present (file, 10 B, from layer 8)",
	} {
		_, lines := newHistory(t, res, path, true).lines()
		if v := ansi.Strip(lines[len(lines)-1]); v != want {
			t.Errorf("%s: last line %q, want %q", path, v, want)
		}
	}
}

func TestImplicitDirectory(t *testing.T) {
	img, err := synth.Image([]synth.Entry{synth.File("a/b/c", "1")})
	if err != nil {
		t.Fatal(err)
	}
	res, err := analysis.Analyze(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	v := ansi.Strip(newHistory(t, res, "/a/b", true).View())
	if !strings.Contains(v, "No layer has an entry at this path.") || !strings.Contains(v, "present (implied by the paths below it)") {
		t.Errorf("implicit directory:\n%s", v)
	}
}

func TestScrolling(t *testing.T) {
	m := newHistory(t, story(t), "/d/f", true)
	first := func() string { return strings.Split(ansi.Strip(m.View()), "\n")[0] }
	second := func() string { return strings.Split(ansi.Strip(m.View()), "\n")[1] }
	if _, blocks := m.lines(); len(blocks) != 2*8+2 { // 8 rows and the final state
		t.Fatalf("%d lines", len(blocks))
	}
	press(m, down, down)
	if got := second(); !strings.HasPrefix(got, "    2  modified metadata") {
		t.Errorf("after 2 downs: %q", got)
	}
	press(m, up)
	if got := second(); !strings.HasPrefix(got, "    1  modified content") {
		t.Errorf("after up: %q", got)
	}
	press(m, pgdown, pgdown)
	lines := strings.Split(ansi.Strip(m.View()), "\n")
	if len(lines) != 12 || lines[10] != "in the image: absent" || !strings.HasPrefix(lines[1], "    4  added") {
		t.Errorf("at the bottom:\n%s", strings.Join(lines, "\n"))
	}
	press(m, down)
	if got := strings.Split(ansi.Strip(m.View()), "\n")[10]; got != "in the image: absent" {
		t.Errorf("scrolled past the end: %q", got)
	}
	press(m, home)
	if got := second(); !strings.HasPrefix(got, "    0  added") {
		t.Errorf("home: %q", got)
	}
	if got := first(); !strings.HasPrefix(got, "layer  state") {
		t.Errorf("the header scrolled away: %q", got)
	}
}

func TestCloseKeys(t *testing.T) {
	m := newHistory(t, story(t), "/d/f", true)
	if press(m, down) {
		t.Errorf("down closed")
	}
	if !press(m, esc) || !press(m, q) {
		t.Errorf("esc or q did not close")
	}
	if _, closed := m.Update(tea.WindowSizeMsg{}); closed {
		t.Errorf("a non-key message closed")
	}
}

func TestViewFitsItsSize(t *testing.T) {
	m := newHistory(t, story(t), "/d/f", false)
	for _, size := range [][2]int{{1, 1}, {20, 5}, {60, 12}, {200, 60}} {
		m.SetSize(size[0], size[1])
		for _, k := range []tea.KeyPressMsg{home, end} {
			press(m, k)
			uitest.CheckSize(t, m.View(), size[0], size[1])
		}
	}
}

// TestWhileReading: the history follows the layers as they are read.
func TestWhileReading(t *testing.T) {
	img, err := synth.Image(
		[]synth.Entry{synth.File("f", "1")},
		[]synth.Entry{synth.File("f", "22")},
	)
	if err != nil {
		t.Fatal(err)
	}
	res, err := analysis.Plan(img)
	if err != nil {
		t.Fatal(err)
	}
	var m *Model
	merged := 0
	c := uitest.Common(res, true)
	p := res.Parse(context.Background(), analysis.WithWorkers(1))
	defer p.Close()
	for i := range 2 {
		pl, err := p.Next()
		if err != nil {
			t.Fatal(err)
		}
		if err := res.Merge(pl); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			n, _ := res.FS.Lookup("/f")
			m = New(c, n)
			m.SetSize(60, 12)
			v := ansi.Strip(m.View())
			merged = len(m.rows)
			if !strings.Contains(v, "after layer 0 (still reading): present") {
				t.Errorf("while reading:\n%s", v)
			}
		}
	}
	m.View()
	if merged != 1 {
		t.Errorf("%d rows after layer 0", merged)
	}
	if got := summary(m); len(got) != 2 || got[1] != "1 modified content file" {
		t.Errorf("rows after reading: %q", got)
	}
}
