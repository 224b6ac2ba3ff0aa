package analysis_test

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"sync/atomic"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/synth"
)

// opened counts how often each layer's blob is opened.
type opened struct {
	v1.Image
	counts []atomic.Int32
}

type openedLayer struct {
	v1.Layer
	n *atomic.Int32
}

func (l openedLayer) Compressed() (io.ReadCloser, error) {
	l.n.Add(1)
	return l.Layer.Compressed()
}

func (o *opened) Layers() ([]v1.Layer, error) {
	ls, err := o.Image.Layers()
	for i := range ls {
		ls[i] = openedLayer{ls[i], &o.counts[i]}
	}
	return ls, err
}

func countOpens(t *testing.T, layers ...[]synth.Entry) *opened {
	t.Helper()
	img, err := synth.Image(layers...)
	if err != nil {
		t.Fatal(err)
	}
	return &opened{Image: img, counts: make([]atomic.Int32, len(layers))}
}

func files(t *testing.T, r *analysis.Result) string {
	t.Helper()
	var out string
	if err := r.Files(func(f analysis.FileReport) error { out += fmt.Sprintf("%+v\n", f); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestReadPairSharesLayers: the layers both images have are read once,
// from the first; the second's result is what its own analysis gives.
func TestReadPairSharesLayers(t *testing.T) {
	base := [][]synth.Entry{{synth.Dir("etc/"), synth.File("etc/a", "aaaa")}, {synth.File("etc/b", "bb")}}
	oldImg := countOpens(t, base[0], base[1], []synth.Entry{synth.File("old", "o")})
	newImg := countOpens(t, base[0], base[1], []synth.Entry{synth.File("new", "n"), synth.Whiteout("etc/a")}, []synth.Entry{synth.File("etc/b", "BB")})
	a, err := analysis.Plan(oldImg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := analysis.Plan(newImg)
	if err != nil {
		t.Fatal(err)
	}
	shared, err := analysis.ReadPair(context.Background(), a, b)
	if err != nil || shared != 2 || analysis.SharedLayers(a, b) != 2 {
		t.Fatalf("ReadPair: %d shared, %v", shared, err)
	}
	for i := range oldImg.counts {
		if n := oldImg.counts[i].Load(); n != 1 {
			t.Errorf("old layer %d opened %d times, want 1", i, n)
		}
	}
	for i, want := range []int32{0, 0, 1, 1} {
		if n := newImg.counts[i].Load(); n != want {
			t.Errorf("new layer %d opened %d times, want %d", i, n, want)
		}
	}
	if !a.SameSeed(b) {
		t.Error("the two results have different content seeds")
	}
	alone, err := analysis.Analyze(context.Background(), newImg.Image)
	if err != nil {
		t.Fatal(err)
	}
	if analysis.ReadTogether(a, b) != 2 || analysis.ReadTogether(a, alone) != 0 || analysis.ReadTogether(b, a) != 0 || a.SameSeed(alone) {
		t.Errorf("ReadTogether: %d, apart %d", analysis.ReadTogether(a, b), analysis.ReadTogether(a, alone))
	}
	if got, want := files(t, b), files(t, alone); got != want {
		t.Errorf("the shared read gives\n%s\nits own analysis\n%s", got, want)
	}
	if !reflect.DeepEqual(b.Metrics, alone.Metrics) || !reflect.DeepEqual(b.Layers, alone.Layers) || !reflect.DeepEqual(b.Wasted, alone.Wasted) {
		t.Errorf("metrics or layers differ:\n%+v\n%+v\n%+v\n%+v", b.Metrics, alone.Metrics, b.Layers, alone.Layers)
	}
}

// TestReadPairNamesTheImage: a read error says which image it is about.
func TestReadPairNamesTheImage(t *testing.T) {
	good, err := synth.Image([]synth.Entry{synth.File("a", "a")})
	if err != nil {
		t.Fatal(err)
	}
	for _, which := range []int{0, 1} {
		imgs := [2]v1.Image{good, good}
		imgs[which] = brokenImage{good}
		a, _ := analysis.Plan(imgs[0])
		b, _ := analysis.Plan(imgs[1])
		_, err := analysis.ReadPair(context.Background(), a, b)
		var re *analysis.ReadError
		if !asReadError(err, &re) || re.Image != which {
			t.Errorf("broken image %d: %v", which, err)
		}
	}
}

func asReadError(err error, re **analysis.ReadError) bool {
	r, ok := err.(*analysis.ReadError)
	*re = r
	return ok
}

// brokenImage's layers cannot be opened, and its diff IDs are its own.
type brokenImage struct{ v1.Image }

type brokenLayer struct{ v1.Layer }

func (brokenLayer) Compressed() (io.ReadCloser, error) { return nil, fmt.Errorf("the disk is gone") }

func (b brokenImage) Layers() ([]v1.Layer, error) {
	ls, err := b.Image.Layers()
	for i := range ls {
		ls[i] = brokenLayer{ls[i]}
	}
	return ls, err
}

func (b brokenImage) RawConfigFile() ([]byte, error) {
	return []byte(`{"os":"linux","architecture":"amd64","rootfs":{"type":"layers","diff_ids":["sha256:` +
		"0000000000000000000000000000000000000000000000000000000000000000" + `"]}}`), nil
}
