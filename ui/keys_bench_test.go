package ui

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/layerscope/layerscope/analysis/synth"
	"github.com/layerscope/layerscope/ui/config"
	"github.com/layerscope/layerscope/ui/internal/uitest"
)

// bigApp is the explorer loaded and verified on 10 layers × 20,000 files
// (2,000 in CI, where benchmarks run once), 160×50, the tree's cursor on
// the last layer's aggregated view.
func bigApp(b *testing.B) *Model {
	files := 20000
	if os.Getenv("CI") == "true" {
		files = 2000
	}
	img := filepath.Join(b.TempDir(), "img.tar")
	if err := synth.WriteDockerArchive(img, "bench:1", synth.Spec{Layers: 10, Files: files, FileSize: 100, Whiteout: 500}); err != nil {
		b.Fatal(err)
	}
	d := config.Default()
	m := New(context.Background(), fileOpener(img, nil), Config{KeyMap: d.KeyMap, Palette: d.Palette, Tree: d.Tree, BaseLayers: 1})
	m.idle = nil // the test process keeps its processors
	b.Cleanup(func() { m.Close() })
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
	m.loadNow()
	if m.Err() != nil || !m.verified {
		b.Fatal("not loaded", m.Err())
	}
	// What the program computes in the background after loading, long
	// before a user's first key.
	for _, msg := range answers(m.c.RanksCmd()) {
		m.Update(msg)
	}
	return m
}

// pressUntimed presses keys, feeding the panes' answers back.
func pressUntimed(m *Model, keys ...string) {
	for _, k := range keys {
		pressTimed(m, nil, uitest.Key(k))
	}
}

// pressTimed is what a key costs on the program's goroutine: Update and
// the screen drawn, then the same for each message its commands send back
// (a pane asking to close, a jump, a list made in the background). The
// commands themselves run elsewhere in a program and are not counted; one
// still running after 300 ms (a blink timer) is dropped.
func pressTimed(m *Model, kt *uitest.KeyTimer, k tea.Msg) {
	timed := func(f func()) {
		if kt != nil {
			kt.Time(f)
		} else {
			f()
		}
	}
	var cmd tea.Cmd
	timed(func() { _, cmd = m.Update(k); m.render() })
	for _, msg := range answers(cmd) {
		timed(func() { m.Update(msg); m.render() })
	}
	if kt != nil {
		kt.Key()
	}
}

// answers runs cmd, batches flattened, each command given 300 ms.
func answers(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	got := make(chan tea.Msg, 1)
	go func() { got <- cmd() }()
	select {
	case msg := <-got:
		if batch, ok := msg.(tea.BatchMsg); ok {
			var out []tea.Msg
			for _, c := range batch {
				out = append(out, answers(c)...)
			}
			return out
		}
		if msg == nil {
			return nil
		}
		return []tea.Msg{msg}
	case <-time.After(300 * time.Millisecond):
		return nil
	}
}

// BenchmarkAppKeys measures, for each pane of the explorer on a
// 200,000-file image, the key presses a user makes there: the app's
// Update and its whole screen, at the 95th percentile. Each case starts
// on the last layer, the layer list focused, in the layer's own view or
// the aggregated one, presses setup untimed, then its keys in turn.
func BenchmarkAppKeys(b *testing.B) {
	m := bigApp(b)
	pressUntimed(m, "G")
	tree := []string{"tab", "down", "down", "down", "down"} // the tree's cursor on the first file
	cases := []struct {
		name  string
		agg   bool
		setup []string
		keys  []string
	}{
		{"layers-down-up", false, nil, []string{"up", "down"}},
		{"layers-down-up-aggregated", true, nil, []string{"up", "down"}},
		{"layers-pgup-pgdown", false, nil, []string{"pgup", "pgdown"}},
		{"tree-down", true, tree, []string{"down"}},
		{"tree-collapse", true, tree, []string{"space", "space"}},
		{"tree-sort", true, tree, []string{"s"}},
		{"tree-hide-unmodified", true, tree, []string{"u"}},
		{"tree-since-base", true, tree, []string{"b"}},
		{"filter-typed", true, []string{"tab", "/"}, []string{"d", "0", "0", "1", "backspace", "backspace", "backspace", "backspace"}},
		{"largest-open-close", false, nil, []string{"L", "esc"}},
		{"largest-open-close-aggregated", true, nil, []string{"L", "esc"}},
		// v twice: every L opens on a view whose files are not known yet.
		{"largest-fresh-view-aggregated", true, nil, []string{"L", "esc", "v", "v"}},
		{"largest-keys-aggregated", true, []string{"L"}, []string{"down", "pgdown", "end", "home"}},
		{"waste-open-close", true, nil, []string{"w", "esc"}},
		{"waste-keys", true, []string{"w"}, []string{"down", "pgdown", "end", "home"}},
		{"advice-open-close", true, nil, []string{"A", "esc"}},
		{"advice-keys", true, []string{"A"}, []string{"down", "pgdown", "end", "home"}},
		{"history-open-close", true, tree, []string{"i", "esc"}},
		{"pager-open-close", true, tree, []string{"enter", "esc"}},
		{"help-open-close", true, nil, []string{"?", "?"}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			m.closeOverlay()
			m.helpView = nil
			m.tree.ClearFilter()
			m.setFocus(focusLayers)
			m.tree.SetAggregated(c.agg)
			pressUntimed(m, c.setup...)
			i := 0
			kt := uitest.NewKeyTimer()
			for b.Loop() {
				pressTimed(m, kt, uitest.Key(c.keys[i%len(c.keys)]))
				i++
			}
			kt.Stop(b)
		})
	}
}
