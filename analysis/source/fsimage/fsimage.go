// Package fsimage is a v1.Image whose blobs are files of an fs.FS: an OCI
// layout directory, or the members of a docker save or OCI archive read
// through tarfs. The readers of those formats find the files; this package
// turns them into an image without reading any layer.
package fsimage

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/layerscope/layerscope/analysis/compression"
)

// MaxJSONSize bounds manifests, indexes and configs: real ones are a few KB,
// and a bigger document is hostile or broken.
const MaxJSONSize = 8 << 20

// ReadJSONFile reads a small JSON document from fsys, refusing huge ones
// and anything that is not a regular file.
func ReadJSONFile(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxJSONSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(b) > MaxJSONSize {
		return nil, fmt.Errorf("%s is larger than %d MiB", name, MaxJSONSize>>20)
	}
	return b, nil
}

// LayerFile describes one layer blob.
type LayerFile struct {
	Path      string  // in the fs.FS
	Digest    v1.Hash // digest of the stored bytes, when known without reading them
	Size      int64   // stored size; -1 to stat the file
	MediaType types.MediaType
}

// Image is a v1.Image over files of an fs.FS.
type Image struct {
	fsys        fs.FS
	rawConfig   []byte
	config      *v1.ConfigFile
	rawManifest []byte // nil: synthesised on demand (docker save has none)
	mediaType   types.MediaType
	layers      []*Layer

	manifestOnce sync.Once
	manifestErr  error
}

var _ v1.Image = (*Image)(nil)

// New builds an image from its raw config, an optional raw manifest, and its
// layer files in order.
func New(fsys fs.FS, rawConfig, rawManifest []byte, mediaType types.MediaType, layerFiles []LayerFile) (*Image, error) {
	cfg, err := v1.ParseConfigFile(bytes.NewReader(rawConfig))
	if err != nil {
		return nil, fmt.Errorf("invalid image config: %w", err)
	}
	img := &Image{fsys: fsys, rawConfig: rawConfig, config: cfg, rawManifest: rawManifest, mediaType: mediaType}
	for i, lf := range layerFiles {
		l := &Layer{fsys: fsys, file: lf}
		if i < len(cfg.RootFS.DiffIDs) {
			l.diffID = cfg.RootFS.DiffIDs[i]
		}
		st, err := fs.Stat(fsys, lf.Path)
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, missing(lf, err))
		}
		if !st.Mode().IsRegular() {
			return nil, fmt.Errorf("layer %d: %s is not a regular file", i, l.name())
		}
		switch {
		case lf.Size < 0:
			l.file.Size = st.Size()
		case st.Size() != lf.Size:
			return nil, fmt.Errorf("layer %d: %s is %d bytes, its descriptor says %d", i, l.name(), st.Size(), lf.Size)
		}
		img.layers = append(img.layers, l)
	}
	return img, nil
}

// Layers returns the layers, base first.
func (i *Image) Layers() ([]v1.Layer, error) {
	out := make([]v1.Layer, len(i.layers))
	for n, l := range i.layers {
		out[n] = l
	}
	return out, nil
}

// MediaType of the manifest.
func (i *Image) MediaType() (types.MediaType, error) { return i.mediaType, nil }

// Size of the manifest.
func (i *Image) Size() (int64, error) {
	m, err := i.RawManifest()
	return int64(len(m)), err
}

// ConfigName is the digest of the config blob (Docker's image ID).
func (i *Image) ConfigName() (v1.Hash, error) { return sha256Hash(i.rawConfig), nil }

// ConfigFile is the parsed config.
func (i *Image) ConfigFile() (*v1.ConfigFile, error) { return i.config.DeepCopy(), nil }

// RawConfigFile is the config as stored.
func (i *Image) RawConfigFile() ([]byte, error) { return i.rawConfig, nil }

// Digest of the manifest.
func (i *Image) Digest() (v1.Hash, error) {
	m, err := i.RawManifest()
	if err != nil {
		return v1.Hash{}, err
	}
	return sha256Hash(m), nil
}

// HasManifest reports whether the image came with a stored manifest (an OCI
// layout) rather than one synthesised from a docker save.
func (i *Image) HasManifest() bool { return i.rawManifest != nil }

// Manifest is the parsed manifest.
func (i *Image) Manifest() (*v1.Manifest, error) {
	raw, err := i.RawManifest()
	if err != nil {
		return nil, err
	}
	return v1.ParseManifest(bytes.NewReader(raw))
}

// RawManifest returns the stored manifest, or for a docker save one
// synthesised from the config and the layers (which reads compressed layers
// whose digest is not known: the analysis never asks for it).
func (i *Image) RawManifest() ([]byte, error) {
	i.manifestOnce.Do(func() {
		if i.rawManifest != nil {
			return
		}
		m := v1.Manifest{
			SchemaVersion: 2,
			MediaType:     i.mediaType,
			Config: v1.Descriptor{MediaType: types.DockerConfigJSON, Size: int64(len(i.rawConfig)),
				Digest: sha256Hash(i.rawConfig)},
		}
		for _, l := range i.layers {
			d, err := l.Digest()
			if err != nil {
				i.manifestErr = err
				return
			}
			mt, _ := l.MediaType()
			m.Layers = append(m.Layers, v1.Descriptor{MediaType: mt, Size: l.file.Size, Digest: d})
		}
		i.rawManifest, i.manifestErr = json.Marshal(m)
	})
	return i.rawManifest, i.manifestErr
}

// LayerByDigest finds a layer by the digest of its stored blob.
func (i *Image) LayerByDigest(h v1.Hash) (v1.Layer, error) {
	for _, l := range i.layers {
		if d, err := l.Digest(); err == nil && d == h {
			return l, nil
		}
	}
	return nil, fmt.Errorf("no layer with digest %s", h)
}

// LayerByDiffID finds a layer by its uncompressed digest.
func (i *Image) LayerByDiffID(h v1.Hash) (v1.Layer, error) {
	for _, l := range i.layers {
		if l.diffID == h {
			return l, nil
		}
	}
	return nil, fmt.Errorf("no layer with diff ID %s", h)
}

// Layer is one layer blob of an Image.
type Layer struct {
	fsys   fs.FS
	file   LayerFile
	diffID v1.Hash

	digestOnce sync.Once
	digest     v1.Hash
	digestErr  error
}

var _ v1.Layer = (*Layer)(nil)

// KnownDigest returns the blob's digest when the format states it (an OCI
// descriptor, a blobs/sha256/ path), for the reader to verify.
func (l *Layer) KnownDigest() (v1.Hash, bool) { return l.file.Digest, l.file.Digest.Hex != "" }

// Path is the layer's file in its archive or directory.
func (l *Layer) Path() string { return l.file.Path }

// Digest of the stored blob; computed by reading it when not known.
func (l *Layer) Digest() (v1.Hash, error) {
	if h, ok := l.KnownDigest(); ok {
		return h, nil
	}
	l.digestOnce.Do(func() {
		rc, err := l.Compressed()
		if err != nil {
			l.digestErr = err
			return
		}
		defer rc.Close()
		l.digest, _, l.digestErr = v1.SHA256(rc)
	})
	return l.digest, l.digestErr
}

// DiffID is the config's digest of the uncompressed layer.
func (l *Layer) DiffID() (v1.Hash, error) { return l.diffID, nil }

// Compressed returns the blob as stored, compressed or not. It yields
// exactly the blob's size, and fails if the file has grown or shrunk
// since the image was opened.
func (l *Layer) Compressed() (io.ReadCloser, error) {
	f, err := l.fsys.Open(l.file.Path)
	if err != nil {
		return nil, err
	}
	return &exactReader{f: f, left: l.file.Size, size: l.file.Size, name: l.name()}, nil
}

// name says which blob this is in messages: its digest where known.
func (l *Layer) name() string {
	if l.file.Digest.Hex != "" {
		return "blob " + l.file.Digest.String()
	}
	return l.file.Path
}

// Uncompressed returns the layer tar.
func (l *Layer) Uncompressed() (io.ReadCloser, error) {
	rc, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	zr, _, err := compression.Reader(rc)
	if err != nil {
		rc.Close()
		return nil, err
	}
	return readCloser{zr, func() error { zr.Close(); return rc.Close() }}, nil
}

// Size of the stored blob.
func (l *Layer) Size() (int64, error) { return l.file.Size, nil }

// MediaType of the blob: the one stated, or one guessed from its bytes.
func (l *Layer) MediaType() (types.MediaType, error) {
	if l.file.MediaType != "" {
		return l.file.MediaType, nil
	}
	rc, err := l.Compressed()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	zr, kind, err := compression.Reader(rc)
	if err != nil {
		return "", err
	}
	zr.Close()
	switch kind {
	case compression.Gzip:
		return types.DockerLayer, nil
	case compression.Zstd:
		return types.OCILayerZStd, nil
	}
	return types.DockerUncompressedLayer, nil
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }

func sha256Hash(b []byte) v1.Hash {
	sum := sha256.Sum256(b)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
}
