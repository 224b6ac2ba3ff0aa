package analysis

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/layerscope/layerscope/analysis/source"
	"github.com/layerscope/layerscope/analysis/synth"
)

// benchArchive writes a synthetic docker save once per benchmark run.
func benchArchive(b *testing.B, s synth.Spec) string {
	b.Helper()
	dir := b.TempDir()
	p := filepath.Join(dir, "img.tar")
	if err := synth.WriteDockerArchive(p, "bench:latest", s); err != nil {
		b.Fatal(err)
	}
	return p
}

func BenchmarkAnalyze(b *testing.B) {
	files := 20000
	if os.Getenv("CI") == "true" {
		files = 2000 // CI only checks that the benchmark works
	}
	for _, s := range []synth.Spec{
		{Layers: 10, Files: files, FileSize: 1000},
		{Layers: 10, Files: files, FileSize: 1000, Whiteout: 2000},
		{Layers: 10, Files: files, FileSize: 1000, DirWh: 100},
	} {
		name := fmt.Sprintf("layers=%d/files=%d/wh=%d/dirwh=%d", s.Layers, s.Files, s.Whiteout, s.DirWh)
		b.Run(name, func(b *testing.B) {
			p := benchArchive(b, s)
			b.ReportAllocs()
			for b.Loop() {
				img, err := source.Open(context.Background(), p, source.Options{})
				if err != nil {
					b.Fatal(err)
				}
				res, err := Analyze(context.Background(), img)
				if err != nil {
					b.Fatal(err)
				}
				if res.FS.NumEntries() < s.Files*s.Layers {
					b.Fatalf("only %d entries", res.FS.NumEntries())
				}
				img.Close()
			}
		})
	}
}
