package diffview

import (
	"bytes"
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/diff"
	"github.com/layerscope/layerscope/analysis/synth"
	"github.com/layerscope/layerscope/ui/internal/uitest"
)

const (
	configOld = "listen 80\nworkers 4\ntimeout 30\nlog info\nroot /srv\nuser www\n"
	configNew = "listen 8080\nworkers 4\ntimeout 30\nlog debug\nroot /srv\nuser www\n"
)

// testDiff is a diff with every kind of change: a shared base, then
// each image's own layer.
func testDiff(t testing.TB) *diff.Diff {
	t.Helper()
	base := []synth.Entry{synth.Dir("bin/"), synth.File("bin/tool", "tool binary"), synth.Dir("etc/"), synth.File("etc/os-release", "base")}
	old, err := synth.Image(base, []synth.Entry{
		synth.Dir("app/"), synth.File("app/server.conf", configOld), synth.File("app/blob.bin", "\x00\x01\x02\x03"),
		synth.File("app/gone.txt", "bye"), synth.Symlink("app/current", "v1"), synth.Dir("app/cache/"), synth.File("app/cache/a", "aaaa"),
		synth.File("app/keep.txt", "same"),
	})
	if err != nil {
		t.Fatal(err)
	}
	new, err := synth.Image(base, []synth.Entry{
		synth.Dir("app/"), synth.File("app/server.conf", configNew), synth.File("app/blob.bin", "\x00\x01\x02\x04"),
		synth.Symlink("app/current", "v2"), synth.File("app/added.txt", strings.Repeat("n", 3000)), synth.File("app/keep.txt", "same"),
		{Name: "etc/os-release", Body: "base", Mode: 0o600},
	})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := analysis.Plan(old)
	b, _ := analysis.Plan(new)
	if _, err := analysis.ReadPair(context.Background(), a, b); err != nil {
		t.Fatal(err)
	}
	d, err := diff.Compare(context.Background(), a, b)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func model(t testing.TB, w, h int, noColor bool) *Model {
	m := New(context.Background(), testDiff(t), Config{OldName: "app:1", NewName: "app:2", NoColor: noColor})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

func press(m *Model, keys ...string) {
	for _, k := range keys {
		_, cmd := m.Update(uitest.Key(k))
		run(m, cmd)
	}
}

// run runs a command's message through Update, as the program would.
func run(m *Model, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	if msg := cmd(); msg != nil {
		if _, ok := msg.(tea.QuitMsg); !ok {
			_, next := m.Update(msg)
			run(m, next)
		}
	}
}

func screen(m *Model) string { return ansi.Strip(m.Render()) }

func TestGolden(t *testing.T) {
	for _, c := range []struct {
		name    string
		w, h    int
		noColor bool
		keys    []string
	}{
		{"tree-80x24", 80, 24, false, nil},
		{"tree-120x40-nocolor", 120, 40, true, nil},
		{"changes-only-80x24", 80, 24, true, []string{"u"}},
		{"sorted-by-size-120x40", 120, 40, true, []string{"s"}},
		{"text-diff-80x24", 80, 24, true, []string{"/", "c", "o", "n", "f", "enter", "n", "enter"}},
		{"binary-120x40", 120, 40, true, []string{"/", "b", "l", "o", "b", "enter", "n", "enter"}},
		{"help-120x40", 120, 40, true, []string{"?"}},
		{"too-small", 50, 10, true, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := model(t, c.w, c.h, c.noColor)
			press(m, c.keys...)
			got := m.Render()
			uitest.CheckSize(t, got, c.w, c.h)
			uitest.Golden(t, c.name, got)
		})
	}
}

func TestMarksAndDeltas(t *testing.T) {
	m := model(t, 120, 40, true)
	s := screen(m)
	for _, want := range []string{
		"A                 +3.0 kB    3.0 kB │   ├── added.txt",
		"M content             0 B       4 B │   ├── blob.bin",
		"D                    -4 B       4 B │   ├── cache/",
		"D                    -4 B       4 B │   │   └── a",
		"M linkTarget          0 B       0 B │   ├── current → v2",
		"D                    -3 B       3 B │   ├── gone.txt",
		"                                4 B │   ├── keep.txt",
		"M size,content       +3 B      62 B │   └── server.conf",
		"M mode                0 B       4 B     └── os-release",
		"Layers: 1 shared (=), then old 1 and new 1 of their own (+)",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("no %q in\n%s", want, s)
		}
	}
	// app/ holds +3000 +0 -4 -3 +3: NEW's 3,070 bytes.
	if !strings.Contains(s, "                  +3.0 kB    3.1 kB ├── app/") {
		t.Errorf("app's delta:\n%s", s)
	}
}

func TestHideByKind(t *testing.T) {
	m := model(t, 120, 40, true)
	press(m, "u", "a")
	s := screen(m)
	if strings.Contains(s, "keep.txt") || strings.Contains(s, "added.txt") || !strings.Contains(s, "gone.txt") || !strings.Contains(s, "hiding added, unmodified") {
		t.Errorf("hiding added and unmodified:\n%s", s)
	}
	press(m, "r", "m")
	if s := screen(m); !strings.Contains(s, "nothing to show") {
		t.Errorf("everything hidden:\n%s", s)
	}
}

func TestTextDiff(t *testing.T) {
	m := model(t, 120, 40, true)
	press(m, "/", "s", "e", "r", "v", "e", "r", "enter", "n", "enter")
	s := screen(m)
	for _, want := range []string{"/app/server.conf · old → new", "@@ -1,6 +1,6 @@", "-listen 80", "+listen 8080", " workers 4", "-log info", "+log debug"} {
		if !strings.Contains(s, want) {
			t.Errorf("no %q in\n%s", want, s)
		}
	}
	press(m, "esc")
	if m.compare != nil || !strings.Contains(screen(m), "Files:") {
		t.Errorf("esc did not close the comparison:\n%s", screen(m))
	}
}

func TestContentsOfAnAddedFile(t *testing.T) {
	m := model(t, 80, 24, true)
	press(m, "/", "a", "d", "d", "e", "d", "enter", "n", "enter")
	if s := screen(m); !strings.Contains(s, "/app/added.txt") || !strings.Contains(s, "nnnnnnnn") {
		t.Errorf("the pager:\n%s", s)
	}
	press(m, "q")
	if m.pager != nil {
		t.Error("q did not close the pager")
	}
}

func TestUnified(t *testing.T) {
	a := splitLines("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n")
	b := splitLines("a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nL\nm\n")
	got, ok := unified(a, b)
	want := "@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n@@ -9,4 +9,5 @@\n i\n j\n k\n-l\n+L\n+m"
	if !ok || strings.Join(got, "\n") != want {
		t.Errorf("unified:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
	// Too different: no diff drawn.
	var x, y []string
	for i := range 3000 {
		x, y = append(x, "x"+string(rune('a'+i%26))+"\n"), append(y, "y\n")
	}
	if _, ok := unified(x, y); ok {
		t.Error("a diff of 6,000 edits was drawn")
	}
}

// The scenarios run the explorer as a program and press keys, at 80×24
// and 120×40.
func TestScenarios(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		tm := teatest.NewTestModel(t, New(context.Background(), testDiff(t), Config{OldName: "app:1", NewName: "app:2", NoColor: true}),
			teatest.WithInitialTermSize(size[0], size[1]))
		waitFor(t, tm, "Files:")
		for _, k := range []string{"u", "/", "s", "e", "r", "v", "enter", "n", "enter"} {
			tm.Send(uitest.Key(k))
		}
		waitFor(t, tm, "+listen 8080")
		for _, k := range []string{"esc", "tab", "j", "tab", "space", "q"} {
			tm.Send(uitest.Key(k))
		}
		m := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
		uitest.CheckSize(t, m.Render(), size[0], size[1])
		if m.compare != nil || m.layout.hidden != kindUnmodified || m.query != "serv" {
			t.Errorf("%v: overlay %v, hidden %b, filter %q", size, m.compare != nil, m.layout.hidden, m.query)
		}
	}
}

func waitFor(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(text)) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

func TestRegexFilter(t *testing.T) {
	m := model(t, 120, 40, true)
	press(m, "/", "ctrl+r", "\\", ".", "t", "x", "t", "$", "enter")
	s := screen(m)
	if !strings.Contains(s, "added.txt") || !strings.Contains(s, "gone.txt") || strings.Contains(s, "server.conf") || !strings.Contains(s, `filter \.txt$`) {
		t.Errorf("filtered by regex:\n%s", s)
	}
	press(m, "/", "(")
	if s := screen(m); !strings.Contains(s, "invalid regular expression") {
		t.Errorf("an invalid regex:\n%s", s)
	}
}

// TestMatchWalk: the filter's one walk marks what testing every whole
// path marks, for every piece of every path (across a / too) and a
// regular expression.
func TestMatchWalk(t *testing.T) {
	v := buildView(testDiff(t))
	brute := func(test func(string) bool) []bool {
		keep := make([]bool, len(v.nodes))
		for i := len(v.nodes) - 1; i > 0; i-- {
			if keep[i] || test(v.path(int32(i))) {
				keep[i], keep[v.nodes[i].parent] = true, true
			}
		}
		keep[0] = true
		return keep
	}
	queries := map[string]bool{}
	for i := range v.nodes {
		p := v.path(int32(i))
		for a := 0; a < len(p); a++ {
			for b := a + 1; b <= len(p) && b <= a+8; b++ {
				queries[p[a:b]] = true
			}
		}
	}
	for q := range queries {
		if got, want := v.match(q, nil), brute(func(p string) bool { return strings.Contains(p, q) }); !slices.Equal(got, want) {
			t.Fatalf("%q: %v, want %v", q, got, want)
		}
	}
	re := regexp.MustCompile(`^/app/[a-c]`)
	if got, want := v.match("", re), brute(re.MatchString); !slices.Equal(got, want) {
		t.Errorf("%v: %v, want %v", re, got, want)
	}
}
