package extract_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/content"
	"github.com/layerscope/layerscope/analysis/extract"
	"github.com/layerscope/layerscope/analysis/synth"
	"github.com/layerscope/layerscope/tree"
)

// countingLayer counts how often a layer's blob is opened; hook, if set,
// wraps the blob.
type countingLayer struct {
	v1.Layer
	opened *atomic.Int32
	hook   func(io.ReadCloser) io.ReadCloser
}

func (c countingLayer) Compressed() (io.ReadCloser, error) {
	c.opened.Add(1)
	rc, err := c.Layer.Compressed()
	if err == nil && c.hook != nil {
		rc = c.hook(rc)
	}
	return rc, err
}

type fixture struct {
	res    *analysis.Result
	layers []v1.Layer
	opened []*atomic.Int32
}

func analyse(t *testing.T, img v1.Image) *fixture {
	t.Helper()
	res, err := analysis.Analyze(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{res: res, layers: ls}
	for i, l := range ls {
		f.opened = append(f.opened, new(atomic.Int32))
		ls[i] = countingLayer{Layer: l, opened: f.opened[i]}
	}
	return f
}

func image(t *testing.T, layers ...[]synth.Entry) *fixture {
	t.Helper()
	img, err := synth.Image(layers...)
	if err != nil {
		t.Fatal(err)
	}
	return analyse(t, img)
}

func (f *fixture) node(t *testing.T, p string) tree.NodeID {
	t.Helper()
	n, ok := f.res.FS.Lookup(p)
	if !ok {
		t.Fatalf("no node %s", p)
	}
	return n
}

func (f *fixture) extract(t *testing.T, p string, layer int, dest string, opts extract.Options) extract.Summary {
	t.Helper()
	sum, err := extract.Extract(context.Background(), f.res, f.layers, f.node(t, p), layer, dest, opts)
	if err != nil {
		t.Fatalf("Extract(%s, %d): %v (summary %+v)", p, layer, err, sum)
	}
	return sum
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// listing describes what is below dir, without following symlinks:
// "path TYPE MODE sha256-or-target".
func listing(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		line := filepath.ToSlash(rel) + " " + fi.Mode().Perm().String()
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			line = filepath.ToSlash(rel) + " symlink " + target
		case fi.IsDir():
			line += " dir"
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			line += " " + sha(b)
		default:
			line += " " + fi.Mode().Type().String()
		}
		out = append(out, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// treeListing is what the analysis says is visible at and below n after
// layer, in the form of listing, with file contents from content.Open.
func (f *fixture) treeListing(t *testing.T, n tree.NodeID, layer int, rel string) []string {
	t.Helper()
	fsys := f.res.FS
	var out []string
	id := fsys.VisibleAt(n, layer)
	isDir := id == tree.NoEntry || fsys.Entry(id).Type == tree.TypeDir
	if rel != "" {
		switch {
		case id == tree.NoEntry:
			out = append(out, rel+" -rwxr-xr-x dir")
		case isDir:
			out = append(out, rel+" "+fs.FileMode(fsys.Entry(id).Mode&0o777).String()+" dir")
		case fsys.Entry(id).Type == tree.TypeSymlink:
			out = append(out, rel+" symlink "+fsys.LinkTarget(fsys.Entry(id)))
		default: // files and hardlinks: content.Open follows the latter
			rc, _, err := content.Open(context.Background(), f.res, f.layers, id)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			src, _ := content.Resolve(fsys, id)
			out = append(out, rel+" "+fs.FileMode(fsys.Entry(src).Mode&0o777).String()+" "+sha(b))
		}
	}
	if isDir {
		fsys.Children(n, func(c tree.NodeID) bool {
			if fsys.LiveAt(c, layer) {
				out = append(out, f.treeListing(t, c, layer, strings.TrimPrefix(rel+"/"+fsys.Name(c), "/"))...)
			}
			return true
		})
	}
	slices.Sort(out)
	return out
}

// onlyDest fails unless parent holds nothing but dest.
func onlyDest(t *testing.T, parent, dest string) {
	t.Helper()
	ents, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || ents[0].Name() != filepath.Base(dest) {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("%s holds %q, want only %s", parent, names, filepath.Base(dest))
	}
}

func diff(t *testing.T, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("extracted:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// groundTruth is umoci's unpack of the basic image below prefix, in the
// form of listing.
func groundTruth(t *testing.T, prefix string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "fixtures", "expected", "basic.rootfs.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for line := range strings.Lines(string(b)) {
		// TYPE MODE UID:GID SIZE LINKS SHA256-OR-TARGET PATH
		f := strings.SplitN(strings.TrimSuffix(line, "\n"), " ", 7)
		rel := f[6]
		if rel != prefix && !strings.HasPrefix(rel, prefix+"/") {
			continue
		}
		var mode uint32
		for _, c := range f[1] {
			mode = mode<<3 | uint32(c-'0')
		}
		perm := fs.FileMode(mode & 0o777).String()
		switch f[0] {
		case "d":
			out = append(out, rel+" "+perm+" dir")
		case "l":
			out = append(out, rel+" symlink "+f[5])
		default:
			out = append(out, rel+" "+perm+" "+f[5])
		}
	}
	slices.Sort(out)
	return out
}
