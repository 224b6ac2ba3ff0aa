package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/layerscope/layerscope/analysis/synth"
)

// Peak memory for the bombs: far below what their contents claim.
const bombRSSKiB = 300 << 10

func analyses(t *testing.T, r boundedResult) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d, want 0: %s", r.code, tail(r.stderr))
	}
}

func underRSS(t *testing.T, r boundedResult, limitKiB int64) {
	t.Helper()
	t.Logf("peak RSS %d MiB, %v", r.maxRSSKiB>>10, r.took.Round(time.Millisecond))
	if r.maxRSSKiB > limitKiB {
		t.Errorf("peak RSS %d MiB, want under %d MiB", r.maxRSSKiB>>10, limitKiB>>10)
	}
}

// TestHostileCompressedOuterArchive (issue 10, item 4): a .tar.gz or
// .tar.zst docker save of 1,000 members of 4 MiB zeros (4 GiB expanded;
// before, every member was kept in memory) is analysed in bounded memory.
func TestHostileCompressedOuterArchive(t *testing.T) {
	for _, outer := range []string{synth.OuterGzip, synth.OuterZstd} {
		t.Run(outer, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "bomb.tar."+outer)
			if err := synth.WriteZeroMembersArchive(p, outer, 1000, 4<<20); err != nil {
				t.Fatal(err)
			}
			same := unchanged(t, p)
			r := runBounded(t, bounded{Timeout: 180 * time.Second}, "--json", "-", "--quiet", p)
			analyses(t, r)
			underRSS(t, r, bombRSSKiB)
			same()
		})
	}
}

// TestHostileRepeatedLayer (item 5): one 8 MiB layer behind 1 GiB of
// padding, listed 20 times, is decompressed once (before: 20 times from
// the start, 72 s here).
func TestHostileRepeatedLayer(t *testing.T) {
	p := filepath.Join(t.TempDir(), "repeated.tar.gz")
	if err := synth.WriteRepeatedLayerArchive(p, synth.OuterGzip, 1<<30, 20, 8<<20); err != nil {
		t.Fatal(err)
	}
	r := runBounded(t, bounded{Timeout: 120 * time.Second}, "--json", "-", "--quiet", p)
	analyses(t, r)
	underRSS(t, r, bombRSSKiB)
	if r.took > 30*time.Second {
		t.Errorf("took %v: the archive seems to be decompressed more than once", r.took)
	}
}

// TestHostileCompressedArchiveErrors: a truncated .tar.gz says so in one
// line, and a pipe as the archive is refused without being read.
func TestHostileCompressedArchiveErrors(t *testing.T) {
	p := filepath.Join(t.TempDir(), "cut.tar.gz")
	if err := synth.WriteRepeatedLayerArchive(p, synth.OuterGzip, 1<<20, 2, 1<<10); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	os.WriteFile(p, b[:len(b)-40], 0o644)
	r := runBounded(t, bounded{}, "--json", "-", p)
	hostileError(t, r.result, "decompressing the archive: truncated gzip stream")

	r = runBounded(t, bounded{Stdin: strings.NewReader(string(b)), Timeout: 20 * time.Second}, "--json", "-", "/dev/stdin")
	hostileError(t, r.result, "not a regular file (a ")
	if !strings.Contains(r.stderr, "save it to one first") {
		t.Errorf("no hint: %s", r.stderr)
	}
}

// TestHostileZstdWindow (item 6): zstd layers whose frames ask for a
// 1 GiB window are refused before any decoding, with what they need and
// the limit (before: 4 GB of memory for 8 of them).
func TestHostileZstdWindow(t *testing.T) {
	p := filepath.Join(t.TempDir(), "window30.tar")
	if err := synth.WriteZstdWindowArchive(p, 8, 30, 1<<20); err != nil {
		t.Fatal(err)
	}
	r := runBounded(t, bounded{}, "--json", "-", "--quiet", p)
	hostileError(t, r.result, "zstd stream needs a 1.0 GiB decoder window, more than the 128 MiB limit")
	underRSS(t, r, bombRSSKiB)
}

// TestZstdWindowAtLimit: eight layers at the 128 MiB window limit, each
// filling it, are analysed; memory stays bounded by the decoders that run
// at once.
//
// With GOMAXPROCS=2 two decoders run at once; once the analysis shares a
// compression.Budget between its workers the bound holds for any number.
func TestZstdWindowAtLimit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "window27.tar")
	if err := synth.WriteZstdWindowArchive(p, 8, 27, 136<<20); err != nil {
		t.Fatal(err)
	}
	r := runBounded(t, bounded{Env: []string{"GOMAXPROCS=2"}, Timeout: 180 * time.Second}, "--json", "-", "--quiet", p)
	analyses(t, r)
	underRSS(t, r, 700<<10)
}

// TestHostileNonRegularFiles (item 10): FIFOs, devices and links out of a
// layout are refused at once, and blobs are read exactly to their stated
// size.
func TestHostileNonRegularFiles(t *testing.T) {
	fifo := func(t *testing.T, p string) {
		t.Helper()
		os.Remove(p)
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	link := func(t *testing.T, p, target string) {
		t.Helper()
		os.Remove(p)
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	outside := filepath.Join(t.TempDir(), "outside")
	os.WriteFile(outside, []byte(`{"schemaVersion":2}`), 0o644)
	cases := []struct {
		name   string
		damage func(t *testing.T, lf synth.LayoutFiles)
		want   string // "" when the image must be analysed
	}{
		{"fifo-index", func(t *testing.T, lf synth.LayoutFiles) { fifo(t, lf.Index) }, "not a regular file (a named pipe)"},
		{"fifo-oci-layout", func(t *testing.T, lf synth.LayoutFiles) { fifo(t, lf.OCILayout) }, ""},
		{"fifo-manifest", func(t *testing.T, lf synth.LayoutFiles) { fifo(t, lf.Manifest) }, "not a regular file (a named pipe)"},
		{"fifo-layer", func(t *testing.T, lf synth.LayoutFiles) { fifo(t, lf.Layer) }, "is not a regular file"},
		{"layer-dev-zero", func(t *testing.T, lf synth.LayoutFiles) { link(t, lf.Layer, "/dev/zero") }, "a symlink that leads out of the layout directory"},
		{"index-outside", func(t *testing.T, lf synth.LayoutFiles) { link(t, lf.Index, outside) }, "a symlink that leads out of the layout directory"},
		{"layer-longer", func(t *testing.T, lf synth.LayoutFiles) { appendTo(t, lf.Layer, []byte("more")) }, "layer 0: blob " + "sha256:"},
		{"layer-shorter", func(t *testing.T, lf synth.LayoutFiles) { os.Truncate(lf.Layer, 10) }, "its descriptor says"},
		{"config-longer", func(t *testing.T, lf synth.LayoutFiles) { appendTo(t, lf.Config, []byte(" ")) }, "or its size (it is"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "layout")
			lf, err := synth.WriteSmallLayout(dir)
			if err != nil {
				t.Fatal(err)
			}
			c.damage(t, lf)
			r := runBounded(t, bounded{Timeout: 20 * time.Second}, "--json", "-", "--quiet", dir)
			if c.want == "" {
				analyses(t, r)
				return
			}
			hostileError(t, r.result, c.want)
			if strings.HasPrefix(c.name, "layer-") && !strings.Contains(r.stderr, lf.LayerDigest) {
				t.Errorf("the error does not name the blob %s: %s", lf.LayerDigest, r.stderr)
			}
		})
	}
	// The archive itself as a FIFO or a device.
	p := filepath.Join(t.TempDir(), "archive.tar")
	fifo(t, p)
	for _, arg := range []string{p, "docker-archive:" + p, "oci-archive:" + p, "/dev/zero"} {
		r := runBounded(t, bounded{Timeout: 20 * time.Second}, "--json", "-", arg)
		hostileError(t, r.result, "not a regular file (a ")
	}
}

func appendTo(t *testing.T, p string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(b)
	f.Close()
}

// TestLinkedLayerMembers (item 16): a layer stored as a link to another
// member is read through it, as docker load reads it; a link that leads
// nowhere says where it leads.
func TestLinkedLayerMembers(t *testing.T) {
	for kind, want := range map[string]string{
		synth.LinkRelative: "", synth.LinkAbsolute: "", synth.LinkDir: "", synth.LinkHard: "",
		synth.LinkDangling: "layer 1: 1/layer.tar: it links to nowhere/layer.tar, which is not in the archive",
		synth.LinkLoop:     "layer 1: 1/layer.tar: more than 16 links to follow",
	} {
		t.Run(kind, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "a.tar")
			if err := synth.WriteLinkedLayerArchive(p, kind); err != nil {
				t.Fatal(err)
			}
			r := runBounded(t, bounded{}, "--json", "-", "--quiet", p)
			if want == "" {
				analyses(t, r)
				rep := decodeReport(t, r.stdout)
				if len(rep.Layers) != 2 {
					t.Errorf("%d layers, want 2", len(rep.Layers))
				}
				return
			}
			hostileError(t, r.result, want)
		})
	}
}

// TestHostileJSONCap (item 8, local sources): every JSON document read
// from a file or directory is capped at 8 MiB, whatever its descriptor
// claims, inside a compressed archive too.
func TestHostileJSONCap(t *testing.T) {
	cases, err := synth.WriteOversizedJSON(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			r := runBounded(t, bounded{Timeout: 30 * time.Second}, "--json", "-", "--quiet", c.Path)
			hostileError(t, r.result, c.WantErr)
			underRSS(t, r, 100<<10)
		})
	}
}
