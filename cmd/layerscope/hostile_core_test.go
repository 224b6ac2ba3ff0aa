package main

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/layerscope/layerscope/analysis/synth"
)

// Hostile classes the analysis core closes: absurd sizes, paths no
// unpacker can create, floods of warnings (issue 10, items 2, 7, 11).

func writeBlobs(t *testing.T, name string, blobs, plain [][]byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := synth.WriteDockerArchiveBlobs(p, blobs, plain); err != nil {
		t.Fatal(err)
	}
	return p
}

// Sizes near 2^63 used to wrap the image's sizeBytes (to 1000, or to a
// negative number) and let highestImageBytes pass. Now an entry that
// claims more than 1 PiB is an error naming the layer, in the report and
// in the gate.
func TestAbsurdSizesRefused(t *testing.T) {
	ok := synth.Gzip(synth.EmptyNamesLayer(0))
	for _, size := range []int64{math.MaxInt64 - 1000, math.MaxInt64, 1<<50 + 1} {
		huge := synth.ClaimedSizeLayer("app/big", size)
		img := writeBlobs(t, "huge.tar", [][]byte{ok, huge}, [][]byte{synth.EmptyNamesLayer(0), huge})
		done := unchanged(t, img)
		for _, args := range [][]string{
			{"--json", "-", "--quiet", img},
			{"--ci", "--highestImageBytes", "5MB", "--quiet", img},
		} {
			r := runBounded(t, bounded{Timeout: 30 * time.Second}, args...)
			hostileError(t, r.result, `layer 1 (1/layer.tar): "app/big" claims`)
		}
		done()
	}
}

// Real sparse files may claim any size: those within 1 PiB count as what
// they occupy unpacked, and no sum of them wraps, within a layer or
// across layers.
func TestSparseSizesDoNotWrap(t *testing.T) {
	const tib = int64(1) << 40
	for _, c := range []struct {
		name    string
		layers  [][]byte
		want    string // an error, or "" for a report
		wantLen int64
	}{
		{"one 10 TiB file", [][]byte{synth.SparseLayer("s", 1, 10*tib)}, "", 10 * tib},
		{"an exabyte", [][]byte{synth.SparseLayer("s", 1, 1<<60)}, `layer 0 (0/layer.tar): "s0" claims 1152921504606846976 bytes, more than 1 PiB`, 0},
		{"512 files of 4 PiB/1024", [][]byte{synth.SparseLayer("s", 512, 1<<42)}, "layer 0 (0/layer.tar): its files add up to more than 1 PiB", 0},
		{"1 PiB over two layers", [][]byte{synth.SparseLayer("a", 3, 1<<48), synth.SparseLayer("b", 2, 1<<48)}, "layer 1 (1/layer.tar): the image's files add up to more than 1 PiB", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			img := writeBlobs(t, "sparse.tar", c.layers, c.layers)
			r := runBounded(t, bounded{Timeout: 30 * time.Second}, "--json", "-", "--quiet", img)
			if c.want != "" {
				hostileError(t, r.result, c.want)
				g := runBounded(t, bounded{Timeout: 30 * time.Second}, "--ci", "--highestImageBytes", "5MB", "--quiet", img)
				hostileError(t, g.result, c.want)
				return
			}
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if rep := decodeReport(t, r.stdout); rep.Image.SizeBytes != c.wantLen {
				t.Errorf("sizeBytes %d, want %d", rep.Image.SizeBytes, c.wantLen)
			}
			// The gate sees the true size: 10 TiB is over 5 MB.
			if g := runBounded(t, bounded{Timeout: 30 * time.Second}, "--ci", "--highestImageBytes", "5MB", "--quiet", img); g.code != 1 {
				t.Errorf("gate exit %d: %s", g.code, g.stdout+g.stderr)
			}
		})
	}
}

// A path 200,000 levels deep is a few hundred bytes of gzip; listing it
// would be quadratic. No unpacker can create a path past PATH_MAX, so it
// is refused at once, in bounded time and memory.
func TestDeepPathRefused(t *testing.T) {
	plain := synth.DeepLayer(200_000)
	blob := synth.Gzip(plain)
	if len(blob) > 4096 {
		t.Fatalf("the layer is %d bytes compressed", len(blob))
	}
	img := writeBlobs(t, "deep.tar", [][]byte{blob}, [][]byte{plain})
	r := runBounded(t, bounded{Timeout: 30 * time.Second}, "--json", "-", "--files", "--quiet", img)
	hostileError(t, r.result, "layer 0 (0/layer.tar): a path of 400001 bytes")
	if r.maxRSSKiB > 200<<10 {
		t.Errorf("peak memory %d KiB", r.maxRSSKiB)
	}
}

// 200,000 entries with empty names used to print a warning each; now a
// few examples and a count, on stderr and in the report.
func TestWarningsSummarisedOnTheBinary(t *testing.T) {
	plain := synth.EmptyNamesLayer(200_000)
	img := writeBlobs(t, "empty-names.tar", [][]byte{synth.Gzip(plain)}, [][]byte{plain})
	r := runBounded(t, bounded{Timeout: 60 * time.Second}, "--json", "-", img)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, tail(r.stderr))
	}
	rep := decodeReport(t, r.stdout)
	if n := len(rep.Image.Warnings); n < 2 || n > 10 {
		t.Fatalf("%d warnings in the report", n)
	}
	if last := rep.Image.Warnings[len(rep.Image.Warnings)-1]; last != "… and 199995 more warnings like the last" {
		t.Errorf("last warning %q", last)
	}
	if lines := strings.Count(r.stderr, "\n"); lines > 10 {
		t.Errorf("%d lines on stderr", lines)
	}
	if len(r.stdout) > 100_000 {
		t.Errorf("a report of %d bytes", len(r.stdout))
	}
}
