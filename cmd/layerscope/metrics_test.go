package main

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"testing"

	"github.com/layerscope/layerscope/analysis"
)

// TestBasicFixtureMetrics checks the metrics of the basic fixture against
// facts worked out by hand from its layer tars (testdata/fixtures/README.md).
func TestBasicFixtureMetrics(t *testing.T) {
	rep := analyzeJSON(t, testdata("fixtures", "basic.docker.tar"))
	wantWasted := []string{
		"/blobs/big-overwritten.bin 65536 layer 3 by 15 overwritten",
		"/blobs/big-deleted.bin 32768 layer 3 by 16 deleted",
		"/data/link-target.txt 43 layer 2 by 12 overwritten",
		"/data/chown-me.txt 40 layer 2 by 7 overwritten",
		"/data/delete-me.txt 38 layer 2 by 8 deleted",
		"/data/dir-to-recreate/old-2.txt 34 layer 2 by 10 deleted",
		"/data/chmod-me.sh 24 layer 2 by 6 overwritten",
		"/data/dir-to-delete/sub/c.txt 20 layer 2 by 9 deleted",
		"/data/dir-to-delete/a.txt 16 layer 2 by 9 deleted",
		"/data/dir-to-delete/b.txt 16 layer 2 by 9 deleted",
		"/data/modify-same-size.txt 10 layer 2 by 4 overwritten",
		"/data/dir-to-recreate/old-1.txt 6 layer 2 by 10 deleted",
		"/data/modify-new-size.txt 6 layer 2 by 5 overwritten",
	}
	var got []string
	for _, w := range rep.Image.Wasted {
		got = append(got, fmt.Sprintf("%s %d layer %d by %d %s", w.Path, w.Bytes, w.Layer, w.ShadowedBy, w.How))
	}
	if strings.Join(got, "\n") != strings.Join(wantWasted, "\n") {
		t.Errorf("wasted files:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantWasted, "\n"))
	}

	// sizeBytes independently: every regular file header of every layer.
	size, layerSizes := regularBytes(t, testdata("fixtures", "basic.docker.tar"))
	img := rep.Image
	if img.SizeBytes != size || img.WastedBytes != 98557 || img.VisibleBytes != size-98557 {
		t.Errorf("size %d wasted %d visible %d, want %d, 98557, %d", img.SizeBytes, img.WastedBytes, img.VisibleBytes, size, size-98557)
	}
	if want := float64(size-98557) / float64(size); img.Efficiency != want {
		t.Errorf("efficiency %v, want %v", img.Efficiency, want)
	}
	if want := size - rep.Layers[0].SizeBytes; img.UserSizeBytes != want {
		t.Errorf("userSizeBytes %d, want %d", img.UserSizeBytes, want)
	}
	if want := 98557 / float64(img.UserSizeBytes); img.UserWastedPercent != want {
		t.Errorf("userWastedPercent %v, want %v", img.UserWastedPercent, want)
	}
	for i, l := range rep.Layers {
		if l.SizeBytes != layerSizes[l.DiffID] {
			t.Errorf("layer %d sizeBytes %d, its tar holds %d", i, l.SizeBytes, layerSizes[l.DiffID])
		}
	}

	// Per layer: added / modified / removed, worked out from each tar.
	want := map[int]string{
		0:  "+2 ~0 -0", // bin/, bin/busybox
		8:  "+0 ~1 -1", // data/ touched, .wh.delete-me.txt
		9:  "+0 ~1 -1", // data/, .wh.dir-to-delete
		10: "+1 ~2 -1", // data/, dir-to-recreate/ (+ opaque marker), new-1.txt
		11: "+3 ~1 -0", // data/, new-dir/, sub/, fresh.txt
		15: "+0 ~2 -0", // blobs/, big-overwritten.bin
		16: "+0 ~1 -1", // blobs/, .wh.big-deleted.bin
	}
	for i, w := range want {
		l := rep.Layers[i]
		got := fmt.Sprintf("+%d ~%d -%d", l.Added, l.Modified, l.Removed)
		if !strings.HasPrefix(w, got) {
			t.Errorf("layer %d: %s, want %s", i, got, w)
		}
	}
	if rep.Layers[15].WastedBytes != 0 || rep.Layers[3].WastedBytes != 65536+32768 {
		t.Errorf("per-layer wasted bytes: layer 3 %d, layer 15 %d", rep.Layers[3].WastedBytes, rep.Layers[15].WastedBytes)
	}
	if rep.Layers[16].Command != "RUN rm /blobs/big-deleted.bin" || len(rep.Layers[16].History) != 3 {
		t.Errorf("layer 16 command %q with %d steps, want the RUN and the WORKDIR and CMD after it", rep.Layers[16].Command, len(rep.Layers[16].History))
	}
}

// regularBytes reads a docker save with archive/tar alone and sums the
// regular files of its layers, per layer keyed by diff ID.
func regularBytes(t *testing.T, archive string) (int64, map[string]int64) {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	per := map[string]int64{}
	var total int64
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(h.Name, "/layer.tar") {
			continue
		}
		digest, n := layerRegularBytes(t, tr)
		per[digest] = n
		total += n
	}
	return total, per
}

func layerRegularBytes(t *testing.T, r io.Reader) (string, int64) {
	t.Helper()
	h := sha256.New()
	lt := tar.NewReader(io.TeeReader(r, h))
	var n int64
	for {
		hdr, err := lt.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Typeflag == tar.TypeReg && !strings.HasPrefix(path.Base(hdr.Name), ".wh.") {
			n += hdr.Size
		}
	}
	io.Copy(io.Discard, io.TeeReader(r, h))
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), n
}

// TestBasicFixtureChanges: --changes tells content changes from
// metadata-only ones on Docker's own layers, and shows markers.
func TestBasicFixtureChanges(t *testing.T) {
	r := runLS(t, "--json", "-", "--changes", "--quiet", testdata("fixtures", "basic.docker.tar"))
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rep report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	find := func(layer int, path, typ string) analysis.ChangeReport {
		for _, c := range rep.Layers[layer].Changes {
			if c.Path == path && c.Type == typ {
				return c
			}
		}
		t.Fatalf("layer %d has no %s change at %s", layer, typ, path)
		return analysis.ChangeReport{}
	}
	for _, c := range []struct {
		layer            int
		path, typ, state string
		kind, changed    string
	}{
		{4, "/data/modify-same-size.txt", "file", "modified", "content", "content,mtime"},
		{5, "/data/modify-new-size.txt", "file", "modified", "content", "size,content,mtime"},
		{6, "/data/chmod-me.sh", "file", "modified", "metadata", "mode"},
		{7, "/data/chown-me.txt", "file", "modified", "metadata", "owner"},
		{8, "/data/delete-me.txt", "whiteout", "removed", "", ""},
		{10, "/data/dir-to-recreate", "opaque", "removed", "", ""},
		{10, "/data/dir-to-recreate/new-1.txt", "file", "added", "", ""},
	} {
		got := find(c.layer, c.path, c.typ)
		if got.State != c.state || got.Kind != c.kind || strings.Join(got.Changed, ",") != c.changed {
			t.Errorf("layer %d %s: %+v, want %s %s [%s]", c.layer, c.path, got, c.state, c.kind, c.changed)
		}
	}
}
