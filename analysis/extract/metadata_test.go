//go:build unix

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
