package filetree

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/source"
	"github.com/layerscope/layerscope/analysis/synth"
	"github.com/layerscope/layerscope/ui/internal/uitest"
)

var (
	bigOnce sync.Once
	bigRes  *analysis.Result
)

// bigAnalysis is 10 layers × 20,000 files (2,000 each in CI, where the
// benchmarks only run once to keep them working).
func bigAnalysis(b *testing.B) *analysis.Result {
	bigOnce.Do(func() {
		files := 20000
		if os.Getenv("CI") == "true" {
			files = 2000
		}
		dir, err := os.MkdirTemp("", "layerscope-bench")
		if err != nil {
			b.Fatal(err)
		}
		defer os.RemoveAll(dir)
		p := filepath.Join(dir, "img.tar")
		if err := synth.WriteDockerArchive(p, "bench:1", synth.Spec{Layers: 10, Files: files, FileSize: 100, Whiteout: 500}); err != nil {
			b.Fatal(err)
		}
		img, err := source.Open(context.Background(), p, source.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer img.Close()
		if bigRes, err = analysis.Analyze(context.Background(), img); err != nil {
			b.Fatal(err)
		}
	})
	return bigRes
}

func benchModel(b *testing.B, opts Options) *Model {
	m := New(uitest.Common(bigAnalysis(b), false), opts)
	m.SetSize(120, 50)
	m.SetFocused(true)
	m.SetLayer(9)
	m.View()
	return m
}

// BenchmarkKeys measures update and view for each kind of key press on a
// 200,000-file image.
func BenchmarkKeys(b *testing.B) {
	down := tea.KeyPressMsg{Code: tea.KeyDown}
	pgdown := tea.KeyPressMsg{Code: tea.KeyPgDown}
	cases := []struct {
		name string
		step func(m *Model, i int)
	}{
		{"down", func(m *Model, i int) { m.Update(down) }},
		{"pagedown", func(m *Model, i int) { m.Update(pgdown) }},
		{"switch-layer", func(m *Model, i int) { m.SetLayer(i % 10) }},
		{"view-mode", func(m *Model, i int) { m.SetAggregated(i%2 == 0) }},
		{"collapse-all", func(m *Model, i int) { m.Update(tea.KeyPressMsg{Code: 'z', Text: "z"}) }},
		{"filter-keystroke", func(m *Model, i int) {
			m.filter.input.SetValue([]string{"d00", "d001", "file-0001"}[i%3])
			m.filterDone(m.startFilterSync())
		}},
		// A glob and a size: the path words are matched in one walk, the
		// size only where the screen (and the first match) needs it.
		{"filter-glob-size", func(m *Model, i int) {
			m.filter.input.SetValue([]string{"*.dat >50", "file-0001* <200", "d001 >=100"}[i%3])
			m.filterDone(m.startFilterSync())
		}},
		// What the largest-files key (L) does in a view that has not
		// listed its files yet: on this tree it starts the listing in the
		// background (BenchmarkListFiles measures that work).
		{"largest-files", func(m *Model, i int) {
			m.cache.reset(m.fs.Len())
			if ids, cmd := m.FilesCmd(); ids == nil && cmd == nil {
				panic("FilesCmd listed nothing and started nothing")
			}
		}},
	}
	cases = append(cases,
		struct {
			name string
			step func(m *Model, i int)
		}{"switch-layer-collapsed", func(m *Model, i int) {
			if i == 0 {
				m.Update(tea.KeyPressMsg{Code: 'z', Text: "z"})
			}
			m.SetLayer(i % 10)
		}},
		struct {
			name string
			step func(m *Model, i int)
		}{"switch-layer-by-size", func(m *Model, i int) {
			m.opts.SortBySize = true
			m.SetLayer(i % 10)
		}})
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			m := benchModel(b, Options{Aggregated: true, Attributes: true})
			i := 0
			kt := uitest.NewKeyTimer()
			for b.Loop() {
				kt.Time(func() {
					c.step(m, i)
					m.View()
				})
				kt.Key()
				i++
			}
			kt.Stop(b)
		})
	}
}

// BenchmarkFilterMatch is the filter's computation alone over the
// 200,000 paths (what a background filter costs before its result
// shows), per kind of word.
func BenchmarkFilterMatch(b *testing.B) {
	fs := bigAnalysis(b).FS
	for _, c := range []struct{ name, text string }{
		{"substring", "d001"},
		{"substrings", "d00 file-0001"},
		{"substring-slash", "lvl2/d0001/file"},
		{"glob", "*.dat"},
		{"glob-size", "file-0001* <200"},
		{"path-glob", "/layer0?/*/*/d00*/*"},
		{"path-glob-class", "/layer0[1-3]/*/*/d00*/*"},
		{"regex", "d00.*1"},
	} {
		regex := c.name == "regex"
		q, err := parseQuery(c.text, regex)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				q.match(fs)
			}
		})
	}
}

// BenchmarkListFiles is the listing behind the largest-files pane: every
// file of a view not listed yet. Trees of over 50,000 paths list in the
// background (FilesCmd), so this is no key's time there.
func BenchmarkListFiles(b *testing.B) {
	m := benchModel(b, Options{Aggregated: true, Attributes: true})
	for b.Loop() {
		m.cache.reset(m.fs.Len())
		if len(m.Files()) == 0 {
			b.Fatal("no files listed")
		}
	}
}
