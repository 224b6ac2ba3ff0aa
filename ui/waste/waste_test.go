package waste

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/layerscope/layerscope/tree"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/synth"
	"github.com/layerscope/layerscope/ui/common"
	"github.com/layerscope/layerscope/ui/internal/uitest"
)

// wasteful: layer 0 adds a big file, a config, a cache directory and 20
// small files; layer 1 overwrites the big file and deletes the cache and
// the small files; layer 2 overwrites the config.
func wasteful(t *testing.T) *analysis.Result {
	t.Helper()
	l0 := []synth.Entry{
		synth.File("opt/app/big.bin", strings.Repeat("a", 3000)),
		synth.File("etc/app.conf", "v=1"),
		synth.Dir("tmp/"), synth.File("tmp/cache", strings.Repeat("c", 2000)),
		synth.Dir("many/"),
	}
	for i := 0; i < 20; i++ {
		l0 = append(l0, synth.File(fmt.Sprintf("many/deeply/nested/directory/file-%02d.txt", i), strings.Repeat("x", 100+i)))
	}
	img, err := synth.Image(l0,
		[]synth.Entry{synth.File("opt/app/big.bin", "b"), synth.Whiteout("tmp"), synth.Whiteout("many")},
		[]synth.Entry{synth.File("etc/app.conf", "v=2")},
	)
	if err != nil {
		t.Fatal(err)
	}
	res, err := analysis.Analyze(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	res.Layers[0].Command = "COPY rootfs / # with a long command that is cut"
	res.Layers[1].Command = "RUN rm -rf /tmp /many && echo b > /opt/app/big.bin"
	return res
}

func newWaste(t *testing.T, res *analysis.Result, noColor bool) *Model {
	t.Helper()
	m := New(uitest.Common(res, noColor))
	m.SetSize(60, 12)
	return m
}

var (
	down   = tea.KeyPressMsg{Code: tea.KeyDown}
	up     = tea.KeyPressMsg{Code: tea.KeyUp}
	pgdown = tea.KeyPressMsg{Code: tea.KeyPgDown}
	pgup   = tea.KeyPressMsg{Code: tea.KeyPgUp}
	end    = tea.KeyPressMsg{Code: tea.KeyEnd}
	home   = tea.KeyPressMsg{Code: tea.KeyHome}
	enter  = tea.KeyPressMsg{Code: tea.KeyEnter}
	esc    = tea.KeyPressMsg{Code: tea.KeyEscape}
	q      = tea.KeyPressMsg{Code: 'q', Text: "q"}
)

// press sends keys and returns the outcome of the last one.
func press(m *Model, keys ...tea.KeyPressMsg) (out []tea.Msg) {
	for _, k := range keys {
		out = uitest.Msgs(m.Update(k))
	}
	return out
}

func closed(m *Model, out []tea.Msg) bool {
	return len(out) == 1 && out[0] == common.CloseMsg{Pane: m}
}

func TestGolden(t *testing.T) {
	res := wasteful(t)
	for _, c := range []struct {
		name    string
		noColor bool
		width   int
		keys    []tea.KeyPressMsg
	}{
		{"list", false, 60, nil},
		{"list-nocolor", true, 60, nil},
		{"scrolled", false, 60, []tea.KeyPressMsg{pgdown, down, down}},
		{"wide-nocolor", true, 100, []tea.KeyPressMsg{down}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newWaste(t, res, c.noColor)
			m.SetSize(c.width, 12)
			press(m, c.keys...)
			uitest.Golden(t, "waste-"+c.name, m.View())
		})
	}
	img, err := synth.Image([]synth.Entry{synth.File("f", "1")})
	if err != nil {
		t.Fatal(err)
	}
	none, err := analysis.Analyze(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	m := newWaste(t, none, true)
	uitest.Golden(t, "waste-none", m.View())
	if m.Title() != "Wasted files (0, 0 B)" {
		t.Errorf("title %q", m.Title())
	}
	if out := press(m, enter); len(out) != 0 {
		t.Errorf("enter on an empty list: %v", out)
	}
}

func TestTitle(t *testing.T) {
	m := newWaste(t, wasteful(t), true)
	// 3000 + 2000 + 3 + the 20 small files (100..119)
	if got, want := m.Title(), "Wasted files (23, 7.2 kB)"; got != want {
		t.Errorf("title %q, want %q", got, want)
	}
}

func TestSelectionAndChoice(t *testing.T) {
	res := wasteful(t)
	m := newWaste(t, res, true)
	mark, _, _ := strings.Cut(m.c.Styles.SelectedActive.Render("x"), "x")
	selectedLine := func() string {
		for _, l := range strings.Split(m.View(), "\n") {
			if strings.HasPrefix(strings.TrimPrefix(l, " "), mark) { // a margin, then the row
				return strings.TrimSpace(ansi.Strip(l))
			}
		}
		return ""
	}
	if !strings.HasPrefix(selectedLine(), "3.0 kB  /opt/app/big.bin") || mark == "" {
		t.Errorf("first selection: %q", selectedLine())
	}
	for _, c := range []struct {
		key  tea.KeyPressMsg
		want int
	}{
		{down, 1}, {down, 2}, {up, 1}, {pgdown, 12}, {pgdown, 22}, {end, 22}, {down, 22},
		{pgup, 11}, {home, 0}, {up, 0},
	} {
		if out := press(m, c.key); len(out) != 0 {
			t.Fatalf("%v: %v", c.key, out)
		}
		if m.Selected() != c.want {
			t.Fatalf("after %v: selected %d, want %d", c.key, m.Selected(), c.want)
		}
		if l := selectedLine(); !strings.Contains(l, strings.TrimPrefix(res.Wasted[c.want].Path, "/many/deeply/nested/directory")) {
			t.Fatalf("after %v: the selected row on screen is %q, want %s", c.key, l, res.Wasted[c.want].Path)
		}
	}
	press(m, down) // 2 kB /tmp/cache, deleted by layer 1
	if out := press(m, enter); len(out) != 1 || out[0] != (common.JumpMsg{Path: "/tmp/cache", Layer: 0}) {
		t.Errorf("enter: %v; want a jump to /tmp/cache in layer 0", out)
	}
	if w := res.Wasted[1]; !w.Deleted || w.ShadowedBy != 1 {
		t.Errorf("the fixture is not what the test thinks: %+v", w)
	}
}

func TestCloseWithoutChoice(t *testing.T) {
	for _, k := range []tea.KeyPressMsg{esc, q} {
		m := newWaste(t, wasteful(t), true)
		press(m, down)
		if out := press(m, k); !closed(m, out) {
			t.Errorf("%v: %v, want the pane closed", k, out)
		}
	}
	m := newWaste(t, wasteful(t), true)
	if out := uitest.Msgs(m.Update(tea.WindowSizeMsg{Width: 10})); len(out) != 0 {
		t.Errorf("a non-key message: %v", out)
	}
}

func TestViewFitsItsSize(t *testing.T) {
	m := newWaste(t, wasteful(t), false)
	for _, size := range [][2]int{{1, 1}, {20, 5}, {60, 12}, {200, 60}} {
		m.SetSize(size[0], size[1])
		for _, k := range []tea.KeyPressMsg{home, end} {
			press(m, k)
			uitest.CheckSize(t, m.View(), size[0], size[1])
		}
	}
}

func TestClean(t *testing.T) {
	if got := tree.Printable("a\x1b[31mb\nc\u0085"); got != "a?[31mb c?" {
		t.Errorf("clean: %q", got)
	}
}
