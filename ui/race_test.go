package ui

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/synth"
)

// TestKeysWhileLoading drives the explorer with real key presses while
// its layers are still being read: every pane, the filter, the contents
// pager, the history and resizes. Under -race (CI runs every package with
// it) this proves the boundary: the tree is written only in Update.
func TestKeysWhileLoading(t *testing.T) {
	img := filepath.Join(t.TempDir(), "many.tar")
	if err := synth.WriteDockerArchive(img, "many:1", synth.Spec{Layers: 24, Files: 1500, FileSize: 300}); err != nil {
		t.Fatal(err)
	}
	open := fileOpener(img, nil)
	// One worker and a slow start make sure the keys meet the loading.
	m := New(context.Background(), open, Config{NoColor: true, Analysis: []analysis.Option{analysis.WithWorkers(1)}})
	m.idle = nil // the test process keeps its processors
	t.Cleanup(func() { m.Close() })
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 36))
	for range 3 {
		press(tm, "j", "j", "tab", "j", "enter", "esc", "space", "i", "esc", "/", "f", "1", "enter", "n", "tab", "v", "G", "g")
		tm.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
		tm.Send(tea.WindowSizeMsg{Width: 160, Height: 40})
		time.Sleep(20 * time.Millisecond)
	}
	waitFor(t, tm, "Efficiency") // every layer is read
	press(tm, "w", "enter", "tab", "enter", "esc", "x", "esc")
	final := finish(t, tm)
	if final.Err() != nil || !final.c.Result.Done() || final.c.Result.Merged() != 24 {
		t.Fatalf("err %v, merged %d", final.Err(), final.c.Result.Merged())
	}
}
