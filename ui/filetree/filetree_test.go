package filetree

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/layerscope/layerscope/tree"
	"github.com/layerscope/layerscope/ui/internal/uitest"
)

func newBasic(t *testing.T, opts Options, noColor bool) *Model {
	_, res := uitest.Fixture(t, "basic.docker.tar")
	m := New(uitest.Common(res, noColor), opts)
	m.SetSize(70, 18)
	m.SetFocused(true)
	return m
}

func press(m *Model, keys ...string) {
	for _, k := range keys {
		m.Update(uitest.Key(k))
	}
}

func TestGoldenViews(t *testing.T) {
	for _, c := range []struct {
		name    string
		layer   int
		opts    Options
		keys    []string
		noColor bool
	}{
		{"aggregated-last", 16, Options{Aggregated: true, Attributes: true}, nil, false},
		{"aggregated-last-nocolor", 16, Options{Aggregated: true, Attributes: true}, nil, true},
		{"layer10-changes", 10, Options{}, nil, false},
		{"layer9-aggregated-removed", 9, Options{Aggregated: true}, []string{"u"}, false},
		{"collapse-all", 16, Options{Aggregated: true}, []string{"z"}, false},
		{"by-size", 16, Options{Aggregated: true, Attributes: true, SortBySize: true}, nil, false},
		{"filter-link", 16, Options{Aggregated: true}, append([]string{"/"}, "l", "i", "n", "k", "enter"), false},
		{"scrolled", 16, Options{Aggregated: true}, []string{"pgdown", "down", "down"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newBasic(t, c.opts, c.noColor)
			m.SetLayer(c.layer)
			press(m, c.keys...)
			uitest.Golden(t, "tree-"+c.name, m.View())
		})
	}
}

func TestViewFitsItsSize(t *testing.T) {
	m := newBasic(t, Options{Aggregated: true, Attributes: true}, false)
	m.SetLayer(16)
	for _, size := range [][2]int{{20, 5}, {70, 18}, {200, 60}} {
		m.SetSize(size[0], size[1])
		uitest.CheckSize(t, m.View(), size[0], size[1])
	}
}

// TestNavigation walks the whole aggregated tree down and up again: every
// row once, in the same order both ways.
func TestNavigation(t *testing.T) {
	m := newBasic(t, Options{Aggregated: true}, true)
	m.SetLayer(16)
	var down []tree.NodeID
	for i := 0; i < 200; i++ {
		down = append(down, m.Cursor())
		before := m.Cursor()
		press(m, "down")
		if m.Cursor() == before {
			break
		}
	}
	if len(down) != 51 { // the 50 paths of basic's merged file system and the one the last layer removed
		t.Errorf("%d rows walking down, want 51", len(down))
	}
	for i := len(down) - 1; i >= 0; i-- {
		if m.Cursor() != down[i] {
			t.Fatalf("walking up, row %d is %s, want %s", i, m.fs.Path(m.Cursor()), m.fs.Path(down[i]))
		}
		press(m, "up")
	}
	press(m, "end")
	if m.Cursor() != down[len(down)-1] {
		t.Errorf("end is %s", m.fs.Path(m.Cursor()))
	}
}

func TestHideAndLayerViews(t *testing.T) {
	m := newBasic(t, Options{}, true)
	m.SetLayer(8) // rm /data/delete-me.txt
	v := ansi.Strip(m.View())
	lines := strings.Split(v, "\n")
	if strings.TrimSpace(lines[0]) != "name" || strings.TrimSpace(lines[1]) != "m └── data/" || strings.TrimSpace(lines[2]) != "D     └── delete-me.txt" {
		t.Errorf("layer 8 view lacks the removed file:\n%s", v)
	}
	press(m, "r")
	if strings.Contains(ansi.Strip(m.View()), "delete-me.txt") {
		t.Errorf("removed entries still shown after r")
	}
}

func TestFilterRegexAndErrors(t *testing.T) {
	m := newBasic(t, Options{Aggregated: true}, true)
	m.SetLayer(16)
	press(m, "/")
	m.Update(tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl})
	press(m, "(")
	if !strings.Contains(m.FilterText(), "invalid regular expression") {
		t.Errorf("invalid regex not reported: %q", m.FilterText())
	}
	m.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
	press(m, "\\", ".", "s", "h", "$", "enter")
	v := ansi.Strip(m.View())
	if !strings.Contains(v, "chmod-me.sh") || strings.Contains(v, "keep.txt") {
		t.Errorf("regex filter view:\n%s", v)
	}
	press(m, "esc")
	if m.filter.active() || !strings.Contains(ansi.Strip(m.View()), "chown-me.txt") {
		t.Errorf("esc did not clear the filter")
	}
}

// TestFirstLayers: a node whose subtree starts above layer k has nothing
// live at k, as FS.LiveAt finds by searching; and the bound is tight
// where an entry sits.
func TestFirstLayers(t *testing.T) {
	m := newBasic(t, Options{Aggregated: true}, true)
	first := m.firstLayers()
	if len(first) != m.fs.Len() {
		t.Fatalf("%d marks for %d nodes", len(first), m.fs.Len())
	}
	for n := tree.NodeID(1); int(n) < m.fs.Len(); n++ {
		for k := range m.fs.NumLayers() {
			if int(first[n]) > k && m.fs.LiveAt(n, k) {
				t.Fatalf("%s is live at %d, its subtree starts at %d", m.fs.Path(n), k, first[n])
			}
		}
		if id := m.fs.Last(n); id != tree.NoEntry && first[n] > m.fs.Entry(id).Layer {
			t.Fatalf("%s has an entry of layer %d, marked %d", m.fs.Path(n), m.fs.Entry(id).Layer, first[n])
		}
	}
}

// TestSortKeepsView: s reorders the rows and keeps what the view knows
// (statuses, sizes): the screen is a fresh view's in that order, and
// sorting back gives the first one again.
func TestSortKeepsView(t *testing.T) {
	m := newBasic(t, Options{Aggregated: true, Attributes: true}, true)
	m.SetLayer(16)
	before := m.View()
	press(m, "s", "g")
	fresh := newBasic(t, Options{Aggregated: true, Attributes: true, SortBySize: true}, true)
	fresh.SetLayer(16)
	if got, want := m.View(), fresh.View(); got != want {
		t.Errorf("by size:\n%s\nwant:\n%s", got, want)
	}
	press(m, "s", "g")
	if got := m.View(); got != before {
		t.Errorf("by name again:\n%s\nwant:\n%s", got, before)
	}
}

// TestHideKeepsView: a hide key keeps the statuses and sizes it knows:
// the screen is a fresh view's with that state hidden, for each key,
// and pressing it again gives the first screen back.
func TestHideKeepsView(t *testing.T) {
	for _, c := range []struct {
		key string
		st  Status
	}{{"u", Unmodified}, {"a", Added}, {"r", Removed}} {
		m := newBasic(t, Options{Aggregated: true, Attributes: true}, true)
		m.SetLayer(9)
		before := m.View()
		press(m, c.key, "g")
		opts := Options{Aggregated: true, Attributes: true}
		opts.Hidden[c.st] = true
		fresh := newBasic(t, opts, true)
		fresh.SetLayer(9)
		if got, want := m.View(), fresh.View(); got != want {
			t.Errorf("%s:\n%s\nwant:\n%s", c.key, got, want)
		}
		press(m, c.key, "g")
		if got := m.View(); got != before {
			t.Errorf("%s again:\n%s\nwant:\n%s", c.key, got, before)
		}
	}
}
