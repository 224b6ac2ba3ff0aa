package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/synth"
)

type report struct {
	Image  analysis.ImageReport   `json:"image"`
	Layers []analysis.LayerReport `json:"layers"`
	Files  []analysis.FileReport  `json:"files"`
}

// analyzeJSON runs `layerscope --json - --files image`.
func analyzeJSON(t testing.TB, image string, extra ...string) report {
	t.Helper()
	r := runLS(t, append([]string{"--json", "-", "--files", "--quiet", image}, extra...)...)
	if r.code != 0 {
		t.Fatalf("layerscope %s: exit %d\n%s", image, r.code, r.stderr)
	}
	return decodeReport(t, r.stdout)
}

func decodeReport(t testing.TB, s string) report {
	t.Helper()
	var rep report
	if err := json.Unmarshal([]byte(s), &rep); err != nil {
		t.Fatalf("invalid JSON report: %v\n%s", err, s)
	}
	return rep
}

// umociRootfs unpacks ref of an OCI layout with umoci and returns the root
// file system.
func umociRootfs(t testing.TB, dir, ref string) string {
	t.Helper()
	bundle := filepath.Join(t.TempDir(), "bundle")
	sh(t, "umoci", "unpack", "--image", dir+":"+ref, bundle)
	return filepath.Join(bundle, "rootfs")
}

// toOCI copies any skopeo-readable image into a fresh OCI layout.
func toOCI(t testing.TB, src string) (dir, ref string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "oci")
	// gzip: umoci 0.4 does not read zstd layers.
	sh(t, "skopeo", "copy", "--quiet", "--dest-compress-format", "gzip", src, "oci:"+dir+":img")
	return dir, "img"
}

// compareWithRootfs checks our merged file system against an unpacked one,
// path by path: type, size, mode, owner and link target. Hardlinks are
// checked by inode, as umoci keeps them as shared inodes. It returns the
// bytes of the unpacked regular files, each inode counted once.
func compareWithRootfs(t *testing.T, files []analysis.FileReport, rootfs string, ignore func(string) bool) int64 {
	t.Helper()
	type fsEntry struct {
		typ, link  string
		size       int64
		mode       uint32
		uid, gid   uint32
		dev, inode uint64
	}
	real := map[string]fsEntry{}
	err := filepath.WalkDir(rootfs, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, rootfs))
		if p == rootfs || (ignore != nil && ignore(rel)) {
			return nil
		}
		var st syscall.Stat_t
		if err := syscall.Lstat(p, &st); err != nil {
			return err
		}
		e := fsEntry{mode: st.Mode & 0o7777, uid: st.Uid, gid: st.Gid, dev: st.Dev, inode: st.Ino}
		switch st.Mode & syscall.S_IFMT {
		case syscall.S_IFREG:
			e.typ, e.size = "file", st.Size
		case syscall.S_IFDIR:
			e.typ = "dir"
		case syscall.S_IFLNK:
			e.typ = "symlink"
			e.link, _ = os.Readlink(p)
		case syscall.S_IFCHR:
			e.typ = "char"
		case syscall.S_IFBLK:
			e.typ = "block"
		case syscall.S_IFIFO:
			e.typ = "fifo"
		}
		real[rel] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		seen[f.Path] = true
		r, ok := real[f.Path]
		if !ok {
			t.Errorf("%s: in layerscope's tree, not in the unpacked one", f.Path)
			continue
		}
		if f.Type == "hardlink" {
			target, ok := real[f.LinkTarget]
			if r.typ != "file" || !ok || target.inode != r.inode || target.dev != r.dev {
				t.Errorf("%s: hardlink to %s, but the unpacked file is not the same inode", f.Path, f.LinkTarget)
			}
			continue
		}
		got := fmt.Sprintf("%s size=%d mode=%o uid=%d gid=%d link=%q", f.Type, f.Size, f.Mode, f.UID, f.GID, f.LinkTarget)
		want := fmt.Sprintf("%s size=%d mode=%o uid=%d gid=%d link=%q", r.typ, r.size, r.mode, r.uid, r.gid, r.link)
		if f.Layer < 0 {
			// No layer has an entry for this directory: the unpacker
			// picks the mode, so only its existence is compared.
			got, want = f.Type, r.typ
		}
		if got != want {
			t.Errorf("%s:\n  layerscope %s\n  unpacked   %s", f.Path, got, want)
		}
	}
	for p := range real {
		if !seen[p] {
			t.Errorf("%s: in the unpacked tree, missing from layerscope's", p)
		}
	}
	if len(files) == 0 {
		t.Error("layerscope listed no files")
	}
	var total int64
	inodes := map[[2]uint64]bool{}
	for _, e := range real {
		if k := [2]uint64{e.dev, e.inode}; e.typ == "file" && !inodes[k] {
			inodes[k] = true
			total += e.size
		}
	}
	return total
}

// checkVisibleBytes: visibleBytes is exactly what the unpacked file system
// holds.
func checkVisibleBytes(t *testing.T, rep report, unpacked int64) {
	t.Helper()
	if rep.Image.VisibleBytes != unpacked {
		t.Errorf("visibleBytes = %d, the unpacked file system holds %d", rep.Image.VisibleBytes, unpacked)
	}
}

// TestGroundTruthSyntheticCases writes each tricky case as an OCI layout
// and compares layerscope's merged tree with umoci's unpack.
func TestGroundTruthSyntheticCases(t *testing.T) {
	needTool(t, "umoci")
	for _, c := range synth.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			img, err := synth.Image(c.Layers...)
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "oci")
			p, err := layout.Write(dir, empty.Index)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "case"})); err != nil {
				t.Fatal(err)
			}
			rep := analyzeJSON(t, "oci:"+dir+":case")
			checkVisibleBytes(t, rep, compareWithRootfs(t, rep.Files, umociRootfs(t, dir, "case"), nil))
		})
	}
}

// fixtureImages are the committed fixtures, each the same image
// "layerscope-fixture:basic" in another format.
var fixtureImages = []string{
	"basic.docker.tar",
	"basic.oci",
	"basic.oci.tar",
	"basic-zstd.oci",
	"basic.docker25.tar",
	"basic.kaniko.tar",
	"multi.docker.tar:layerscope-fixture:basic",
}

// TestGroundTruthFixtures compares every committed fixture built by Docker
// with umoci's unpack of the same image.
func TestGroundTruthFixtures(t *testing.T) {
	needTool(t, "umoci", "skopeo")
	for _, name := range append(fixtureImages, "basic-buildkit.docker.tar") {
		t.Run(name, func(t *testing.T) {
			path, _, _ := strings.Cut(name, ":")
			src := "docker-archive:" + testdata("fixtures", path)
			switch {
			case strings.HasSuffix(path, ".oci"):
				src = "oci:" + testdata("fixtures", path) + ":basic"
			case strings.HasSuffix(path, ".oci.tar"):
				src = "oci-archive:" + testdata("fixtures", path) + ":basic"
			case strings.HasPrefix(path, "multi"):
				src += ":layerscope-fixture:basic"
			}
			dir, ref := toOCI(t, src)
			rep := analyzeJSON(t, testdata("fixtures", name))
			checkVisibleBytes(t, rep, compareWithRootfs(t, rep.Files, umociRootfs(t, dir, ref), nil))
		})
	}
}

// TestSameImageEverySource: every format of the basic fixture yields the
// same layers, metrics and merged tree.
func TestSameImageEverySource(t *testing.T) {
	base := analyzeJSON(t, testdata("fixtures", fixtureImages[0]))
	for _, name := range fixtureImages[1:] {
		rep := analyzeJSON(t, testdata("fixtures", name))
		if got, want := summary(rep), summary(base); got != want {
			t.Errorf("%s differs from %s:\n%s\nwant:\n%s", name, fixtureImages[0], got, want)
		}
	}
}

// summary is everything that must not depend on the image's format.
func summary(r report) string {
	var b strings.Builder
	i := r.Image
	fmt.Fprintf(&b, "size=%d visible=%d wasted=%d user=%d platform=%s wastedFiles=%d\n", i.SizeBytes, i.VisibleBytes, i.WastedBytes, i.UserSizeBytes, i.Platform, len(i.Wasted))
	for _, l := range r.Layers {
		fmt.Fprintf(&b, "layer %d %s %q size=%d +%d ~%d -%d wasted=%d\n", l.Index, l.DiffID, l.Command, l.SizeBytes, l.Added, l.Modified, l.Removed, l.WastedBytes)
	}
	for _, f := range r.Files {
		fmt.Fprintf(&b, "%+v\n", f)
	}
	return b.String()
}
