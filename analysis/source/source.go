// Package source is the one place that turns what the user typed into an
// image: a docker save or kaniko tarball, an OCI layout directory or an OCI
// archive (and, through the same entry point, the engines and registries).
package source

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis/source/dockerarchive"
	"github.com/layerscope/layerscope/analysis/source/layout"
	"github.com/layerscope/layerscope/analysis/source/platform"
	"github.com/layerscope/layerscope/analysis/source/tarfs"
)

// Kind names where an image came from.
type Kind string

// The sources.
const (
	DockerArchive Kind = "docker-archive"
	OCILayout     Kind = "oci"
	OCIArchive    Kind = "oci-archive"
)

// prefixes are the explicit source prefixes, as skopeo spells them.
var prefixes = []Kind{DockerArchive, OCIArchive, OCILayout}

// Image is an opened image and what the reports say about its origin.
type Image struct {
	v1.Image
	Name           string // the image as the user named it (a tag where one was picked)
	Source         Kind
	Path           string // the file or directory, for file sources
	ManifestDigest string // where the source stores a manifest
	Platform       string // os/arch[/variant] of the config
	close          func() error
}

// Close releases open files.
func (i *Image) Close() error {
	if i.close == nil {
		return nil
	}
	return i.close()
}

// Options tune Open.
type Options struct {
	// Platform picks from multi-platform images ("os/arch[/variant]");
	// empty means the host's.
	Platform string
	// Source forces a source kind instead of guessing from the argument.
	Source Kind
}

// Open resolves arg to an image.
func Open(arg string, opts Options) (*Image, error) {
	if arg == "" {
		return nil, errors.New("no image named")
	}
	plat, err := platform.Parse(opts.Platform)
	if err != nil {
		return nil, err
	}
	kind, rest := opts.Source, arg
	for _, p := range prefixes {
		if r, ok := strings.CutPrefix(arg, string(p)+":"); ok {
			kind, rest = p, r
			break
		}
	}
	switch kind {
	case "", DockerArchive, OCILayout, OCIArchive:
	default:
		return nil, fmt.Errorf("unknown source %q (known: %s, %s, %s)", kind, DockerArchive, OCILayout, OCIArchive)
	}
	path, ref, st, err := splitPath(rest)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", arg, err)
	}
	img, err := openPath(kind, path, ref, st.IsDir(), plat)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", arg, err)
	}
	if cfg, err := img.ConfigFile(); err == nil && cfg.OS != "" {
		img.Platform = platform.String(*cfg.Platform())
	}
	return img, nil
}

// splitPath separates "PATH[:REF]": the whole argument if it exists,
// otherwise the longest prefix before a colon that does (a REF such as
// "name:tag" has colons of its own).
func splitPath(s string) (path, ref string, st os.FileInfo, err error) {
	if st, err = os.Stat(s); err == nil {
		return s, "", st, nil
	}
	for i := strings.LastIndex(s, ":"); i > 0; i = strings.LastIndex(s[:i], ":") {
		if st, err2 := os.Stat(s[:i]); err2 == nil {
			return s[:i], s[i+1:], st, nil
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", nil, errors.New("no such file or directory (the Docker engine, Podman and registries are not supported yet)")
	}
	return "", "", nil, err
}

func openPath(kind Kind, path, ref string, isDir bool, plat v1.Platform) (*Image, error) {
	if isDir {
		if kind != "" && kind != OCILayout {
			return nil, fmt.Errorf("%s is a directory, not a %s file", path, kind)
		}
		return fromLayout(os.DirFS(path), OCILayout, path, ref, plat, nil)
	}
	t, err := tarfs.Open(path)
	if err != nil {
		return nil, err
	}
	if kind == "" {
		kind = sniffArchive(t)
	}
	switch kind {
	case DockerArchive:
		img, tag, err := dockerarchive.Load(t, ref)
		if err != nil {
			t.Close()
			return nil, err
		}
		name := tag
		if name == "" {
			name = path
		}
		return &Image{Image: img, Name: name, Source: DockerArchive, Path: path, ManifestDigest: digestIfStored(img), close: t.Close}, nil
	case OCIArchive, OCILayout:
		return fromLayout(t, OCIArchive, path, ref, plat, t)
	}
	t.Close()
	return nil, errors.New("not an image archive: it has neither manifest.json (docker save) nor index.json (OCI)")
}

func fromLayout(fsys fs.FS, kind Kind, path, ref string, plat v1.Platform, c io.Closer) (*Image, error) {
	img, info, err := layout.Load(fsys, ref, plat)
	if err != nil {
		if c != nil {
			c.Close()
		}
		return nil, err
	}
	name := path
	if info.Ref != "" {
		name = path + ":" + info.Ref
	}
	out := &Image{Image: img, Name: name, Source: kind, Path: path, ManifestDigest: info.Digest.String()}
	if c != nil {
		out.close = c.Close
	}
	return out, nil
}

// sniffArchive tells a docker save from an OCI archive by their contents.
// Docker 25+ writes both files; its manifest.json names the tags.
func sniffArchive(t *tarfs.FS) Kind {
	if _, err := t.Stat(dockerarchive.ManifestFile); err == nil {
		return DockerArchive
	}
	if _, err := t.Stat(layout.IndexFile); err == nil {
		return OCIArchive
	}
	return ""
}

func digestIfStored(img interface {
	HasManifest() bool
	Digest() (v1.Hash, error)
}) string {
	if !img.HasManifest() {
		return ""
	}
	d, err := img.Digest()
	if err != nil {
		return ""
	}
	return d.String()
}
