package ui

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/layerscope/layerscope/ui/internal/uitest"
)

// The explorer's scenarios (issue 14): each runs as a program (teatest)
// on the basic fixture at 80×24, 120×40 and 200×60, pressing keys as a
// user would, and checks the final screen twice: against its golden file
// (ui/testdata/explorer-<name>-<w>x<h>.txt.golden, the one to read) and
// with assertions that say what the scenario proves.

var sizes = [][2]int{{80, 24}, {120, 40}, {200, 60}}

type scenario struct {
	name string
	// steps are groups of keys; after each group the program settles, so
	// that what a component asked for (a jump, a close) has arrived.
	steps [][]string
	check func(t *testing.T, m *Model, s string)
}

// settle gives the commands of the keys sent (tiny goroutines that
// return a message) time to come back.
func settle() { time.Sleep(80 * time.Millisecond) }

func runScenario(t *testing.T, sc scenario, w, h int) (*Model, string) {
	t.Helper()
	// Loaded before the program starts: the scenario is about the keys.
	m := loaded(t, w, h, true)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	for _, keys := range sc.steps {
		press(tm, keys...)
		settle()
	}
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
	out := final.render()
	uitest.CheckSize(t, out, w, h)
	return final, out
}

func split(s string) []string { return strings.Split(s, " ") }

func TestExplorerScenarios(t *testing.T) {
	for _, sc := range scenarios() {
		for _, size := range sizes {
			w, h := size[0], size[1]
			t.Run(fmt.Sprintf("%s/%dx%d", sc.name, w, h), func(t *testing.T) {
				m, out := runScenario(t, sc, w, h)
				uitest.Golden(t, fmt.Sprintf("explorer-%s-%dx%d", sc.name, w, h), out)
				sc.check(t, m, ansi.Strip(out))
			})
		}
	}
}

// filterLine is the last line of the tree pane that starts a filter.
func filterLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if i := strings.Index(l, "filter /"); i >= 0 {
			return l[i:]
		}
		if i := strings.Index(l, "│/"); i >= 0 {
			return l[i:]
		}
		if i := strings.Index(l, "┃/"); i >= 0 {
			return l[i:]
		}
	}
	return ""
}

// right is the right column of the screen (the tree or the pane over
// it), without the status line and footer.
func right(m *Model, s string) string {
	lines := strings.Split(s, "\n")
	var out []string
	for _, l := range lines[:len(lines)-2] {
		r := []rune(l)
		out = append(out, string(r[min(m.geometry().leftW, len(r)):]))
	}
	return strings.Join(out, "\n")
}

func statusLine(s string) string {
	lines := strings.Split(s, "\n")
	return lines[len(lines)-2]
}

func footerLine(s string) string {
	lines := strings.Split(s, "\n")
	return lines[len(lines)-1]
}

func want(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("missing %q in:\n%s", sub, s)
		}
	}
}

func wantNot(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			t.Errorf("unexpected %q in:\n%s", sub, s)
		}
	}
}

func scenarios() []scenario {
	down := func(n int) []string { return split(strings.TrimSpace(strings.Repeat("j ", n))) }
	return []scenario{
		// 1: after collapse-all, the filter shows its matches with their
		// parents open, counts them, and n wraps.
		{"filter-after-collapse", [][]string{{"G", "v", "tab", "z"}, {"/", "c", "h", "o", "w", "enter"}},
			func(t *testing.T, m *Model, s string) {
				want(t, s, "chown-me.txt", "chown → busybox")
				want(t, filterLine(s), "filter /chow (substring)  1/2")
				want(t, statusLine(s), "/bin/chown")
			}},
		{"filter-n-wraps", [][]string{{"G", "v", "tab", "z"}, {"/", "c", "h", "o", "w", "enter"}, {"n"}, {"n"}},
			func(t *testing.T, m *Model, s string) {
				want(t, filterLine(s), "1/2") // 1 → 2 → back to 1
				want(t, statusLine(s), "/bin/chown ")
			}},
		{"filter-N-wraps-back", [][]string{{"G", "v", "tab"}, {"/", "c", "h", "o", "w", "enter"}, {"N"}},
			func(t *testing.T, m *Model, s string) {
				want(t, filterLine(s), "2/2")
				want(t, statusLine(s), "/data/chown-me.txt")
			}},
		// 1: / from the layer pane filters the tree; ctrl+r shows the
		// mode, and a new filter starts as a substring again.
		{"filter-from-layers", [][]string{{"G", "v"}, {"/", "k", "e", "e", "p"}},
			func(t *testing.T, m *Model, s string) {
				if m.focus != focusTree || !m.tree.Editing() {
					t.Errorf("/ in the layer pane: focus %d, editing %v", m.focus, m.tree.Editing())
				}
				want(t, s, "keep.txt", "(substring · ctrl+r: regex)")
			}},
		{"filter-regex-not-carried", [][]string{{"G", "v"}, {"/", "ctrl+r", "k", "e", "+", "p", "enter"}, {"esc", "/"}},
			func(t *testing.T, m *Model, s string) {
				want(t, s, "(substring · ctrl+r: regex)")
				wantNot(t, s, "(regex")
			}},
		// 14: globs and size words, combined.
		{"filter-glob-size", [][]string{{"G", "v", "tab"}, {"/", "*", ".", "t", "x", "t", " ", ">", "3", "5", "enter"}},
			func(t *testing.T, m *Model, s string) {
				r := right(m, s)
				want(t, r, "chown-me.txt", "keep.txt", "hardlink-to-lower.txt")
				wantNot(t, r, "busybox", "chmod-me.sh", "new-1.txt")
				want(t, filterLine(s), "1/3")
			}},
		// 2: names first, a status line with the full path, ? all keys.
		{"loaded", nil,
			func(t *testing.T, m *Model, s string) {
				want(t, statusLine(s), "/bin  dir · 2.0 MB · layer 0 · added")
				want(t, footerLine(s), "? all keys")
				want(t, s, "#    size", "name") // 13: headings
			}},
		{"tree-focused-deep", [][]string{{"G", "v", "tab"}, {"/", "l", "e", "v", "e", "l", "-", "1", "2", "enter"}, {"esc", "j"}},
			func(t *testing.T, m *Model, s string) {
				// The end of a path says most: a long one is cut at its start.
				want(t, statusLine(s), "-name-end.txt  file · 29 B · layer 2")
				want(t, footerLine(s), "? all keys")
			}},
		{"help", [][]string{{"tab"}, {"?"}},
			func(t *testing.T, m *Model, s string) {
				want(t, s, "Keys", "all keys", "?/esc close")
			}},
		{"help-scrolled", [][]string{{"?", "G"}},
			func(t *testing.T, m *Model, s string) {
				want(t, s, "100%", "extract", "largest files")
			}},
		// 3: a removed directory shows what it removed, and opens to it.
		{"removed-dir", [][]string{append(down(9), "tab", "j")},
			func(t *testing.T, m *Model, s string) {
				want(t, s, "dir-to-delete/", "a.txt", "sub/", "c.txt")
				want(t, statusLine(s), "/data/dir-to-delete  dir · 52 B · layer 2 · removed")
				if m.height >= 40 { // the details agree with the 5 D rows
					want(t, s, "(5 paths gone)")
				}
			}},
		{"removed-dir-aggregated", [][]string{append(down(9), "v", "tab"), {"/", "t", "o", "-", "d", "e", "l", "enter"}},
			func(t *testing.T, m *Model, s string) {
				want(t, statusLine(s), "/data/dir-to-delete  dir · 52 B · layer 2 · removed")
				want(t, s, "c.txt")
			}},
		// 3: what an opaque directory hid shows under it; the details say
		// which removal it was.
		{"opaque", [][]string{append(down(10), "tab")},
			func(t *testing.T, m *Model, s string) {
				want(t, s, "old-1.txt", "old-2.txt", "new-1.txt")
				if !regexp.MustCompile(`D +(\S+ +)*└── old-2\.txt`).MatchString(s) {
					t.Errorf("old-2.txt is not a D row:\n%s", s)
				}
				if m.height >= 40 { // the details agree with the 2 D rows
					want(t, s, "(2 paths gone, 1 by an opaque")
				}
			}},
		// 4: when the hide keys hide everything, the empty state says so.
		{"all-hidden", [][]string{append(down(8), "tab", "r", "m")},
			func(t *testing.T, m *Model, s string) {
				want(t, s, "every entry is hidden by the hide keys")
				wantNot(t, s, "changes nothing")
			}},
		// 12: /, i, x, enter in the layer pane do something or say why.
		{"layer-pane-i", [][]string{{"i"}},
			func(t *testing.T, m *Model, s string) { want(t, footerLine(s), "i shows a path's history") }},
		{"layer-pane-x", [][]string{{"x"}},
			func(t *testing.T, m *Model, s string) { want(t, footerLine(s), "x extracts a path") }},
		{"layer-pane-enter", [][]string{{"j", "j", "enter"}},
			func(t *testing.T, m *Model, s string) {
				if m.focus != focusTree {
					t.Errorf("enter in the layer pane left the focus there")
				}
			}},
		// 12: the waste list's heading once, rows off the border.
		{"waste", [][]string{{"w"}},
			func(t *testing.T, m *Model, s string) {
				if n := strings.Count(right(m, s), "hidden by"); n != 1 {
					t.Errorf("%d headings", n)
				}
				if !regexp.MustCompile(`(?m)^[│┃] +66 kB  \S`).MatchString(right(m, s)) {
					t.Errorf("the first row:\n%s", s)
				}
			}},
		// 14: the largest files of the aggregated tree; enter jumps.
		{"largest", [][]string{{"G", "v", "L"}},
			func(t *testing.T, m *Model, s string) {
				want(t, s, "Largest files: aggregated, layers 0–16 (30 files", "2.0 MB      0  /bin/busybox")
			}},
		{"largest-jump", [][]string{{"G", "v", "L"}, {"j", "enter"}},
			func(t *testing.T, m *Model, s string) {
				if m.overlay != nil || m.focus != focusTree {
					t.Errorf("enter left the list open")
				}
				want(t, statusLine(s), "/data/hardlink-to-lower.txt  file · 43 B · layer 12")
				want(t, s, "data/") // the parent stays in view
			}},
		{"largest-layer", [][]string{append(down(3), "L")},
			func(t *testing.T, m *Model, s string) {
				want(t, right(m, s), "Largest files: changes of layer 3", "big-overwritten.bin")
				wantNot(t, right(m, s), "busybox")
			}},
		// 8: enter on a symlink to a file opens the target (relative,
		// resolved against the link's directory) in the pager.
		{"symlink-enter", [][]string{{"G", "v", "tab"}, {"/", "r", "e", "l", "a", "t", "i", "v", "e", "enter"}, {"enter"}},
			func(t *testing.T, m *Model, s string) {
				want(t, right(m, s), "/links/relative-to-keep → /data/keep.txt (layer")
				if m.overlay == nil {
					t.Error("no pager")
				}
			}},
		// 15: the changes since the base: a file added and deleted above
		// the base is not in the change set, though layer 16 deleted it.
		{"since-base", [][]string{{"G", "b"}},
			func(t *testing.T, m *Model, s string) {
				want(t, right(m, s), "changes since the base, layers 1–16", "big-overwritten.bin")
				wantNot(t, right(m, s), "big-deleted.bin")
			}},
	}
}

// TestBarsTellSizesApart (11): the layer list's bars are relative to
// the largest layer, in eighths, with a visible minimum for any size
// above zero and nothing for zero.
func TestBarsTellSizesApart(t *testing.T) {
	m := loaded(t, 120, 40, true)
	s := screen(m)
	row := func(layer int) string {
		re := regexp.MustCompile(fmt.Sprintf(`(?m)^[│┃] ?%2d +\S+ \S+ (.{10}) `, layer))
		if g := re.FindStringSubmatch(s); g != nil {
			return g[1]
		}
		t.Fatalf("no row for layer %d:\n%s", layer, s)
		return ""
	}
	if b := row(0); b != "██████████" {
		t.Errorf("the largest layer's bar %q", b)
	}
	if b3, b2 := row(3), row(2); b3 == b2 || strings.TrimSpace(b2) != "▏" {
		t.Errorf("98 kB draws %q and 354 B %q", b3, b2)
	}
	if b := row(1); strings.TrimSpace(b) != "" {
		t.Errorf("a 0 B layer draws %q", b)
	}
}

// TestWheel: the wheel scrolls the help and the pane over the tree.
func TestWheel(t *testing.T) {
	m := loaded(t, 80, 24, true)
	keys(m, "?")
	m.Update(tea.MouseWheelMsg{X: 10, Y: 10, Button: tea.MouseWheelDown})
	if m.helpView.YOffset() == 0 {
		t.Error("the wheel did not scroll the help")
	}
	keys(m, "esc", "G", "v", "L")
	m.Update(tea.MouseWheelMsg{X: 60, Y: 10, Button: tea.MouseWheelDown})
	if l, ok := m.overlay.(interface{ Selected() int }); !ok || l.Selected() != 3 {
		t.Errorf("the wheel did not move the largest files' selection")
	}
}
