package diff_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/diff"
	"github.com/layerscope/layerscope/analysis/source"
	"github.com/layerscope/layerscope/analysis/synth"
)

// benchPair writes two docker saves that share their first nine layers:
// NEW's last layer also deletes 2,000 files and 20 directories of the
// first, so each has one layer of its own.
func benchPair(b *testing.B) (old, new string) {
	b.Helper()
	files := 20000
	if os.Getenv("CI") == "true" {
		files = 2000 // CI only checks that the benchmark works
	}
	dir := b.TempDir()
	old, new = filepath.Join(dir, "old.tar"), filepath.Join(dir, "new.tar")
	spec := synth.Spec{Layers: 10, Files: files, FileSize: 200}
	if err := synth.WriteDockerArchive(old, "bench:old", spec); err != nil {
		b.Fatal(err)
	}
	spec.Whiteout, spec.DirWh = files/10, 20
	if err := synth.WriteDockerArchive(new, "bench:new", spec); err != nil {
		b.Fatal(err)
	}
	return old, new
}

func open(b *testing.B, p string) *source.Image {
	b.Helper()
	img, err := source.Open(context.Background(), p, source.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return img
}

// analyse is one single analysis, as `layerscope --json` makes it.
func analyse(b *testing.B, p string, opts []analysis.Option) func() {
	img := open(b, p)
	res, err := analysis.Analyze(context.Background(), img, opts...)
	if err != nil {
		b.Fatal(err)
	}
	return func() { runtime.KeepAlive(res); img.Close() }
}

// oneDiff reads both (shared layers once) and compares them.
func oneDiff(b *testing.B, old, new string, opts []analysis.Option) func() {
	oi, ni := open(b, old), open(b, new)
	a, err := analysis.Plan(oi)
	if err != nil {
		b.Fatal(err)
	}
	n, err := analysis.Plan(ni)
	if err != nil {
		b.Fatal(err)
	}
	if shared, err := analysis.ReadPair(context.Background(), a, n, opts...); err != nil || shared != 9 {
		b.Fatalf("ReadPair: %d shared, %v", shared, err)
	}
	d, err := diff.Compare(context.Background(), a, n)
	if err != nil {
		b.Fatal(err)
	}
	if d.Summary.Removed == 0 {
		b.Fatal("no change found")
	}
	return func() { runtime.KeepAlive(d); oi.Close(); ni.Close() }
}

// measure runs fn (which returns a function that releases what it made)
// and returns its time and the peak of the live heap above where it
// started, sampled every millisecond.
func measure(fn func() func()) (time.Duration, uint64) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	heap := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := heap()
	var peak atomic.Uint64
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			if h := heap(); h > peak.Load() {
				peak.Store(h)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	start := time.Now()
	release := fn()
	elapsed := time.Since(start)
	close(stop)
	<-stopped
	release()
	return elapsed, peak.Load() - min(peak.Load(), base)
}

// BenchmarkDiff compares a diff with the two single analyses it replaces
// (each alone, as two runs of layerscope), on images that share their
// base, in the same run: time-ratio and peak-heap-ratio are the diff's
// time and peak live heap over the sums of the two analyses' (both must
// stay at or below 1).
func BenchmarkDiff(b *testing.B) {
	old, new := benchPair(b)
	for _, c := range []struct {
		name string
		opts []analysis.Option
	}{
		{"verified", nil},
		{"no-verify", []analysis.Option{analysis.WithoutVerify(), analysis.WithHeadersOnly()}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var two, one time.Duration
			var twoHeap, oneHeap uint64
			for b.Loop() {
				for _, p := range []string{old, new} {
					t, h := measure(func() func() { return analyse(b, p, c.opts) })
					two, twoHeap = two+t, twoHeap+h
				}
				t, h := measure(func() func() { return oneDiff(b, old, new, c.opts) })
				one, oneHeap = one+t, oneHeap+h
			}
			b.ReportMetric(float64(one)/float64(two), "time-ratio")
			b.ReportMetric(float64(oneHeap)/float64(max(twoHeap, 1)), "peak-heap-ratio")
			b.ReportMetric(float64(two.Milliseconds())/float64(b.N), "two-ms/op")
			b.ReportMetric(float64(one.Milliseconds())/float64(b.N), "diff-ms/op")
			b.ReportMetric(float64(twoHeap>>20)/float64(b.N), "two-peak-MiB")
			b.ReportMetric(float64(oneHeap>>20)/float64(b.N), "diff-peak-MiB")
		})
	}
}
