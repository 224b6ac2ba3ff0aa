package history

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/layerscope/layerscope/ui/common"
	"github.com/layerscope/layerscope/ui/internal/panetest"
	"github.com/layerscope/layerscope/ui/internal/uitest"
	"github.com/layerscope/layerscope/ui/styles"
)

// TestJump: ↓↓ enter asks the app to jump to the selected layer with the
// cursor on the path, and says so in the footer.
func TestJump(t *testing.T) {
	res := story(t)
	for _, sz := range panetest.Sizes {
		w, h := sz[0], sz[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			n, _ := res.FS.Lookup("/d/f")
			host := panetest.Run(t, New(uitest.Common(res, false), n), w, h, "layer  state",
				panetest.Step{Key: "down"}, panetest.Step{Key: "down"}, panetest.Step{Key: "enter", Status: "layer 2: "})
			if len(host.Jumps) != 1 || host.Jumps[0] != (common.JumpMsg{Path: "/d/f", Layer: 2}) {
				t.Errorf("jumps %+v", host.Jumps)
			}
			if host.Status != "layer 2: modified metadata /d/f" {
				t.Errorf("status %q", host.Status)
			}
			uitest.Golden(t, fmt.Sprintf("history-jump-%dx%d", w, h), host.Screen())
		})
	}
	// A removal through a parent jumps to the parent that was removed.
	n, _ := res.FS.Lookup("/d/f")
	m := New(uitest.Common(res, true), n)
	press(m, down, down, down)
	r := m.rows[m.sel]
	if r.layer != 3 || r.jump != "/d" {
		t.Errorf("removal via /d: row %+v", r)
	}
}

// TestFixtureCommands: on a real image every layer appears once, and the
// whole command of each can be read, wrapped, at 80×24.
func TestFixtureCommands(t *testing.T) {
	_, res := uitest.Fixture(t, "basic.docker.tar")
	for _, p := range []string{"/data/dir-to-recreate", "/links", "/data", "/blobs/big-overwritten.bin"} {
		n, ok := res.FS.Lookup(p)
		if !ok {
			t.Fatalf("%s not in the fixture", p)
		}
		m := New(uitest.Common(res, true), n)
		m.SetSize(78, 22)
		seen := map[int]bool{}
		for _, r := range m.rowsNow() {
			if seen[r.layer] {
				t.Errorf("%s: layer %d appears twice", p, r.layer)
			}
			seen[r.layer] = true
		}
		// Every command, whole, from the screens met going down.
		var text strings.Builder
		for range m.rowsNow() {
			text.WriteString(ansi.Strip(m.View()) + "\n")
			press(m, down)
		}
		flat := strings.Join(strings.Fields(text.String()), " ")
		for _, r := range m.rowsNow() {
			cmd := strings.Join(strings.Fields(res.Layers[r.layer].Command), " ")
			if !strings.Contains(flat, cmd) {
				t.Errorf("%s: the command of layer %d is not readable in full: %q", p, r.layer, cmd)
			}
		}
	}
	n, _ := res.FS.Lookup("/links")
	for _, sz := range panetest.Sizes {
		m := New(uitest.Common(res, false), n)
		m.SetSize(sz[0], sz[1]-1)
		uitest.CheckSize(t, m.View(), sz[0], sz[1]-1)
		uitest.Golden(t, fmt.Sprintf("history-links-%dx%d", sz[0], sz[1]), m.View())
	}
}

func (m *Model) rowsNow() []row {
	m.refresh()
	return m.rows
}

// TestThemes: the history's states drawn in every built-in theme, on a
// dark and a light terminal (golden screens at 80×24).
func TestThemes(t *testing.T) {
	res := story(t)
	n, _ := res.FS.Lookup("/d/f")
	for _, name := range styles.ThemeNames() {
		theme, err := styles.Theme(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, dark := range []bool{true, false} {
			c := uitest.Common(res, false)
			c.Styles = styles.New(theme(dark), false)
			m := New(c, n)
			m.SetSize(78, 22)
			uitest.Golden(t, fmt.Sprintf("history-theme-%s-dark-%v", name, dark), m.View())
		}
	}
}

// TestIdle: the history schedules nothing of its own.
func TestIdle(t *testing.T) {
	res := story(t)
	n, _ := res.FS.Lookup("/d/f")
	m := New(uitest.Common(res, true), n)
	if m.Init() != nil || m.Update(struct{}{}) != nil || m.Update(uitest.Key("down")) != nil {
		t.Errorf("a command from an idle history")
	}
}
