package extract_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerscope/layerscope/analysis/extract"
	"github.com/layerscope/layerscope/analysis/synth"
	"github.com/layerscope/layerscope/tree"
)

// deepEntries is one file below depth directories that no entry creates:
// a small layer whose extraction makes depth directories.
func deepEntries(depth int) []synth.Entry {
	return []synth.Entry{synth.File(strings.Repeat("d/", depth)+"f", "bottom")}
}

// wideEntries is n files in directories of 100.
func wideEntries(n int) []synth.Entry {
	var es []synth.Entry
	for i := range n {
		if i%100 == 0 {
			es = append(es, synth.Dir(fmt.Sprintf("dir%03d/", i/100)))
		}
		es = append(es, synth.File(fmt.Sprintf("dir%03d/f%05d", i/100, i), fmt.Sprint(i)))
	}
	return es
}

func BenchmarkExtract(b *testing.B) {
	for _, bc := range []struct {
		name    string
		entries []synth.Entry
	}{{"deep-500", deepEntries(500)}, {"deep-2000", deepEntries(2000)}, {"files-20000", wideEntries(20000)}} {
		b.Run(bc.name, func(b *testing.B) {
			img, err := synth.Image(bc.entries)
			if err != nil {
				b.Fatal(err)
			}
			f := analyse(b, img)
			for b.Loop() {
				dest := filepath.Join(b.TempDir(), "out")
				job, err := extract.Prepare(f.res, tree.Root, 0)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := job.Run(context.Background(), dest, extract.Options{}); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				os.RemoveAll(dest)
				b.StartTimer()
			}
		})
	}
}

// BenchmarkPrepareHardlinks: 20,000 hardlinks in one layer are resolved in
// one pass over it, not one pass each.
func BenchmarkPrepareHardlinks(b *testing.B) {
	es := []synth.Entry{synth.File("t", "target")}
	for i := range 20000 {
		es = append(es, synth.Hardlink(fmt.Sprintf("h%05d", i), "t"))
	}
	img, err := synth.Image(es)
	if err != nil {
		b.Fatal(err)
	}
	f := analyse(b, img)
	for b.Loop() {
		if _, err := extract.Prepare(f.res, tree.Root, 0); err != nil {
			b.Fatal(err)
		}
	}
}
