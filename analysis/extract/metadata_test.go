package extract_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/layerscope/layerscope/analysis/extract"
	"github.com/layerscope/layerscope/analysis/source"
	"github.com/layerscope/layerscope/analysis/synth"
	"github.com/layerscope/layerscope/tree"
)

func basicFixture(t *testing.T) *fixture {
	t.Helper()
	img, err := source.Open(context.Background(), filepath.Join("..", "..", "testdata", "fixtures", "basic.docker.tar"), source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { img.Close() })
	return analyse(t, img)
}

// meta is what an extracted path keeps: "path mtime uid:gid links".
func meta(t *testing.T, dir string, owners bool) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		rel, _ := filepath.Rel(dir, p)
		line := fmt.Sprint(fi.ModTime().Unix())
		if owners {
			line += fmt.Sprintf(" %d:%d", st.Uid, st.Gid)
		}
		if fi.Mode().IsRegular() {
			line += fmt.Sprintf(" links %d", st.Nlink)
		}
		out[filepath.ToSlash(rel)] = line
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestExtractKeepsMetadata: every extracted path has its tar header's
// modification time, its owner when run as root, and the two names of
// hl-a.txt are one file.
func TestExtractKeepsMetadata(t *testing.T) {
	f := basicFixture(t)
	fsys := f.res.FS
	last := fsys.NumLayers() - 1
	dest := filepath.Join(t.TempDir(), "out")
	sum := f.extract(t, "/data", last, dest, extract.Options{})
	if sum.Hardlinks != 2 || len(sum.Warnings) != 0 { // hl-b.txt, and hardlink-to-lower.txt (layer 12 lists both names)
		t.Errorf("summary %+v", sum)
	}
	root := os.Geteuid() == 0
	got := meta(t, filepath.Join(dest, "data"), root)
	n := 0
	for rel, line := range got {
		p := "/data"
		if rel != "." {
			p += "/" + rel
		}
		node, ok := fsys.Lookup(p)
		if !ok {
			t.Errorf("%s extracted but not in the image", p)
			continue
		}
		id := fsys.VisibleAt(node, last)
		if id == tree.NoEntry {
			continue // a directory implied by its contents
		}
		e := fsys.Entry(id)
		if e.Type == tree.TypeHardlink {
			continue // the metadata of its target, checked there
		}
		mtime := fmt.Sprint(e.ModTime)
		if !strings.HasPrefix(line, mtime) {
			t.Errorf("%s: %s, want mtime %s", p, line, mtime)
		}
		if root && !strings.Contains(line, fmt.Sprintf(" %d:%d", e.UID, e.GID)) {
			t.Errorf("%s: %s, want owner %d:%d", p, line, e.UID, e.GID)
		}
		n++
	}
	if n < 15 {
		t.Errorf("only %d paths checked", n)
	}
	if root && !strings.Contains(got["chown-me.txt"], " 1000:1000") {
		t.Errorf("chown-me.txt: %s", got["chown-me.txt"])
	}
	a, errA := os.Stat(filepath.Join(dest, "data", "hl-a.txt"))
	b, errB := os.Stat(filepath.Join(dest, "data", "hl-b.txt"))
	if errA != nil || errB != nil || !os.SameFile(a, b) {
		t.Errorf("hl-a.txt and hl-b.txt are not one file: %v %v", errA, errB)
	}
}

// TestExtractMatchesUmoci: what umoci unpack (a real unpacker, run as
// root) makes of /data has the same times, owners and hardlink counts as
// the extraction.
func TestExtractMatchesUmoci(t *testing.T) {
	if _, err := exec.LookPath("umoci"); err != nil {
		skipOutsideCI(t, "umoci (apt-get install umoci)")
	}
	if os.Geteuid() != 0 {
		skipOutsideCI(t, "root, for umoci unpack to keep owners")
	}
	layout := filepath.Join(t.TempDir(), "layout")
	if out, err := exec.Command("cp", "-a", filepath.Join("..", "..", "testdata", "fixtures", "basic.oci"), layout).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
	bundle := filepath.Join(t.TempDir(), "bundle")
	if out, err := exec.Command("umoci", "unpack", "--image", layout+":basic", bundle).CombinedOutput(); err != nil {
		t.Fatalf("umoci unpack: %v\n%s", err, out)
	}
	want := meta(t, filepath.Join(bundle, "rootfs", "data"), true)

	f := basicFixture(t)
	dest := filepath.Join(t.TempDir(), "out")
	f.extract(t, "/data", f.res.FS.NumLayers()-1, dest, extract.Options{})
	got := meta(t, filepath.Join(dest, "data"), true)
	if len(got) != len(want) {
		t.Errorf("%d paths extracted, umoci has %d", len(got), len(want))
	}
	for p, w := range want {
		if p == "." {
			continue // WORKDIR: umoci leaves the directory's time to the run
		}
		if got[p] != w {
			t.Errorf("%s: extracted %q, umoci %q", p, got[p], w)
		}
	}
}

func skipOutsideCI(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required in CI", what)
	}
	t.Skipf("needs %s", what)
}

// TestDestinationHome: "~" and "~/x" are in the home directory; a run
// given "~/x" writes there and makes no "./~".
func TestDestinationHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	for in, want := range map[string]string{
		"~": home, "~/x": filepath.Join(home, "x"), "~/a/../b": filepath.Join(home, "b"),
		"x/~": "x/~", "~user/x": "~user/x", "./~": "./~", "/abs": "/abs",
	} {
		if got, err := extract.Destination(in); err != nil || got != want {
			t.Errorf("Destination(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	f := image(t, []synth.Entry{synth.File("f", "hello")})
	wd := t.TempDir()
	t.Chdir(wd)
	f.extract(t, "/f", 0, "~/out", extract.Options{})
	if b, err := os.ReadFile(filepath.Join(home, "out", "f")); err != nil || string(b) != "hello" {
		t.Errorf("~/out/f: %q, %v", b, err)
	}
	if _, err := os.Lstat(filepath.Join(wd, "~")); err == nil {
		t.Errorf("a literal ./~ was made")
	}
}

// TestCheckRemoved: a removed path is refused at once, naming the layer
// that removed it, by Check and by Prepare.
func TestCheckRemoved(t *testing.T) {
	f := image(t,
		[]synth.Entry{synth.Dir("d/"), synth.File("d/f", "1"), synth.File("g", "2")},
		[]synth.Entry{synth.Whiteout("g")},
		[]synth.Entry{synth.Whiteout("d")},
		[]synth.Entry{synth.File("h", "3")},
	)
	for _, c := range []struct {
		path  string
		layer int
		want  string
	}{
		{"/g", 0, ""},
		{"/g", 1, "/g cannot be extracted: layer 1 removed it"},
		{"/g", 3, "/g cannot be extracted: layer 1 removed it"},
		{"/d/f", 1, ""},
		{"/d/f", 2, "/d/f cannot be extracted: layer 2 removed it"},
		{"/d", 3, "/d cannot be extracted: layer 2 removed it"},
		{"/h", 2, "/h cannot be extracted: it is not in the file system after layer 2"},
	} {
		n := f.node(t, c.path)
		err := extract.Check(f.res, n, c.layer)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("Check(%s, %d) = %q, want %q", c.path, c.layer, got, c.want)
		}
		if _, err := extract.Prepare(f.res, n, c.layer); (err == nil) != (c.want == "") {
			t.Errorf("Prepare(%s, %d): %v", c.path, c.layer, err)
		}
	}
}
