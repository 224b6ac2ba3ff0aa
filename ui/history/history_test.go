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
	"github.com/layerscope/layerscope/ui/common"
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

// press presses keys; closed reports whether the last one asked to
// close the pane.
func press(m *Model, keys ...tea.KeyPressMsg) (closed bool) {
	for _, k := range keys {
		closed = false
		if cmd := m.Update(k); cmd != nil {
			if c, ok := cmd().(common.CloseMsg); ok && c.Pane == m {
				closed = true
			}
		}
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
			"7 listed again, unchanged + opaque dir",
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
		m := newHistory(t, res, path, true)
		m.SetSize(60, 40)
		lines := strings.Split(strings.TrimRight(ansi.Strip(m.View()), " \n"), "\n")
		if v := strings.TrimSpace(lines[len(lines)-1]); v != want {
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

// TestSelection: ↑↓ move the selected row (the screen follows it), g and
// G go to the first and last, the header stays.
func TestSelection(t *testing.T) {
	m := newHistory(t, story(t), "/d/f", true)
	first := func() string { return strings.Split(ansi.Strip(m.View()), "\n")[0] }
	for _, c := range []struct {
		keys  []tea.KeyPressMsg
		layer int
	}{
		{nil, 0}, {[]tea.KeyPressMsg{down, down}, 2}, {[]tea.KeyPressMsg{up}, 1}, {[]tea.KeyPressMsg{end}, 7},
		{[]tea.KeyPressMsg{down}, 7}, {[]tea.KeyPressMsg{home}, 0}, {[]tea.KeyPressMsg{up}, 0},
		{[]tea.KeyPressMsg{pgdown}, 4},
	} {
		press(m, c.keys...)
		if got := m.Selected(); got != c.layer {
			t.Errorf("after %v: layer %d selected, want %d", c.keys, got, c.layer)
		}
		if !strings.Contains(ansi.Strip(m.View()), fmt.Sprintf("    %d  ", c.layer)) {
			t.Errorf("after %v: the selected layer %d is not on screen:\n%s", c.keys, c.layer, ansi.Strip(m.View()))
		}
		if got := first(); !strings.HasPrefix(got, "layer  state") {
			t.Errorf("the header scrolled away: %q", got)
		}
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
	if cmd := m.Update(tea.WindowSizeMsg{}); cmd != nil {
		t.Errorf("a non-key message answered")
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
