// Package synth writes layer tars and images entry by entry, for tests and
// benchmarks: the cases real build tools never produce (an opaque marker
// after its layer's own files, a file replacing a directory, duplicate
// entries) and synthetic images of any size.
package synth

import (
	"archive/tar"
	"bytes"
	"io"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Entry is one tar header. A Name ending in "/" is a directory; Type,
// Mode and the rest override the defaults (regular file, 0644 / 0755).
type Entry struct {
	Name string
	Body string
	Mode int64
	Type byte
	Link string
	UID  int
	GID  int
}

// File is a regular file with body.
func File(name, body string) Entry { return Entry{Name: name, Body: body} }

// Dir is a directory.
func Dir(name string) Entry { return Entry{Name: name, Type: tar.TypeDir} }

// Symlink is a symbolic link to target.
func Symlink(name, target string) Entry {
	return Entry{Name: name, Type: tar.TypeSymlink, Link: target}
}

// Hardlink is a hard link to target.
func Hardlink(name, target string) Entry { return Entry{Name: name, Type: tar.TypeLink, Link: target} }

// Whiteout deletes name from lower layers.
func Whiteout(name string) Entry {
	i := strings.LastIndex(name, "/") + 1
	return File(name[:i]+".wh."+name[i:], "")
}

// Opaque hides the lower contents of directory dir ("a/b").
func Opaque(dir string) Entry { return File(strings.TrimSuffix(dir, "/")+"/.wh..wh..opq", "") }

// WriteLayer writes entries as a tar stream, in order.
func WriteLayer(w io.Writer, entries ...Entry) error {
	tw := tar.NewWriter(w)
	for _, e := range entries {
		h := &tar.Header{Name: e.Name, Mode: e.Mode, Typeflag: e.Type, Linkname: e.Link, Uid: e.UID, Gid: e.GID, Format: tar.FormatPAX}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
			if strings.HasSuffix(e.Name, "/") {
				h.Typeflag = tar.TypeDir
			}
		}
		if h.Mode == 0 {
			switch h.Typeflag {
			case tar.TypeDir:
				h.Mode = 0o755
			case tar.TypeSymlink:
				h.Mode = 0o777 // as every tool writes them
			default:
				h.Mode = 0o644
			}
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.Body))
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := io.WriteString(tw, e.Body); err != nil {
			return err
		}
	}
	return tw.Close()
}

// Layer is a gzip layer of entries, built by go-containerregistry.
func Layer(entries ...Entry) (v1.Layer, error) {
	var buf bytes.Buffer
	if err := WriteLayer(&buf, entries...); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil },
		tarball.WithMediaType(types.OCILayer))
}

// Image stacks one layer per entry list on an empty OCI image.
func Image(layers ...[]Entry) (v1.Image, error) {
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.ConfigFile(img, &v1.ConfigFile{OS: "linux", Architecture: "amd64", RootFS: v1.RootFS{Type: "layers"}})
	if err != nil {
		return nil, err
	}
	for _, entries := range layers {
		l, err := Layer(entries...)
		if err != nil {
			return nil, err
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			return nil, err
		}
	}
	return img, nil
}

// Case is a named image of tricky but valid layers.
type Case struct {
	Name   string
	Layers [][]Entry
}

// Cases are images whose merged file system a real unpacker must agree
// with: they pin the OCI whiteout, opaque, replacement and hardlink rules.
func Cases() []Case {
	return []Case{
		{"opaque-marker-first", [][]Entry{
			{Dir("a/"), File("a/x", "xxx"), Dir("a/sub/"), File("a/sub/y", "yyyy"), File("b", "b")},
			{Dir("a/"), Opaque("a"), File("a/z", "zz")}}},
		{"opaque-marker-last", [][]Entry{
			{Dir("a/"), File("a/x", "xxx"), Dir("a/sub/"), File("a/sub/y", "yyyy")},
			{Dir("a/"), File("a/z", "zz"), Opaque("a")}}},
		{"opaque-new-directory", [][]Entry{
			{File("f", "1")},
			{Dir("new/"), Opaque("new"), File("new/g", "2")}}},
		{"stray-whiteout", [][]Entry{
			{File("f", "12345")},
			{Whiteout("not-there"), File("g", "1")}}},
		{"directory-whiteout", [][]Entry{
			{Dir("d/"), File("d/x", "x"), Dir("d/sub/"), File("d/sub/y", "yy"), File("keep", "k")},
			{Whiteout("d")}}},
		{"whiteout-then-readd", [][]Entry{
			{Dir("d/"), File("d/f", "1")},
			{Whiteout("d/f")},
			{Dir("d/"), File("d/f", "22")}}},
		{"file-replaces-directory", [][]Entry{
			{Dir("d/"), File("d/f", "12345")},
			{File("d", "abc")}}},
		{"directory-replaces-file-and-back", [][]Entry{
			{File("p", "12")},
			{Dir("p/"), File("p/q", "q")},
			{File("p", "3")}}},
		{"symlink-replaces-directory", [][]Entry{
			{Dir("etc/"), Dir("etc/conf/"), File("etc/conf/a", "a")},
			{Symlink("etc/conf", "/elsewhere")}}},
		{"duplicate-entries", [][]Entry{
			{File("f", "12345"), File("f", "1234567"), Dir("d/"), Entry{Name: "d/", Type: '5', Mode: 0o700}}}},
		{"hardlinks", [][]Entry{
			{File("t", "four"), Dir("dir/")},
			{Hardlink("h", "t"), File("u", "1"), Hardlink("dir/v", "./u")}}},
		{"paths", [][]Entry{
			{File("./a", "1"), File("/b", "2"), File("c/../d", "3"), File("sp ace/ünï", "5"),
				File(strings.Repeat("long-name/", 30)+"leaf", "6")}}},
		{"implicit-parents", [][]Entry{
			{File("a/b/c", "1")},
			{File("a/b/d", "2")}}},
		{"metadata-only", [][]Entry{
			{Entry{Name: "m", Body: "abc", Mode: 0o644}, Entry{Name: "o", Body: "abc"}},
			{Entry{Name: "m", Body: "abc", Mode: 0o4755}, Entry{Name: "o", Body: "abc", UID: 1000, GID: 1000}}}},
	}
}

// PlatformIndex is a multi-platform OCI index with, per platform, an image
// holding one file, /platform, that names it.
func PlatformIndex(platforms ...v1.Platform) (v1.ImageIndex, error) {
	var adds []mutate.IndexAddendum
	for _, p := range platforms {
		img, err := Image([]Entry{File("platform", p.OS+"/"+p.Architecture)})
		if err != nil {
			return nil, err
		}
		cfg, err := img.ConfigFile()
		if err != nil {
			return nil, err
		}
		cfg.OS, cfg.Architecture, cfg.Variant = p.OS, p.Architecture, p.Variant
		if img, err = mutate.ConfigFile(img, cfg); err != nil {
			return nil, err
		}
		p := p
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}})
	}
	return mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...), nil
}

// WriteLayout writes idx as an OCI image layout in dir, its entry named
// ref (org.opencontainers.image.ref.name).
func WriteLayout(dir, ref string, idx v1.ImageIndex) error {
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	return lp.AppendIndex(idx, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": ref}))
}
