package ui

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/layerscope/layerscope/analysis/synth"
)

// BenchmarkFirstScreen: from starting the explorer on a docker save of
// 10 layers × 20,000 files (2,000 in CI, where benchmarks run once) to its
// first full screen with every layer merged: what a user waits for. The
// digests are verified afterwards, in the background, and not counted.
func BenchmarkFirstScreen(b *testing.B) {
	files := 20000
	if os.Getenv("CI") == "true" {
		files = 2000
	}
	img := filepath.Join(b.TempDir(), "img.tar")
	if err := synth.WriteDockerArchive(img, "bench:1", synth.Spec{Layers: 10, Files: files, FileSize: 1000}); err != nil {
		b.Fatal(err)
	}
	open := fileOpener(img, nil)
	b.ResetTimer()
	for range b.N {
		m := New(context.Background(), open, Config{NoColor: true})
		m.idle = nil // the test process keeps its processors
		m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		m.load.start(m.ctx, m.open, m.cfg.Analysis)
		untilLoaded(m)
		if m.Err() != nil || !m.c.Result.Done() {
			b.Fatal(m.Err())
		}
		_ = m.render()
		b.StopTimer()
		m.Close()
		b.StartTimer()
	}
}
