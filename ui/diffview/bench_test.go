package diffview

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/diff"
	"github.com/layerscope/layerscope/analysis/source"
	"github.com/layerscope/layerscope/analysis/synth"
	"github.com/layerscope/layerscope/ui/internal/uitest"
)

// bigDiff compares two images of 10 layers × 20,000 files (2,000 in CI,
// where benchmarks run once) whose every file differs in size, the new
// one deleting 500 per layer: a diff of about 200,000 changes.
func bigDiff(b *testing.B) *diff.Diff {
	files := 20000
	if os.Getenv("CI") == "true" {
		files = 2000
	}
	dir := b.TempDir()
	open := func(name string, spec synth.Spec) *analysis.Result {
		p := filepath.Join(dir, name+".tar")
		if err := synth.WriteDockerArchive(p, name+":1", spec); err != nil {
			b.Fatal(err)
		}
		img, err := source.Open(context.Background(), p, source.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { img.Close() })
		r, err := analysis.Plan(img)
		if err != nil {
			b.Fatal(err)
		}
		return r
	}
	a := open("old", synth.Spec{Layers: 10, Files: files, FileSize: 100})
	n := open("new", synth.Spec{Layers: 10, Files: files, FileSize: 120, Whiteout: 500})
	if _, err := analysis.ReadPair(context.Background(), a, n); err != nil {
		b.Fatal(err)
	}
	d, err := diff.Compare(context.Background(), a, n)
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkDiffKeys measures update and view for the keys of the diff
// explorer on a diff of about 200,000 changes, at the 95th percentile.
func BenchmarkDiffKeys(b *testing.B) {
	d := bigDiff(b)
	for _, c := range []struct {
		name  string
		setup []string
		keys  []string
	}{
		{"down", nil, []string{"down"}},
		{"pagedown", nil, []string{"pgdown"}},
		{"end-home", nil, []string{"end", "home"}},
		{"collapse", []string{"down"}, []string{"space"}},
		{"collapse-all", nil, []string{"z"}},
		{"hide-modified", nil, []string{"m"}},
		{"sort", nil, []string{"s"}},
		{"filter-typed", []string{"/"}, []string{"d", "0", "0", "1", "backspace", "backspace", "backspace", "backspace"}},
		{"next-match", []string{"/", "f", "i", "l", "e", "-", "0", "0", "0", "1", "enter"}, []string{"n"}},
		{"layers-pane", []string{"tab"}, []string{"down", "up"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			m := New(context.Background(), d, Config{OldName: "old:1", NewName: "new:1"})
			m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
			for _, k := range c.setup {
				m.Update(uitest.Key(k))
			}
			m.Render()
			i := 0
			kt := uitest.NewKeyTimer()
			for b.Loop() {
				kt.Time(func() {
					m.Update(uitest.Key(c.keys[i%len(c.keys)]))
					m.Render()
				})
				kt.Key()
				i++
			}
			kt.Stop(b)
		})
	}
}
