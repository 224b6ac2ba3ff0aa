package largest

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/layerscope/layerscope/tree"
	"github.com/layerscope/layerscope/ui/common"
	"github.com/layerscope/layerscope/ui/internal/uitest"
)

// files are the regular files of the basic fixture's final tree.
func files(res *tree.FS) []tree.EntryID {
	var out []tree.EntryID
	res.WalkMerged(func(_ tree.NodeID, id tree.EntryID) {
		if id != tree.NoEntry && res.Entry(id).Type == tree.TypeFile {
			out = append(out, id)
		}
	})
	return out
}

func TestLargest(t *testing.T) {
	_, res := uitest.Fixture(t, "basic.docker.tar")
	c := uitest.Common(res, true)
	m := New(c, "aggregated", files(res.FS))
	m.SetSize(70, 12)
	uitest.Golden(t, "largest", m.View())
	uitest.CheckSize(t, m.View(), 70, 12)
	lines := strings.Split(ansi.Strip(m.View()), "\n")
	if !strings.Contains(lines[0], "size  layer  path") || !strings.Contains(lines[1], "2.0 MB      0  /bin/busybox") {
		t.Errorf("heading and first row:\n%s", m.View())
	}
	for i := 1; i < m.rows.len(); i++ {
		a, b := m.rows.at(i-1), m.rows.at(i)
		if b.size > a.size || b.size == a.size && m.path(i-1) >= m.path(i) {
			t.Fatalf("not sorted at %d: %s %d, %s %d", i, m.path(i-1), a.size, m.path(i), b.size)
		}
	}
	if !strings.HasPrefix(m.Title(), "Largest files: aggregated (") {
		t.Errorf("title %q", m.Title())
	}
	m.Update(uitest.Key("down"))
	out := uitest.Msgs(m.Update(uitest.Key("enter")))
	if len(out) != 1 || out[0] != (common.JumpMsg{Path: m.path(1), Layer: -1}) {
		t.Errorf("enter: %v", out)
	}
	for _, k := range []string{"esc", "q", "L"} {
		if out := uitest.Msgs(m.Update(uitest.Key(k))); len(out) != 1 || out[0] != (common.CloseMsg{Pane: m}) {
			t.Errorf("%s: %v", k, out)
		}
	}
	if out := uitest.Msgs(m.Update(tea.WindowSizeMsg{})); len(out) != 0 {
		t.Errorf("a size message: %v", out)
	}
	empty := New(c, "layer 3", nil)
	if v := ansi.Strip(empty.View()); !strings.Contains(v, "No file in this view") || empty.Title() != "Largest files: layer 3 (0 files, 0 B)" {
		t.Errorf("empty: %q %q", empty.Title(), v)
	}
}

// TestLargestPending: a list whose files are listed in the background
// says so, ignores a list for another view, and shows the one for its own
// as New would.
func TestLargestPending(t *testing.T) {
	_, res := uitest.Fixture(t, "basic.docker.tar")
	c := uitest.Common(res, true)
	m := Pending(c, "aggregated", 7)
	m.SetSize(70, 12)
	if v := ansi.Strip(m.View()); !strings.Contains(v, "Listing the files…") || m.Title() != "Largest files: aggregated (listing…)" {
		t.Errorf("pending: %q %q", m.Title(), v)
	}
	uitest.CheckSize(t, m.View(), 70, 12)
	m.Update(common.FilesMsg{View: 6, IDs: files(res.FS)})
	if !m.pending {
		t.Error("a list for another view was shown")
	}
	m.Update(common.FilesMsg{View: 7, IDs: files(res.FS)})
	want := New(c, "aggregated", files(res.FS))
	want.SetSize(70, 12)
	if m.View() != want.View() || m.Title() != want.Title() {
		t.Errorf("listed:\n%s\nwant:\n%s", m.View(), want.View())
	}
}
