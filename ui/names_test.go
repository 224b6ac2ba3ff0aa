package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/layerscope/layerscope/ui/internal/uitest"
)

// TestNamesFirst (issue 14, point 2): with the defaults a user gets
// (attribute columns on), the tree's names are not crushed on small
// terminals: few rows are cut ("…") and the names show at 60×20.
func TestNamesFirst(t *testing.T) {
	for _, size := range [][2]int{{60, 20}, {80, 24}, {100, 30}} {
		w, h := size[0], size[1]
		for _, c := range []struct {
			name  string
			keys  []string
			names []string
		}{
			{"layer-0", []string{"tab"}, []string{"bin/", "busybox"}},
			{"aggregated", []string{"G", "v", "tab", "/", "d", "a", "t", "a", "enter", "esc"},
				[]string{"data/", "chmod-me.sh", "chown-me.txt", "level-01/"}},
			{"links", []string{"G", "v", "tab", "/", "l", "i", "n", "k", "s", "/", "enter"},
				[]string{"links/", "absolute-to-keep", "dangling", "relative-to-keep"}},
		} {
			t.Run(fmt.Sprintf("%s/%dx%d", c.name, w, h), func(t *testing.T) {
				m := loaded(t, w, h, true)
				if !m.cfg.Tree.Attributes {
					t.Fatal("the test app does not have the user's default (attribute columns on)")
				}
				keys(m, c.keys...)
				out := m.render()
				uitest.CheckSize(t, out, w, h)
				s := screen(m)
				rows, cut := treeRows(m, s)
				if rows == 0 {
					t.Fatalf("no tree rows:\n%s", s)
				}
				// One row in ten may be cut (the fixture's 105-character
				// name is cut anywhere below 200 columns).
				if cut*10 > rows {
					t.Errorf("%d of %d tree rows end in …:\n%s", cut, rows, s)
				}
				want(t, right(m, s), c.names...)
			})
		}
	}
}

// treeRows counts the tree pane's rows (inside its border, below its
// heading) that show something, and those whose name is cut.
func treeRows(m *Model, s string) (rows, cut int) {
	lines := strings.Split(right(m, s), "\n")
	for _, l := range lines[2 : len(lines)-1] { // the border, the heading; the bottom border
		r := []rune(l)
		if len(r) < 2 {
			continue
		}
		inner := strings.TrimRight(string(r[1:len(r)-1]), " ")
		if inner == "" || strings.HasPrefix(inner, "filter /") {
			continue
		}
		rows++
		// A link's target may be cut (the name before it shows whole).
		if strings.HasSuffix(inner, "…") && !strings.ContainsAny(inner, "→⇒") {
			cut++
		}
	}
	return rows, cut
}
