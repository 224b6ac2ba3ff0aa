package extract_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/layerscope/layerscope/analysis/extract"
	"github.com/layerscope/layerscope/analysis/source"
	"github.com/layerscope/layerscope/analysis/synth"
	"github.com/layerscope/layerscope/tree"
)

func TestExtractBasicData(t *testing.T) {
	img, err := source.Open(context.Background(), filepath.Join("..", "..", "testdata", "fixtures", "basic.docker.tar"), source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	f := analyse(t, img)
	last := f.res.FS.NumLayers() - 1
	for _, layer := range []int{last, 2, 9} {
		parent := t.TempDir()
		dest := filepath.Join(parent, "out")
		for _, o := range f.opened {
			o.Store(0)
		}
		sum := f.extract(t, "/data", layer, dest, extract.Options{})
		for i, o := range f.opened {
			// Layers 0, 1 and 3 hold nothing of /data.
			if n := o.Load(); n > 1 || (n > 0 && (i <= 1 || i == 3)) {
				t.Errorf("layer %d: blob %d was opened %d times", layer, i, n)
			}
		}
		onlyDest(t, parent, dest)
		got := listing(t, dest)
		want := f.treeListing(t, f.node(t, "/data"), layer, "data")
		diff(t, got, want)
		if layer == last {
			diff(t, got, groundTruth(t, "data"))
		}
		files := 0
		for _, l := range got {
			if !strings.Contains(l, " dir") && !strings.Contains(l, " symlink ") {
				files++
			}
		}
		if sum.Files != files || sum.Skipped != 0 || len(sum.Warnings) != 0 || sum.Dirs != len(got)-files {
			t.Errorf("layer %d: summary %+v for %d files and %d dirs", layer, sum, files, len(got)-files)
		}
	}
}

func TestExtractRootAndSingleFile(t *testing.T) {
	f := image(t,
		[]synth.Entry{synth.Dir("d/"), synth.File("d/a", "a0"), synth.File("d/gone", "x"), synth.File("f", "f0"),
			{Name: "suid", Body: "s", Mode: 0o4755}, {Name: "ro/", Mode: 0o555}, synth.File("ro/x", "x"), synth.File("empty", "")},
		[]synth.Entry{synth.File("d/a", "a1"), synth.File("d/a", "a2, the last"), synth.Whiteout("d/gone"),
			synth.Hardlink("d/copy", "f"), synth.Symlink("d/up", "../../../etc")})
	for _, layer := range []int{0, 1} {
		dest := filepath.Join(t.TempDir(), "root")
		sum := f.extract(t, "/", layer, dest, extract.Options{})
		got := listing(t, dest)
		diff(t, got, f.treeListing(t, tree.Root, layer, ""))
		if !slices.Contains(got, "suid -rwxr-xr-x "+sha([]byte("s"))) || !slices.Contains(got, "ro -r-xr-xr-x dir") {
			t.Errorf("modes: setuid not dropped or read-only directory not applied")
		}
		if layer == 1 {
			a, errA := os.Stat(filepath.Join(dest, "f"))
			b, errB := os.Stat(filepath.Join(dest, "d", "copy"))
			if errA != nil || errB != nil || !os.SameFile(a, b) {
				t.Errorf("the hardlink is not a hardlink: %v %v", errA, errB)
			}
			if sum.Files != 6 || sum.Hardlinks != 1 || sum.Dirs != 2 || sum.Symlinks != 1 || sum.Bytes != 16 || sum.Skipped != 0 {
				t.Errorf("summary %+v", sum)
			}
		}
		os.Chmod(filepath.Join(dest, "ro"), 0o755) // for the cleanup
	}
	dest := t.TempDir()
	sum := f.extract(t, "/d/copy", 1, dest, extract.Options{})
	if b, err := os.ReadFile(filepath.Join(dest, "copy")); err != nil || string(b) != "f0" || sum.Files != 1 || sum.Bytes != 2 {
		t.Errorf("hardlink copy: %q, %v, %+v", b, err, sum)
	}
	// The layers were read once each, and not at all for what needs none.
	for _, o := range f.opened {
		o.Store(0)
	}
	f.extract(t, "/", 1, t.TempDir(), extract.Options{})
	if a, b := f.opened[0].Load(), f.opened[1].Load(); a != 1 || b != 1 {
		t.Errorf("blobs opened %d/%d times, want 1/1", a, b)
	}
	f.extract(t, "/empty", 1, t.TempDir(), extract.Options{})
	f.extract(t, "/d/up", 1, t.TempDir(), extract.Options{})
	if a, b := f.opened[0].Load(), f.opened[1].Load(); a != 1 || b != 1 {
		t.Errorf("an empty file or a symlink read a blob")
	}
}
