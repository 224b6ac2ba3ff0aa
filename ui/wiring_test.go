package ui

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"time"

	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/charmbracelet/x/ansi"

	"github.com/layerscope/layerscope/tree"
	"github.com/layerscope/layerscope/ui/advice"
	"github.com/layerscope/layerscope/ui/internal/uitest"
)

// The wiring's scenarios (issue 14, points 8, 10 and 16, and the advice
// pane of issue 13), run like TestExplorerScenarios at the three sizes.
// Each runs in a directory of its own (the extraction's "."), set up by
// prepare; the golden files are read from the package's directory.

type wiredScenario struct {
	scenario
	prepare func(t *testing.T, dir string)
	after   func(t *testing.T, dir string) // checks the directory once the program is over
}

func runWired(t *testing.T, sc wiredScenario, w, h int) {
	dir := t.TempDir()
	if sc.prepare != nil {
		sc.prepare(t, dir)
	}
	pkg, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	m, out := runScenario(t, sc.scenario, w, h)
	if err := os.Chdir(pkg); err != nil {
		t.Fatal(err)
	}
	uitest.Golden(t, fmt.Sprintf("wired-%s-%dx%d", sc.name, w, h), out)
	sc.check(t, m, ansi.Strip(out))
	if sc.after != nil {
		sc.after(t, dir)
	}
}

func TestWiredScenarios(t *testing.T) {
	for _, sc := range wiredScenarios() {
		for _, size := range sizes {
			w, h := size[0], size[1]
			t.Run(fmt.Sprintf("%s/%dx%d", sc.name, w, h), func(t *testing.T) { runWired(t, sc, w, h) })
		}
	}
}

func typed(s string) []string { return strings.Split(s, "") }

func fileIs(t *testing.T, p, prefix string) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil || !strings.HasPrefix(string(b), prefix) {
		t.Errorf("%s: %q, %v; want it to start with %q", p, b, err, prefix)
	}
}

func writeFile(t *testing.T, p, text string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func wiredScenarios() []wiredScenario {
	down := func(n int) []string { return split(strings.TrimSpace(strings.Repeat("j ", n))) }
	chown := append([]string{"/"}, append(typed("chown-me"), "enter")...)
	existing := func(t *testing.T, dir string) { writeFile(t, filepath.Join(dir, "chown-me.txt"), "mine\n") }
	osc52 := func(t *testing.T, _ string) { t.Setenv("SSH_TTY", "/dev/pts/9") } // OSC 52 only, as over SSH
	find := func(name string) []string { return append([]string{"/"}, append(typed(name), "enter")...) }
	return []wiredScenario{
		// 13: A lists the advice from either pane; enter shows the
		// finding's path in the tree at its layer.
		{scenario: scenario{"advice", [][]string{{"A"}},
			func(t *testing.T, m *Model, s string) {
				want(t, right(m, s), "Advice (")
				if _, ok := m.overlay.(*advice.Model); !ok {
					t.Errorf("the pane is %T", m.overlay)
				}
			}}},
		{scenario: scenario{"advice-jump", [][]string{{"tab", "A"}, {"enter"}},
			func(t *testing.T, m *Model, s string) {
				if m.overlay != nil || m.focus != focusTree {
					t.Errorf("enter left the advice open (%T)", m.overlay)
				}
				f := m.c.Result.Advice().Findings[0]
				want(t, statusLine(s), tree.Printable(f.Paths[0])+"  ")
				if m.layers.Selected() != f.Layer {
					t.Errorf("layer %d selected, the finding is in %d", m.layers.Selected(), f.Layer)
				}
			}}},
		{scenario: scenario{"advice-esc", [][]string{{"A"}, {"esc"}},
			func(t *testing.T, m *Model, s string) {
				if m.overlay != nil {
					t.Error("esc left the advice open")
				}
			}}},
		// 8: a symlink to a directory puts the cursor there and says
		// where it points; a dangling one says why it leads nowhere.
		{scenario: scenario{"symlink-to-dir", [][]string{{"G", "v", "tab"}, find("to-dir"), {"enter"}},
			func(t *testing.T, m *Model, s string) {
				if m.overlay != nil {
					t.Error("a directory target opened a pane")
				}
				want(t, statusLine(s), "/data/new-dir  dir")
			}}},
		{scenario: scenario{"symlink-dangling", [][]string{{"G", "v", "tab"}, find("dangling"), {"enter"}},
			func(t *testing.T, m *Model, s string) {
				want(t, footerLine(s), "/links/dangling → /does/not/exist: /does is not in the image")
			}}},
		// 8: a hardlink's pager names its target and the layer of the
		// bytes, and shows them.
		{scenario: scenario{"hardlink-title", [][]string{{"G", "v", "tab"}, find("link-target"), {"enter"}},
			func(t *testing.T, m *Model, s string) {
				want(t, right(m, s), "/data/link-target.txt ⇒ /data/hardl", "target of a hardlink made in a later layer")
				if m.width >= 200 { // the whole title: the layer of the bytes and their size
					want(t, right(m, s), "/data/link-target.txt ⇒ /data/hardlink-to-lower.txt (hardlink, bytes of layer 12) · 43 B")
				}
			}}},
		// 16: c copies the path, C the command (this fixture is an
		// archive: no engine has it, so the path, and the footer says so).
		{scenario: scenario{"copy-path", [][]string{{"G", "v", "tab"}, chown, {"c"}},
			func(t *testing.T, m *Model, s string) {
				want(t, footerLine(s), "copied /data/chown-me.txt (OSC 52)")
			}}, prepare: osc52},
		{scenario: scenario{"copy-command-archive", [][]string{{"G", "v", "tab"}, chown, {"C"}},
			func(t *testing.T, m *Model, s string) {
				want(t, footerLine(s), "copied /data/chown-me.txt; C needs the image in Docker or Podman (OSC 52)")
			}}, prepare: osc52},
		{scenario: scenario{"copy-from-layers", [][]string{{"c"}},
			func(t *testing.T, m *Model, s string) {
				want(t, footerLine(s), "c and C copy a path: pick it in the tree")
			}}, prepare: osc52},
		// 10: x on a removed entry says so at once, naming the layer,
		// and asks for nothing.
		{scenario: scenario{"extract-removed", [][]string{append(down(8), "tab"), append([]string{"/"}, append(typed("delete-me"), "enter")...), {"x"}},
			func(t *testing.T, m *Model, s string) {
				if m.prompt != nil {
					t.Error("x on a removed entry asks for a directory")
				}
				want(t, footerLine(s), "delete-me.txt cannot be extracted: layer 8 removed it")
			}}},
		// 10: the overwrite question takes one key: y overwrites.
		{scenario: scenario{"extract-overwrite-y", [][]string{{"G", "v", "tab"}, chown, {"x", "enter"}},
			func(t *testing.T, m *Model, s string) {
				want(t, footerLine(s), "chown-me.txt exists; overwrite files in it? [y/N]")
				wantNot(t, footerLine(s), "[y/N] .") // no input to type into
			}}, prepare: existing},
		{scenario: scenario{"extract-overwritten", [][]string{{"G", "v", "tab"}, chown, {"x", "enter"}, {"y"}},
			func(t *testing.T, m *Model, s string) {
				want(t, footerLine(s), "extracted 1 file, 0 directories, 0 symlinks (40 B) into .")
			}}, prepare: existing,
			after: func(t *testing.T, dir string) {
				fileIs(t, filepath.Join(dir, "chown-me.txt"), "owned by root at first")
			}},
		// 10: any other key cancels and does what it does: k moves up.
		{scenario: scenario{"extract-question-then-k", [][]string{{"G", "v", "tab"}, chown, {"x", "enter"}, {"k"}},
			func(t *testing.T, m *Model, s string) {
				if m.prompt != nil {
					t.Error("the question is still open")
				}
				want(t, footerLine(s), "extraction cancelled: nothing overwritten")
				want(t, statusLine(s), "/data  dir") // k moved the cursor
			}}, prepare: existing,
			after: func(t *testing.T, dir string) { fileIs(t, filepath.Join(dir, "chown-me.txt"), "mine") }},
		// 10: a hardlink among the extracted files is counted as one.
		{scenario: scenario{"extract-hardlinks", [][]string{{"G", "v", "tab"}, append([]string{"/"}, append(typed("data"), "enter")...), {"x", "enter"}},
			func(t *testing.T, m *Model, s string) {
				want(t, footerLine(s), "extracted 14 files (2 hardlinks), 17 directories")
			}}},
	}
}

// TestExtractToHome (10): "~/x" is x in the home directory, not ./~.
func TestExtractToHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	m := loaded(t, 80, 24, true)
	keys(m, append(append([]string{"G", "v", "tab", "/"}, typed("chown-me")...), "enter", "x", "ctrl+u")...)
	keys(m, typed("~/out")...)
	_, cmd := m.Update(keyMsg("enter"))
	for _, msg := range quickMsgs(cmd) {
		m.Update(msg)
	}
	fileIs(t, filepath.Join(home, "out", "chown-me.txt"), "owned by root at first")
	want(t, m.status, "into "+filepath.Join(home, "out"))
	if _, err := os.Lstat("~"); err == nil {
		t.Error("a directory named ~ was made")
	}
}

// TestCopySendsOSC52 (16): c writes the path to the terminal as OSC 52,
// C the docker command for an image that Docker has.
func TestCopySendsOSC52(t *testing.T) {
	t.Setenv("SSH_TTY", "/dev/pts/9")
	for _, c := range []struct {
		key, source, want string
	}{
		{"c", "docker-archive (x.tar)", "/data/chown-me.txt"},
		{"C", "docker (unix:///var/run/docker.sock)", `id=$(docker create 'basic:latest' true) && { docker cp "$id":'/data/chown-me.txt' .;`},
		{"C", "podman (unix:///run/podman.sock)", `id=$(podman create 'basic:latest' true)`},
	} {
		t.Run(c.key+" "+c.source, func(t *testing.T) {
			m := loaded(t, 80, 24, true)
			m.img.Info.Source, m.img.Info.Name = c.source, "basic:latest"
			tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
			press(tm, append(append([]string{"G", "v", "tab", "/"}, typed("chown-me")...), "enter", c.key)...)
			var got string
			teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
				got = osc52Text(b)
				return got != "" && bytes.Contains(b, []byte("copied ")) // and the footer reports it
			}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
			finish(t, tm)
			if !strings.HasPrefix(got, c.want) {
				t.Errorf("copied %q, want it to start with %q", got, c.want)
			}
		})
	}
}

// osc52Text is the text of the first OSC 52 clipboard sequence in b, ""
// while there is none whole.
func osc52Text(b []byte) string {
	_, rest, ok := bytes.Cut(b, []byte("\x1b]52;c;"))
	if !ok {
		return ""
	}
	end := bytes.IndexAny(rest, "\x07\x1b")
	if end < 0 {
		return ""
	}
	text, err := base64.StdEncoding.DecodeString(string(rest[:end]))
	if err != nil {
		return "undecodable: " + err.Error()
	}
	return string(text)
}

// TestAdviceWhileLoading (13): A before the verification is over says
// why and opens nothing (the secrets scan reads what it reads).
func TestAdviceWhileLoading(t *testing.T) {
	m := newApp(t, "basic.docker.tar", true)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.load.start(m.ctx, m.open, m.cfg.Analysis)
	untilLoaded(m)
	keys(m, "A")
	if m.overlay != nil {
		t.Error("the advice opened before the verification")
	}
	want(t, footerLine(screen(m)), "the advice is known once every layer is read and checked")
	m.Update(<-m.load.events) // the verification
	keys(m, "A")
	if _, ok := m.overlay.(*advice.Model); !ok {
		t.Errorf("after the verification A opens %T", m.overlay)
	}
}

// TestWheelInPager (8): the wheel over the right column scrolls the
// contents open there (busybox's hex dump), not the tree behind it.
func TestWheelInPager(t *testing.T) {
	tm := teatest.NewTestModel(t, loaded(t, 80, 24, true), teatest.WithInitialTermSize(80, 24))
	press(tm, append(append([]string{"G", "v", "tab", "/"}, typed("busybox")...), "enter", "enter")...)
	waitFor(t, tm, "00000000")
	tm.Send(tea.MouseWheelMsg{X: 60, Y: 10, Button: tea.MouseWheelDown})
	time.Sleep(200 * time.Millisecond)
	if err := tm.Quit(); err != nil { // q would close the pager
		t.Fatal(err)
	}
	m := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
	if m.overlay == nil {
		t.Fatal("the pager is not open")
	}
	v := ansi.Strip(m.overlay.View())
	if strings.Contains(v, "00000000:") || !strings.Contains(v, "0000") { // the first row is gone
		t.Errorf("the wheel did not scroll the hex dump:\n%s", v)
	}
}
