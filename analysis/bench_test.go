package analysis

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"hash/maphash"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/klauspost/compress/gzip"

	"github.com/layerscope/layerscope/analysis/internal/cputime"
	"github.com/layerscope/layerscope/analysis/source"
	"github.com/layerscope/layerscope/analysis/synth"
	"github.com/layerscope/layerscope/tree"
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

// inCI: CI only checks that the benchmarks work, on small inputs.
func inCI() bool { return os.Getenv("CI") == "true" }

func BenchmarkAnalyze(b *testing.B) {
	files := 20000
	if inCI() {
		files = 2000
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
				analyzeFile(b, p, s.Files*s.Layers)
			}
		})
	}
}

func analyzeFile(b *testing.B, p string, atLeast int) {
	img, err := source.Open(context.Background(), p, source.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer img.Close()
	res, err := Analyze(context.Background(), img)
	if err != nil {
		b.Fatal(err)
	}
	if res.FS.NumEntries() < atLeast {
		b.Fatalf("only %d entries", res.FS.NumEntries())
	}
}

// millionArchive is the image of s, or the one LAYERSCOPE_BENCH_MILLION
// names (`synthimage -layers 50 -files 20000 -size 10`: writing a
// gigabyte for each run takes a while).
func millionArchive(b *testing.B, s synth.Spec) string {
	if p := os.Getenv("LAYERSCOPE_BENCH_MILLION"); p != "" && !inCI() {
		return p
	}
	return benchArchive(b, s)
}

// BenchmarkMerge times the merge alone (the serial part of a read) of a
// million files in 50 layers: the layers are parsed once, before the loop.
func BenchmarkMerge(b *testing.B) {
	s := synth.Spec{Layers: 50, Files: 20000, FileSize: 10}
	if inCI() {
		s.Files = 200
	}
	img, err := source.Open(context.Background(), millionArchive(b, s), source.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer img.Close()
	res, err := Plan(img)
	if err != nil {
		b.Fatal(err)
	}
	lr := &layerReader{seed: maphash.MakeSeed()}
	var parsed []*layerData
	for _, l := range res.layers {
		d, err := lr.read(context.Background(), l)
		if err != nil {
			b.Fatal(err)
		}
		parsed = append(parsed, d)
	}
	b.ReportAllocs()
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		layers := make([]layerData, len(parsed))
		for i, d := range parsed {
			layers[i] = *d
			layers[i].entries = slices.Clone(d.entries)
		}
		b.StartTimer()
		c := cputime.Process()
		m := merger{fs: tree.NewFS(), warn: &warnings{}}
		for i := range layers {
			m.addLayer(&layers[i])
		}
		cpu += cputime.Process() - c
		if m.fs.NumEntries() < s.Layers*s.Files {
			b.Fatalf("only %d entries", m.fs.NumEntries())
		}
	}
	cputime.Report(b, cpu)
}

// BenchmarkAnalyzeMillion is the whole read of a million files in 50
// layers (the README's row; target 1.3 s for the binary).
func BenchmarkAnalyzeMillion(b *testing.B) {
	s := synth.Spec{Layers: 50, Files: 20000, FileSize: 10}
	if inCI() {
		s.Files = 200
	}
	p := millionArchive(b, s)
	b.ReportAllocs()
	c := cputime.Process()
	for b.Loop() {
		analyzeFile(b, p, s.Layers*s.Files)
	}
	cputime.Report(b, cputime.Process()-c)
}

// gzipBlob is a gzip layer for BenchmarkGzipLayer: the blob named by
// LAYERSCOPE_BENCH_GZIP (a real image's layer, say), else a synthetic one
// of text and binary-like files that compresses to about half.
func gzipBlob(b *testing.B) []byte {
	if p := os.Getenv("LAYERSCOPE_BENCH_GZIP"); p != "" {
		blob, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		return blob
	}
	files := 3000
	if inCI() {
		files = 100
	}
	rng := rand.New(rand.NewPCG(1, 2))
	words := make([][]byte, 512)
	for i := range words {
		w := make([]byte, 2+rng.IntN(10))
		for k := range w {
			w[k] = byte('a' + rng.IntN(26))
		}
		words[i] = w
	}
	var entries []synth.Entry
	for i := range files {
		var body bytes.Buffer
		size := 1000 + rng.IntN(40000)
		for body.Len() < size {
			if rng.IntN(4) == 0 { // binary-like: random bytes, some repeated
				chunk := make([]byte, 16+rng.IntN(64))
				for k := range chunk {
					chunk[k] = byte(rng.Uint32())
				}
				body.Write(chunk)
				body.Write(chunk[:rng.IntN(len(chunk))])
			} else {
				body.Write(words[rng.IntN(len(words))])
				body.WriteByte(' ')
			}
		}
		entries = append(entries, synth.File(fmt.Sprintf("usr/lib/d%03d/f%05d", i/100, i), body.String()))
	}
	var tarBuf, gzBuf bytes.Buffer
	if err := synth.WriteLayer(&tarBuf, entries...); err != nil {
		b.Fatal(err)
	}
	zw := gzip.NewWriter(&gzBuf)
	zw.Write(tarBuf.Bytes())
	zw.Close()
	return gzBuf.Bytes()
}

// BenchmarkGzipLayer reads one gzip layer as the analysis does (digests
// verified), beside inflating it alone and beside `gzip -dc` of it: the
// target is at most half of gzip -dc's time.
func BenchmarkGzipLayer(b *testing.B) {
	blob := gzipBlob(b)
	open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(blob)), nil }
	b.Run("read", func(b *testing.B) {
		l, err := tarball.LayerFromOpener(open)
		if err != nil {
			b.Fatal(err)
		}
		lr := &layerReader{seed: maphash.MakeSeed(), verify: true}
		b.SetBytes(int64(len(blob)))
		b.ReportAllocs()
		c := cputime.Process()
		for b.Loop() {
			if _, err := lr.read(context.Background(), l); err != nil {
				b.Fatal(err)
			}
		}
		cputime.Report(b, cputime.Process()-c)
	})
	b.Run("inflate", func(b *testing.B) {
		b.SetBytes(int64(len(blob)))
		c := cputime.Process()
		for b.Loop() {
			zr, err := gzip.NewReader(bufio.NewReaderSize(bytes.NewReader(blob), 1<<20))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, zr); err != nil {
				b.Fatal(err)
			}
		}
		cputime.Report(b, cputime.Process()-c)
	})
	b.Run("gzip-dc", func(b *testing.B) {
		if _, err := exec.LookPath("gzip"); err != nil {
			b.Skip("no gzip")
		}
		b.SetBytes(int64(len(blob)))
		for b.Loop() {
			cmd := exec.Command("gzip", "-dc")
			cmd.Stdin = bytes.NewReader(blob)
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
