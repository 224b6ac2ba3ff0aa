package ui

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis/source"
	"github.com/layerscope/layerscope/ui/common"
	"github.com/layerscope/layerscope/ui/config"
	"github.com/layerscope/layerscope/ui/details"
	"github.com/layerscope/layerscope/ui/internal/uitest"
)

// fixtureOpener opens testdata/fixtures/<name>, as the CLI's opener does.
func fixtureOpener(name string) Opener {
	return fileOpener(filepath.Join(uitest.Repo(), "testdata", "fixtures", name), nil)
}

// fileOpener opens the image at path; wrap, if given, wraps it (to watch
// or slow down how it is read).
func fileOpener(path string, wrap func(v1.Image) v1.Image) Opener {
	return func(ctx context.Context, _ func(string, int64, int64)) (*Image, error) {
		img, err := source.Open(ctx, path, source.Options{})
		if err != nil {
			return nil, err
		}
		var v v1.Image = img
		if wrap != nil {
			v = wrap(img)
		}
		return &Image{V1: v, Close: img.Close, Info: details.Image{Name: img.Name, Source: string(img.Source), Platform: img.Platform}}, nil
	}
}

// newApp is the explorer as a user gets it without a config file (the
// attribute columns on), with the CLI's default base layers.
func newApp(t *testing.T, name string, noColor bool) *Model {
	d := config.Default()
	m := New(context.Background(), fixtureOpener(name), Config{KeyMap: d.KeyMap, Palette: d.Palette, Tree: d.Tree, NoColor: noColor, BaseLayers: 1})
	m.idle = nil // the test process keeps its processors
	t.Cleanup(func() { m.Close() })
	return m
}

// loaded is the app with the basic fixture read, sized w×h.
// untilLoaded hands m the loader's messages until the tree is loaded.
func untilLoaded(m *Model) {
	for {
		msg := <-m.load.events
		m.Update(msg)
		if _, ok := msg.(loadedMsg); ok {
			return
		}
	}
}

func loaded(t *testing.T, w, h int, noColor bool) *Model {
	m := newApp(t, "basic.docker.tar", noColor)
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.loadNow()
	return m
}

// keys presses ks and delivers what the components ask of the app (a
// jump, a close, a footer line), as a running program would; commands
// that wait (a cursor's blink) are left alone.
func keys(m *Model, ks ...string) {
	for _, k := range ks {
		_, cmd := m.Update(keyMsg(k))
		for _, msg := range quickMsgs(cmd) {
			switch msg.(type) {
			case common.JumpMsg, common.CloseMsg, common.StatusMsg:
				m.Update(msg)
			}
		}
	}
}

// quickMsgs runs cmd (batches flattened) and returns the messages that
// came within 100 ms.
func quickMsgs(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case msg := <-done:
		if batch, ok := msg.(tea.BatchMsg); ok {
			var out []tea.Msg
			for _, c := range batch {
				out = append(out, quickMsgs(c)...)
			}
			return out
		}
		return []tea.Msg{msg}
	case <-time.After(100 * time.Millisecond):
		return nil
	}
}

func keyMsg(k string) tea.KeyPressMsg { return uitest.Key(k) }

func screen(m *Model) string { return ansi.Strip(m.render()) }

func TestGoldenScreens(t *testing.T) {
	for _, c := range []struct {
		name    string
		w, h    int
		noColor bool
		keys    []string
	}{
		{"loaded", 120, 36, false, nil},
		{"loaded-nocolor", 120, 36, true, nil},
		{"layer10-tree", 120, 36, false, []string{"j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "tab"}},
		{"aggregated", 100, 30, false, []string{"G", "v", "tab"}},
		{"help", 120, 36, false, []string{"?"}},
		{"too-small", 50, 12, false, nil},
		{"history", 120, 30, true, []string{"tab", "/", "c", "h", "o", "w", "n", "-", "m", "e", "enter", "i"}},
		{"waste", 120, 30, true, []string{"w"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := loaded(t, c.w, c.h, c.noColor)
			keys(m, c.keys...)
			out := m.render()
			uitest.Golden(t, "app-"+c.name, out)
			uitest.CheckSize(t, out, c.w, c.h)
		})
	}
}

func TestLoadError(t *testing.T) {
	m := newApp(t, "does-not-exist.tar", true)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m.loadNow()
	if m.Err() == nil || !strings.Contains(screen(m), "could not load the image") {
		t.Errorf("error screen:\n%s", screen(m))
	}
}

// The scenario tests run the explorer as a program and press keys.

func start(t *testing.T) *teatest.TestModel {
	m := newApp(t, "basic.docker.tar", true)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 36))
	waitFor(t, tm, "Efficiency") // the image is read
	return tm
}

func waitFor(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(text)) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

func press(tm *teatest.TestModel, ks ...string) {
	for _, k := range ks {
		tm.Send(keyMsg(k))
	}
}

func finish(t *testing.T, tm *teatest.TestModel) *Model {
	t.Helper()
	press(tm, "q")
	return tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
}

func TestScenarioSwitchLayers(t *testing.T) {
	tm := start(t)
	press(tm, "j", "j", "j", "j", "j", "j", "j", "j")
	m := finish(t, tm)
	s := screen(m)
	if !strings.Contains(s, "Files: changes of layer 8") || !strings.Contains(s, "delete-me.txt") || !strings.Contains(s, "Layer 8 details") {
		t.Errorf("after 8 × j:\n%s", s)
	}
}

func TestScenarioFilter(t *testing.T) {
	tm := start(t)
	press(tm, "G", "v", "tab", "/", "c", "h", "o", "w", "n", "enter")
	m := finish(t, tm)
	s := screen(m)
	if !strings.Contains(s, "chown-me.txt") || strings.Contains(s, "keep.txt") || !strings.Contains(s, "filter /chown") {
		t.Errorf("filtered tree:\n%s", s)
	}
}

func TestScenarioCollapseAndHide(t *testing.T) {
	tm := start(t)
	press(tm, "G", "v", "tab", "z")
	m := finish(t, tm)
	s := screen(m)
	if !strings.Contains(s, "bin/ …") || strings.Contains(s, "busybox") {
		t.Errorf("collapsed tree:\n%s", s)
	}

	tm = start(t)
	press(tm, "j", "j", "j", "j", "j", "j", "j", "j", "j", "tab") // layer 9 removes dir-to-delete
	waitFor(t, tm, "dir-to-delete")
	press(tm, "r")
	m = finish(t, tm)
	if s := ansi.Strip(m.tree.View()); strings.Contains(s, "dir-to-delete") || !strings.Contains(m.tree.Title(), "hiding removed") {
		t.Errorf("removed entries still shown:\n%s", s)
	}
}

func TestScenarioOpenFile(t *testing.T) {
	tm := start(t)
	press(tm, "G", "v", "tab", "/", "c", "h", "o", "w", "n", "-", "m", "e", "enter", "enter")
	waitFor(t, tm, "owned") // the renderer skips the cells that did not change, spaces among them
	press(tm, "esc")
	waitFor(t, tm, "open/close") // the pane closes through a message: the tree's keys are back
	m := finish(t, tm)
	if m.overlay != nil {
		t.Error("esc did not close the contents")
	}
}

func TestScenarioExtract(t *testing.T) {
	dest := t.TempDir()
	tm := start(t)
	press(tm, "G", "v", "tab", "/", "c", "h", "o", "w", "n", "-", "m", "e", "enter", "x", "ctrl+u")
	tm.Type(dest)
	press(tm, "enter")
	waitFor(t, tm, "0 symlinks (40 B) into") // the renderer redraws only what changed
	finish(t, tm)
	b, err := os.ReadFile(filepath.Join(dest, "chown-me.txt"))
	if err != nil || !strings.HasPrefix(string(b), "owned by root at first") {
		t.Errorf("extracted file: %q, %v", b, err)
	}
	entries, _ := os.ReadDir(dest)
	if len(entries) != 1 {
		t.Errorf("dest holds %d entries, want 1", len(entries))
	}
}

func TestScenarioResize(t *testing.T) {
	tm := start(t)
	tm.Send(tea.WindowSizeMsg{Width: 40, Height: 10})
	waitFor(t, tm, "too small")
	tm.Send(tea.WindowSizeMsg{Width: 90, Height: 24})
	m := finish(t, tm)
	s := screen(m)
	if strings.Contains(s, "too small") || len(strings.Split(s, "\n")) != 24 || !strings.Contains(s, "Layers (17)") {
		t.Errorf("after resizing back:\n%s", s)
	}
}

func TestScenarioMouse(t *testing.T) {
	tm := start(t)
	tm.Send(tea.MouseClickMsg{X: 80, Y: 3, Button: tea.MouseLeft}) // a tree row
	tm.Send(tea.MouseClickMsg{X: 5, Y: 6, Button: tea.MouseLeft})  // under the heading, the 5th line is layer 2
	m := finish(t, tm)
	if m.focus != focusLayers || m.layers.Selected() != 2 {
		t.Errorf("focus %d, layer %d", m.focus, m.layers.Selected())
	}
}

// TestIdleDrawsNothing: once loaded, the explorer asks for no further
// messages (no spinner, no ticks).
func TestIdleDrawsNothing(t *testing.T) {
	m := loaded(t, 120, 36, true)
	if _, cmd := m.Update(loadedMsg{}); cmd != nil {
		t.Error("the loaded explorer still schedules work")
	}
}

// TestQuitLeavesEmptyFrame: every way out (q, ctrl+c, q on the loading
// screen) makes the last frame empty while keeping the alternate screen,
// so that a terminal widened meanwhile has no full-width lines to reflow
// into the scrollback (issue 14, point 7).
func TestQuitLeavesEmptyFrame(t *testing.T) {
	for _, c := range []struct {
		name   string
		loaded bool
		keys   []string
	}{
		{"q", true, []string{"q"}},
		{"ctrl+c", true, []string{"ctrl+c"}},
		{"ctrl+c in a pane", true, []string{"tab", "i", "ctrl+c"}},
		{"q while loading", false, []string{"q"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var m *Model
			if c.loaded {
				m = loaded(t, 101, 30, true)
			} else {
				m = newApp(t, "basic.docker.tar", true)
				m.Update(tea.WindowSizeMsg{Width: 101, Height: 30})
			}
			if m.View().Content == "" {
				t.Fatal("the screen is empty before quitting")
			}
			var cmd tea.Cmd
			for _, k := range c.keys {
				_, cmd = m.Update(keyMsg(k))
			}
			if cmd == nil {
				t.Fatal("no command after the last key")
			}
			if _, ok := cmd().(tea.QuitMsg); !ok {
				t.Fatal("the last key does not quit")
			}
			v := m.View()
			if v.Content != "" || !v.AltScreen {
				t.Errorf("last frame: %d bytes, alt screen %v; want empty, true", len(v.Content), v.AltScreen)
			}
		})
	}
}

// TestIdleHookAfterVerification (point 6): the idle hook (by default one
// processor for the runtime) runs once, when the verification is over,
// not while layers are read.
func TestIdleHookAfterVerification(t *testing.T) {
	m := newApp(t, "basic.docker.tar", true)
	calls := 0
	m.idle = func() { calls++ }
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.load.start(m.ctx, m.open, m.cfg.Analysis)
	for {
		msg := <-m.load.events
		if _, ok := msg.(verifiedMsg); ok && calls != 0 {
			t.Fatalf("the hook ran %d times before the verification", calls)
		}
		m.Update(msg)
		if _, ok := msg.(verifiedMsg); ok {
			break
		}
	}
	if calls != 1 {
		t.Errorf("the hook ran %d times, want 1", calls)
	}
	if New(context.Background(), nil, Config{}).idle == nil {
		t.Error("the explorer has no idle hook by default")
	}
}
