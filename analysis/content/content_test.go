package content_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/compression"
	"github.com/layerscope/layerscope/analysis/content"
	"github.com/layerscope/layerscope/analysis/source"
	"github.com/layerscope/layerscope/analysis/synth"
	"github.com/layerscope/layerscope/tree"
)

// countingLayer counts how often a layer's blob is opened.
type countingLayer struct {
	v1.Layer
	opened *atomic.Int32
}

func (c countingLayer) Compressed() (io.ReadCloser, error) {
	c.opened.Add(1)
	return c.Layer.Compressed()
}

// countingImage serves its layers as countingLayers, so that what the
// analysis keeps (Result.Blob) counts too.
type countingImage struct {
	v1.Image
	counts []*atomic.Int32
}

func (c countingImage) Layers() ([]v1.Layer, error) {
	ls, err := c.Image.Layers()
	if err != nil {
		return nil, err
	}
	for i, l := range ls {
		ls[i] = countingLayer{l, c.counts[i]}
	}
	return ls, nil
}

// HasManifest forwards what the source says (a docker save has none).
func (c countingImage) HasManifest() bool {
	s, ok := c.Image.(interface{ HasManifest() bool })
	return !ok || s.HasManifest()
}

// image analyses a synthetic image; the counts say how often each layer's
// blob was opened after the analysis.
func image(t *testing.T, layers ...[]synth.Entry) (*analysis.Result, []*atomic.Int32) {
	t.Helper()
	img, err := synth.Image(layers...)
	if err != nil {
		t.Fatal(err)
	}
	return analyse(t, img)
}

func analyse(t *testing.T, img v1.Image) (*analysis.Result, []*atomic.Int32) {
	t.Helper()
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]*atomic.Int32, len(ls))
	for i := range counts {
		counts[i] = new(atomic.Int32)
	}
	res, err := analysis.Analyze(context.Background(), countingImage{img, counts})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range counts {
		c.Store(0) // what the analysis itself read
	}
	return res, counts
}

// history returns the entries at path p, oldest first.
func history(t *testing.T, fs *tree.FS, p string) []tree.EntryID {
	t.Helper()
	n, ok := fs.Lookup(p)
	if !ok {
		t.Fatalf("no node %s", p)
	}
	var ids []tree.EntryID
	fs.History(n, func(id tree.EntryID, _ *tree.Entry) bool {
		ids = append([]tree.EntryID{id}, ids...)
		return true
	})
	return ids
}

func read(t *testing.T, res *analysis.Result, id tree.EntryID) string {
	t.Helper()
	f, err := content.Locate(res, id)
	if err != nil {
		t.Fatalf("Locate(%s): %v", res.FS.Path(res.FS.Entry(id).Node), err)
	}
	return readFile(t, f)
}

func readFile(t *testing.T, f *content.File) string {
	t.Helper()
	rc, err := f.Open(context.Background())
	if err != nil {
		t.Fatalf("Open(%s): %v", f.Path, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(b)) != f.Size {
		t.Errorf("read %d bytes, Locate said %d", len(b), f.Size)
	}
	return string(b)
}

func TestOpenOverwrittenAndLayersRead(t *testing.T) {
	res, opened := image(t,
		[]synth.Entry{synth.Dir("etc/"), synth.File("etc/a", "old a"), synth.File("keep", "kept")},
		[]synth.Entry{synth.File("other", "x")},
		[]synth.Entry{synth.File("etc/a", "new content of a")})
	ids := history(t, res.FS, "etc/a")
	if len(ids) != 2 {
		t.Fatalf("etc/a has %d entries", len(ids))
	}
	if got := read(t, res, ids[0]); got != "old a" {
		t.Errorf("layer 0 entry: %q", got)
	}
	if got := read(t, res, ids[1]); got != "new content of a" {
		t.Errorf("layer 2 entry: %q", got)
	}
	if got := read(t, res, history(t, res.FS, "keep")[0]); got != "kept" {
		t.Errorf("keep: %q", got)
	}
	if n0, n1, n2 := opened[0].Load(), opened[1].Load(), opened[2].Load(); n0 != 2 || n1 != 0 || n2 != 1 {
		t.Errorf("blobs opened %d/%d/%d times, want 2/0/1", n0, n1, n2)
	}
}

func TestOpenDuplicatesInOneLayer(t *testing.T) {
	res, _ := image(t, []synth.Entry{
		synth.File("f", "first"), synth.File("./g", "g"), synth.File("/f", "second"),
		synth.Whiteout("f"), synth.File("x/../f", "third")})
	ids := history(t, res.FS, "f")
	var got []string
	for _, id := range ids {
		if !res.FS.Entry(id).Type.IsMarker() {
			got = append(got, read(t, res, id))
		}
	}
	if strings.Join(got, ",") != "first,second,third" {
		t.Errorf("occurrences read as %q", got)
	}
}

func TestOpenHardlinks(t *testing.T) {
	res, opened := image(t,
		[]synth.Entry{synth.File("t", "lower target"), synth.File("u", "u0")},
		[]synth.Entry{synth.Hardlink("h", "t"), synth.File("u", "u1"), synth.Hardlink("hu", "u"),
			synth.File("u", "u2, after the link"), synth.Hardlink("hh", "hu")})
	for p, want := range map[string]string{"h": "lower target", "hu": "u1", "hh": "u1"} {
		if got := read(t, res, history(t, res.FS, p)[0]); got != want {
			t.Errorf("%s: %q, want %q", p, got, want)
		}
	}
	if opened[0].Load() != 1 || opened[1].Load() != 2 {
		t.Errorf("blobs opened %d/%d times, want 1/2", opened[0].Load(), opened[1].Load())
	}
}

func TestOpenDanglingHardlinks(t *testing.T) {
	res, _ := image(t,
		[]synth.Entry{synth.File("t", "t"), synth.Dir("d/"), synth.File("d/f", "f")},
		[]synth.Entry{synth.Whiteout("t"), synth.Hardlink("h", "t"), synth.Hardlink("escape", "../../etc/passwd"),
			synth.File("d", "d is a file now"), synth.Hardlink("hd", "d/f"), synth.Hardlink("self", "self")})
	for _, p := range []string{"h", "escape", "hd", "self"} {
		_, err := content.Locate(res, history(t, res.FS, p)[0])
		if !errors.Is(err, content.ErrDangling) {
			t.Errorf("%s: err = %v, want ErrDangling", p, err)
		}
	}
}

func TestOpenNonRegular(t *testing.T) {
	res, opened := image(t, []synth.Entry{synth.Dir("d/"), synth.Symlink("s", "d"),
		{Name: "fifo", Type: '6'}, synth.Hardlink("hs", "s"), synth.Whiteout("gone")})
	for _, p := range []string{"d", "s", "fifo", "hs", "gone"} {
		_, err := content.Locate(res, history(t, res.FS, p)[0])
		if !errors.Is(err, content.ErrNotRegular) || !strings.Contains(err.Error(), "/"+p) {
			t.Errorf("%s: err = %v, want ErrNotRegular naming it", p, err)
		}
	}
	if opened[0].Load() != 0 {
		t.Errorf("the blob was opened for entries without content")
	}
}

func TestOpenBigFileReadsOneLayer(t *testing.T) {
	big := make([]byte, 6<<20)
	for i := range big {
		big[i] = byte(i*7 + i>>12)
	}
	res, opened := image(t,
		[]synth.Entry{synth.File("before", strings.Repeat("b", 1<<20))},
		[]synth.Entry{synth.File("a", "small"), synth.File("big", string(big)), synth.File("z", "after")},
		[]synth.Entry{synth.File("after", strings.Repeat("c", 1<<20))})
	f, err := content.Locate(res, history(t, res.FS, "big")[0])
	if err != nil {
		t.Fatal(err)
	}
	size := f.Size
	rc, err := f.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(bufio.NewReaderSize(rc, 4096))
	if err != nil {
		t.Fatal(err)
	}
	if err := rc.Close(); err != nil {
		t.Fatal(err)
	}
	if size != int64(len(big)) || sha(got) != sha(big) {
		t.Errorf("big file: %d bytes (size %d), want %d and the same bytes", len(got), size, len(big))
	}
	if opened[0].Load() != 0 || opened[1].Load() != 1 || opened[2].Load() != 0 {
		t.Errorf("blobs opened %d/%d/%d times, want 0/1/0", opened[0].Load(), opened[1].Load(), opened[2].Load())
	}
}

func TestOpenCancelled(t *testing.T) {
	res, _ := image(t, []synth.Entry{synth.File("big", strings.Repeat("x", 4<<20))})
	ctx, cancel := context.WithCancel(context.Background())
	f, err := content.Locate(res, history(t, res.FS, "big")[0])
	if err != nil {
		t.Fatal(err)
	}
	rc, err := f.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	cancel()
	if _, err := io.Copy(io.Discard, rc); !errors.Is(err, context.Canceled) {
		t.Errorf("read after cancel: %v", err)
	}
}

func TestMembersRejectsMixedLayers(t *testing.T) {
	res, _ := image(t, []synth.Entry{synth.File("a", "a")}, []synth.Entry{synth.File("b", "b")})
	ids := []tree.EntryID{history(t, res.FS, "a")[0], history(t, res.FS, "b")[0]}
	if _, err := content.Members(res.FS, ids); err == nil || !strings.Contains(err.Error(), "/b") {
		t.Errorf("err = %v, want one naming /b", err)
	}
}

func sha[T string | []byte](b T) string {
	h := sha256.Sum256([]byte(b))
	return hex.EncodeToString(h[:])
}

// rootfs reads the ground truth listing: path -> sha256 of regular files.
func rootfs(t *testing.T, name string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "fixtures", "expected", name))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for line := range strings.Lines(string(b)) {
		// TYPE MODE UID:GID SIZE LINKS SHA256-OR-TARGET PATH
		f := strings.SplitN(strings.TrimSuffix(line, "\n"), " ", 7)
		if len(f) == 7 && f[0] == "-" {
			out[f[6]] = f[5]
		}
	}
	return out
}

// TestFixtures reads every file of the final file system of the basic
// image, stored uncompressed, gzip and zstd, and checks it against umoci's
// unpack; and a shadowed file of a lower layer.
func TestFixtures(t *testing.T) {
	want := rootfs(t, "basic.rootfs.txt")
	for _, tc := range []struct {
		file string
		kind compression.Kind
	}{{"basic.docker.tar", compression.None}, {"basic.oci", compression.Gzip}, {"basic-zstd.oci", compression.Zstd}} {
		t.Run(tc.file, func(t *testing.T) {
			img, err := source.Open(context.Background(), filepath.Join("..", "..", "testdata", "fixtures", tc.file), source.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer img.Close()
			res, _ := analyse(t, img)
			if k := res.Layers[0].Compression; k != tc.kind {
				t.Fatalf("layer 0 is %s, want %s", k, tc.kind)
			}
			seen := 0
			res.FS.WalkMerged(func(n tree.NodeID, id tree.EntryID) {
				p := strings.TrimPrefix(res.FS.Path(n), "/")
				if want[p] == "" {
					return
				}
				seen++
				if got := sha(read(t, res, id)); got != want[p] {
					t.Errorf("%s: sha256 %s, want %s", p, got, want[p])
				}
			})
			if seen != len(want) {
				t.Errorf("read %d files, the ground truth has %d", seen, len(want))
			}
			old := history(t, res.FS, "blobs/big-overwritten.bin")[0]
			if got := read(t, res, old); len(got) != 65536 {
				t.Errorf("the shadowed big-overwritten.bin of layer 3 has %d bytes, want 65536", len(got))
			}
		})
	}
}

// TestFileHoldsNoTree reads located files on another goroutine while the
// tree they came from changes and is replaced: under -race, any read of
// the tree by File.Open is reported.
func TestFileHoldsNoTree(t *testing.T) {
	res, _ := image(t, []synth.Entry{synth.File("a", "bytes of a"), synth.File("b", strings.Repeat("b", 1<<20))},
		[]synth.Entry{synth.Hardlink("h", "a")})
	var files []*content.File
	for _, p := range []string{"a", "b", "h"} {
		f, err := content.Locate(res, history(t, res.FS, p)[0])
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	got := make(chan string)
	go func() {
		for _, f := range files {
			rc, err := f.Open(context.Background())
			if err != nil {
				got <- err.Error()
				continue
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				got <- err.Error()
				continue
			}
			got <- f.Path + "=" + sha(b)
		}
	}()
	old := res.FS
	for i := range 1000 { // change the old tree while it is read, then drop it
		old.Node(fmt.Sprintf("/new/%d", i))
	}
	res.FS = tree.NewFS()
	want := []string{"/a=" + sha("bytes of a"), "/b=" + sha(strings.Repeat("b", 1<<20)), "/h=" + sha("bytes of a")}
	for _, w := range want {
		if g := <-got; g != w {
			t.Errorf("read %s, want %s", g, w)
		}
	}
	if files[2].Layer != 0 || files[2].Size != 10 {
		t.Errorf("the hardlink's bytes: layer %d, %d bytes; want layer 0, 10 bytes", files[2].Layer, files[2].Size)
	}
}
