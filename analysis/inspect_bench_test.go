package analysis

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/layerscope/layerscope/analysis/advice"
	"github.com/layerscope/layerscope/analysis/source"
	"github.com/layerscope/layerscope/analysis/synth"
)

// The advice's cost beside the analysis it follows: the secret scan in
// the read (every file's name checked, the candidates' bytes scanned) and
// Compute on the merged tree. The issue allows 10 % of the analysis time.
//
//	go test ./analysis -run XXX -bench BenchmarkAdviceCost -benchtime 5x
//
// The Debian image is /work/perf/debian.tar (or $LAYERSCOPE_DEBIAN_TAR),
// skipped when absent.

type scanFile struct {
	path string
	size int64
	data []byte // for candidates only
}

// adviceBench measures, on one image: the whole analysis, the scan's work
// alone (replayed over the image's files), and Compute.
func adviceBench(b *testing.B, archive string) {
	open := func() *Result {
		img, err := source.Open(context.Background(), archive, source.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { img.Close() })
		res, err := Plan(img)
		if err != nil {
			b.Fatal(err)
		}
		return res
	}
	var files []scanFile
	{
		res := open()
		for i := range res.Layers {
			rc, err := res.Blob(i).Uncompressed()
			if err != nil {
				b.Fatal(err)
			}
			tr := tar.NewReader(rc)
			for {
				h, err := tr.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				if h.Typeflag != tar.TypeReg {
					continue
				}
				f := scanFile{path: cleanPath(h.Name), size: h.Size}
				if n := advice.Candidate(f.path, h.Size); n > 0 {
					f.data = make([]byte, n)
					io.ReadFull(tr, f.data)
				}
				files = append(files, f)
			}
			rc.Close()
		}
	}
	// The fastest of the runs: the machine is shared, and what others run
	// at the same time only ever adds.
	var analyse, scan, compute time.Duration = 1 << 62, 1 << 62, 1 << 62
	for b.Loop() {
		res := open()
		start := time.Now()
		if err := res.Read(context.Background()); err != nil {
			b.Fatal(err)
		}
		analyse = min(analyse, time.Since(start))
		// The analysis's garbage is its own: collect it before timing
		// the advice.
		runtime.GC()

		start = time.Now()
		var in inspection
		for _, f := range files {
			w := in.begin(io.Discard, f.path, f.size, 0)
			if f.data != nil {
				w.Write(f.data)
			}
			in.end()
		}
		scan = min(scan, time.Since(start))

		start = time.Now()
		res.Advice()
		compute = min(compute, time.Since(start))
	}
	b.ReportMetric(float64(analyse.Microseconds())/1000, "analyse-ms")
	b.ReportMetric(float64(scan.Microseconds())/1000, "scan-ms")
	b.ReportMetric(float64(compute.Microseconds())/1000, "compute-ms")
	b.ReportMetric(100*float64(scan+compute)/float64(analyse), "advice-%")
}

func BenchmarkAdviceCost(b *testing.B) {
	b.Run("synth-10x20000", func(b *testing.B) {
		files := 20000
		if os.Getenv("CI") == "true" {
			files = 2000
		}
		adviceBench(b, benchArchive(b, synth.Spec{Layers: 10, Files: files, FileSize: 1000}))
	})
	b.Run("million", func(b *testing.B) {
		s := synth.Spec{Layers: 50, Files: 20000, FileSize: 10}
		if inCI() {
			s.Files = 200
		}
		adviceBench(b, millionArchive(b, s))
	})
	b.Run("debian", func(b *testing.B) {
		p := os.Getenv("LAYERSCOPE_DEBIAN_TAR")
		if p == "" {
			p = "/work/perf/debian.tar"
		}
		if _, err := os.Stat(p); err != nil {
			b.Skipf("no Debian image at %s", p)
		}
		adviceBench(b, p)
	})
}
