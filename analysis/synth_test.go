package analysis

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// ent describes one tar header of a synthetic layer: "path" alone is a
// file with body "", "dir/" a directory, and the fields override.
type ent struct {
	name string
	body string
	mode int64
	typ  byte
	link string
	uid  int
}

func file(name, body string) ent   { return ent{name: name, body: body} }
func dir(name string) ent          { return ent{name: name, typ: tar.TypeDir} }
func symlink(name, to string) ent  { return ent{name: name, typ: tar.TypeSymlink, link: to} }
func hardlink(name, to string) ent { return ent{name: name, typ: tar.TypeLink, link: to} }

// layerTar writes entries as a tar, in the given order.
func layerTar(t testing.TB, entries ...ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: e.mode, Typeflag: e.typ, Linkname: e.link, Uid: e.uid, Format: tar.FormatPAX}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
			if strings.HasSuffix(e.name, "/") {
				h.Typeflag = tar.TypeDir
			}
		}
		if h.Mode == 0 {
			h.Mode = 0o644
			if h.Typeflag == tar.TypeDir {
				h.Mode = 0o755
			}
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// synthImage stacks layers made of the given entries with
// go-containerregistry (which gzips them).
func synthImage(t testing.TB, layers ...[]ent) v1.Image {
	t.Helper()
	img := empty.Image
	for _, entries := range layers {
		b := layerTar(t, entries...)
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
		if err != nil {
			t.Fatal(err)
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			t.Fatal(err)
		}
	}
	return img
}

func analyze(t testing.TB, layers ...[]ent) *Result {
	t.Helper()
	res, err := Analyze(context.Background(), synthImage(t, layers...))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// merged lists the final file system as "path type size [-> link]" lines.
func merged(t testing.TB, r *Result) string {
	t.Helper()
	var lines []string
	if err := r.Files(func(f FileReport) error {
		s := f.Path + " " + f.Type
		if f.Type == "file" {
			s += " " + strconv.FormatInt(f.Size, 10)
		}
		if f.LinkTarget != "" {
			s += " -> " + f.LinkTarget
		}
		lines = append(lines, s)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
