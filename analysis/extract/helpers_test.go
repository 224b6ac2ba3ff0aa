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

// countingLayer counts how often a layer's blob is opened; the hook, if
// set, wraps the blob.
type countingLayer struct {
	v1.Layer
	opened *atomic.Int32
	hook   *func(io.ReadCloser) io.ReadCloser
}

func (c countingLayer) Compressed() (io.ReadCloser, error) {
	c.opened.Add(1)
	rc, err := c.Layer.Compressed()
	if err == nil && *c.hook != nil {
		rc = (*c.hook)(rc)
	}
	return rc, err
}

// countingImage serves its layers as countingLayers, so that the blobs the
// analysis keeps (Result.Blob) count.
type countingImage struct {
	v1.Image
	opened []*atomic.Int32
	hooks  []func(io.ReadCloser) io.ReadCloser
}

func (c *countingImage) Layers() ([]v1.Layer, error) {
	ls, err := c.Image.Layers()
	if err != nil {
		return nil, err
	}
	for i, l := range ls {
		ls[i] = countingLayer{Layer: l, opened: c.opened[i], hook: &c.hooks[i]}
	}
	return ls, nil
}

// HasManifest forwards what the source says (a docker save has none).
func (c *countingImage) HasManifest() bool {
	s, ok := c.Image.(interface{ HasManifest() bool })
	return !ok || s.HasManifest()
}

type fixture struct {
	res    *analysis.Result
	opened []*atomic.Int32                     // blob opens since the analysis
	hooks  []func(io.ReadCloser) io.ReadCloser // set to wrap a layer's blob
}

func analyse(t testing.TB, img v1.Image) *fixture {
	t.Helper()
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	ci := &countingImage{Image: img, hooks: make([]func(io.ReadCloser) io.ReadCloser, len(ls))}
	for range ls {
		ci.opened = append(ci.opened, new(atomic.Int32))
	}
	res, err := analysis.Analyze(context.Background(), ci)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range ci.opened {
		o.Store(0) // what the analysis read
	}
	return &fixture{res: res, opened: ci.opened, hooks: ci.hooks}
}

func image(t testing.TB, layers ...[]synth.Entry) *fixture {
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
	job, err := extract.Prepare(f.res, f.node(t, p), layer)
	if err != nil {
		t.Fatalf("Prepare(%s, %d): %v", p, layer, err)
	}
	sum, err := job.Run(context.Background(), dest, opts)
	if err != nil {
		t.Fatalf("Run(%s, %d): %v (summary %+v)", p, layer, err, sum)
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
			cf, err := content.Locate(f.res, id)
			if err != nil {
				t.Fatal(err)
			}
			rc, err := cf.Open(context.Background())
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
