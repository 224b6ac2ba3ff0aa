package extract_test

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/layerscope/layerscope/analysis/extract"
	"github.com/layerscope/layerscope/analysis/synth"
	"github.com/layerscope/layerscope/tree"
)

func TestExtractEscapes(t *testing.T) {
	outside := t.TempDir()
	victim := filepath.Join(outside, "victim")
	if err := os.WriteFile(victim, []byte("orig"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := image(t,
		[]synth.Entry{synth.File("/abs", "abs"), synth.File("../../up", "up"), synth.File("a/../../../b", "b"),
			synth.Symlink("evil", outside), synth.Symlink("evil2", "../../.."), synth.Symlink("v", victim),
			synth.Hardlink("hl", "../../etc/passwd"), synth.Dir("etc/"), synth.File("etc/shadow", "image's own"),
			synth.Hardlink("hl2", "../../../etc/shadow"),
			{Name: "dev/null", Type: tar.TypeChar}, {Name: "fifo", Type: tar.TypeFifo}},
		[]synth.Entry{synth.File("evil/x", "pwned"), synth.File("evil2/y", "pwned"), synth.File("evil2/../evil/z", "pwned")})
	check := func(parent, dest string) {
		t.Helper()
		onlyDest(t, parent, dest)
		if got := listing(t, outside); !slices.Equal(got, []string{"victim -rw-r--r-- " + sha([]byte("orig"))}) {
			t.Errorf("outside was changed: %q", got)
		}
	}

	parent := t.TempDir()
	dest := filepath.Join(parent, "dest")
	sum := f.extract(t, "/", 0, dest, extract.Options{})
	check(parent, dest)
	got := strings.Join(listing(t, dest), "\n")
	for _, want := range []string{"abs -rw-r--r--", "up -rw-r--r--", "b -rw-r--r--", "evil symlink " + outside,
		"evil2 symlink ../../..", "v symlink " + victim, "hl2 -rw-r--r-- " + sha([]byte("image's own"))} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if sum.Skipped != 3 || len(sum.Warnings) != 3 || !strings.Contains(strings.Join(sum.Warnings, "\n"), "/hl -> /etc/passwd") {
		t.Errorf("want the dangling hardlink, the device and the fifo skipped with warnings: %+v", sum)
	}

	// Layer 1 on a fresh destination: the symlinks became directories.
	parent = t.TempDir()
	dest = filepath.Join(parent, "dest")
	f.extract(t, "/", 1, dest, extract.Options{})
	check(parent, dest)
	if b, err := os.ReadFile(filepath.Join(dest, "evil", "z")); err != nil || string(b) != "pwned" {
		t.Errorf("evil/z: %q, %v", b, err)
	}

	// Layer 1 over layer 0: the symlinks to outside are in the way.
	parent = t.TempDir()
	dest = filepath.Join(parent, "dest")
	f.extract(t, "/", 0, dest, extract.Options{})
	sum = f.extract(t, "/", 1, dest, extract.Options{})
	check(parent, dest)
	if fi, err := os.Lstat(filepath.Join(dest, "evil")); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("evil was replaced without Overwrite: %v", err)
	}
	if !strings.Contains(strings.Join(sum.Warnings, "\n"), filepath.Join(dest, "evil")+" exists and is not a directory") {
		t.Errorf("warnings %q", sum.Warnings)
	}
	// With Overwrite the symlinks go, and what they pointed to stays.
	sum = f.extract(t, "/", 1, dest, extract.Options{Overwrite: true})
	check(parent, dest)
	if fi, err := os.Lstat(filepath.Join(dest, "evil")); err != nil || !fi.IsDir() {
		t.Errorf("evil is not a directory: %v", err)
	}
}

func TestExtractExistingFiles(t *testing.T) {
	outside := t.TempDir()
	victim := filepath.Join(outside, "victim")
	f := image(t, []synth.Entry{synth.Dir("d/"), synth.File("d/a", "new a"), synth.File("d/b", "new b"),
		synth.File("d/c", "new c"), synth.File("d/sub", "a file now"), synth.Symlink("d/s", "new")})
	dest := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	setup := func() {
		must(os.RemoveAll(filepath.Join(dest, "d")))
		must(os.WriteFile(victim, []byte("orig"), 0o644))
		must(os.MkdirAll(filepath.Join(dest, "d", "sub"), 0o755))
		must(os.WriteFile(filepath.Join(dest, "d", "a"), []byte("mine"), 0o644))
		must(os.Link(victim, filepath.Join(dest, "d", "b")))    // a hardlink to a file outside
		must(os.Symlink(victim, filepath.Join(dest, "d", "c"))) // a symlink to it
		must(os.Symlink("old", filepath.Join(dest, "d", "s")))
	}
	read := func(p string) string {
		b, _ := os.ReadFile(filepath.Join(dest, p))
		return string(b)
	}
	setup()
	sum := f.extract(t, "/d", 0, dest, extract.Options{})
	if read("d/a") != "mine" || read("d/b") != "orig" || read("d/c") != "orig" {
		t.Errorf("existing files were overwritten")
	}
	if sum.Skipped != 5 || sum.Files != 0 || len(sum.Warnings) != 5 || !strings.Contains(strings.Join(sum.Warnings, "\n"), filepath.Join(dest, "d", "a")+" exists") {
		t.Errorf("summary %+v", sum)
	}

	setup()
	sum = f.extract(t, "/d", 0, dest, extract.Options{Overwrite: true})
	if read("d/a") != "new a" || read("d/b") != "new b" || read("d/c") != "new c" {
		t.Errorf("files not replaced: %q %q %q", read("d/a"), read("d/b"), read("d/c"))
	}
	if l, _ := os.Readlink(filepath.Join(dest, "d", "s")); l != "new" {
		t.Errorf("symlink not replaced: %q", l)
	}
	if b, _ := os.ReadFile(victim); string(b) != "orig" {
		t.Errorf("written through a link to outside: the victim holds %q", b)
	}
	if fi, err := os.Stat(filepath.Join(dest, "d", "sub")); err != nil || !fi.IsDir() || sum.Skipped != 1 {
		t.Errorf("a directory was replaced by a file (%v), or not skipped: %+v", err, sum)
	}
}

func TestExtractCancelled(t *testing.T) {
	big := make([]byte, 4<<20)
	rng := rand.NewChaCha8([32]byte{1})
	rng.Read(big)
	f := image(t, []synth.Entry{synth.File("small", "s")}, []synth.Entry{synth.File("big", string(big))})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dest := t.TempDir()
	job, err := extract.Prepare(f.res, tree.Root, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := job.Run(ctx, dest, extract.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	// Cancelled while copying: no half-written file stays.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	f.hooks[1] = func(rc io.ReadCloser) io.ReadCloser { return &cancelAfter{rc, 1 << 20, cancel} }
	dest = t.TempDir()
	sum, err := job.Run(ctx, dest, extract.Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if _, err := os.Lstat(filepath.Join(dest, "big")); !errors.Is(err, fs.ErrNotExist) || sum.Files != 1 {
		t.Errorf("after cancelling: big %v, summary %+v", err, sum)
	}
}

// cancelAfter cancels once n bytes were read.
type cancelAfter struct {
	io.ReadCloser
	n      int
	cancel func()
}

func (c *cancelAfter) Read(b []byte) (int, error) {
	n, err := c.ReadCloser.Read(b)
	if c.n -= n; c.n <= 0 {
		c.cancel()
	}
	return n, err
}
