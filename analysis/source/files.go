package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis/partial"
	"github.com/layerscope/layerscope/analysis/safefile"
	"github.com/layerscope/layerscope/analysis/source/dockerarchive"
	"github.com/layerscope/layerscope/analysis/source/layout"
	"github.com/layerscope/layerscope/analysis/source/tarfs"
)

// errNoPath means the argument names no existing file or directory.
var errNoPath = errors.New("no such file or directory")

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
		return "", "", nil, errNoPath
	}
	return "", "", nil, err
}

// openPath opens a file or directory source; kind may be "" to guess.
func openPath(kind Kind, arg string, plat v1.Platform, topts ...tarfs.Option) (*Image, error) {
	path, ref, st, err := splitPath(arg)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		if kind != "" && kind != OCILayout {
			return nil, fmt.Errorf("%s is a directory, not a %s file", path, kind)
		}
		dir, err := layout.OpenDir(path)
		if err != nil {
			return nil, err
		}
		return fromLayout(dir, OCILayout, path, ref, plat, dir)
	}
	if kind == OCILayout {
		return nil, fmt.Errorf("%s is a file, not an OCI layout directory (use oci-archive: for a tar)", path)
	}
	t, err := tarfs.Open(path, topts...)
	if err != nil {
		return nil, notRegular(err)
	}
	if kind == "" {
		kind = sniffArchive(t)
	}
	switch kind {
	case DockerArchive:
		// The index of a Docker 25+ save has the platforms its
		// manifest.json leaves out.
		img, indexErr, err := dockerSave(t, ref, path, plat)
		if err == nil {
			err = indexErr
		}
		if err != nil {
			t.Close()
			return nil, err
		}
		img.Source, img.Location, img.close = DockerArchive, path, t.Close
		return img, nil
	case OCIArchive:
		return fromLayout(t, OCIArchive, path, ref, plat, t)
	}
	t.Close()
	return nil, errors.New("not an image archive: it has neither manifest.json (docker save) nor index.json (OCI)")
}

// fromDockerArchive loads the image tagged ref from a docker save.
func fromDockerArchive(t *tarfs.FS, ref, fallbackName string) (*Image, error) {
	img, tag, err := dockerarchive.Load(t, ref)
	if err != nil {
		return nil, err
	}
	name := tag
	if name == "" {
		name = fallbackName
	}
	return &Image{Image: img, Name: name, ManifestDigest: digestIfStored(img)}, nil
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
	out := &Image{Image: img, Name: name, Source: kind, Location: path, ManifestDigest: info.Digest.String()}
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

// digestIfStored is the manifest's digest where the image stores one
// (computing one for a docker save would mean hashing every layer).
func digestIfStored(img v1.Image) string {
	if m, ok := img.(partial.ManifestHolder); ok && !m.HasManifest() {
		return ""
	}
	d, err := img.Digest()
	if err != nil {
		return ""
	}
	return d.String()
}

// notRegular words the refusal of a pipe or device as the archive: its
// bytes could be read only once, or never end.
func notRegular(err error) error {
	var pe *fs.PathError
	if errors.Is(err, safefile.ErrNotRegular) && errors.As(err, &pe) {
		return fmt.Errorf("%w: layerscope reads archives from regular files (save it to one first)", pe.Err)
	}
	return err
}

// pathOptions passes the user's context and temporary directory to the
// decompression of a compressed archive.
func pathOptions(ctx context.Context, opts Options) []tarfs.Option {
	return []tarfs.Option{tarfs.WithContext(ctx), tarfs.WithTempDir(opts.TempDir)}
}
