// Package layout reads an image from an OCI image layout: a directory
// (os.DirFS) or an OCI archive (a tar of one, through tarfs), streaming the
// blobs from where they are.
package layout

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis/source/fsimage"
	"github.com/layerscope/layerscope/analysis/source/platform"
)

// IndexFile is the entry point of a layout.
const IndexFile = "index.json"

const (
	refNameAnnotation        = "org.opencontainers.image.ref.name"
	containerdNameAnnotation = "io.containerd.image.name"
)

// Info says which image of the layout was loaded.
type Info struct {
	Ref      string  // the reference name of the picked image, if any
	Digest   v1.Hash // of its manifest
	Platform string  // set when it was picked from a multi-platform index
}

// Load returns the image called ref ("" when the layout holds one image, or
// one per platform), picking plat from a multi-platform index.
func Load(fsys fs.FS, ref string, plat v1.Platform) (*fsimage.Image, Info, error) {
	raw, err := fsimage.ReadJSONFile(fsys, IndexFile)
	if err != nil {
		return nil, Info{}, err
	}
	idx, err := v1.ParseIndexManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, Info{}, fmt.Errorf("invalid %s: %w", IndexFile, err)
	}
	desc, name, err := pick(idx.Manifests, ref, plat)
	if err != nil {
		return nil, Info{}, err
	}
	info := Info{Ref: name}
	for depth := 0; ; depth++ {
		if depth > 4 {
			return nil, info, errors.New("indexes nested too deeply")
		}
		blob, err := readBlob(fsys, desc)
		if err != nil {
			return nil, info, err
		}
		if !desc.MediaType.IsIndex() && !isIndexDoc(blob) {
			info.Digest = desc.Digest
			img, err := image(fsys, blob)
			return img, info, err
		}
		sub, err := v1.ParseIndexManifest(bytes.NewReader(blob))
		if err != nil {
			return nil, info, fmt.Errorf("invalid index %s: %w", desc.Digest, err)
		}
		if desc, err = platform.Select(sub.Manifests, plat); err != nil {
			return nil, info, err
		}
		info.Platform = platform.String(*desc.Platform)
	}
}

// isIndexDoc tells an index from a manifest when the media type is missing.
func isIndexDoc(b []byte) bool {
	return bytes.Contains(b, []byte(`"manifests"`)) && !bytes.Contains(b, []byte(`"layers"`))
}

func image(fsys fs.FS, rawManifest []byte) (*fsimage.Image, error) {
	m, err := v1.ParseManifest(bytes.NewReader(rawManifest))
	if err != nil {
		return nil, fmt.Errorf("invalid manifest: %w", err)
	}
	rawConfig, err := readBlob(fsys, m.Config)
	if err != nil {
		return nil, fmt.Errorf("image config: %w", err)
	}
	files := make([]fsimage.LayerFile, len(m.Layers))
	for i, l := range m.Layers {
		if err := checkDigest(l); err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
		if l.Size < 0 {
			return nil, fmt.Errorf("layer %d: blob %s states a negative size", i, l.Digest)
		}
		files[i] = fsimage.LayerFile{Path: blobPath(l.Digest), Digest: l.Digest, Size: l.Size, MediaType: l.MediaType}
	}
	mt := m.MediaType
	if mt == "" {
		mt = "application/vnd.oci.image.manifest.v1+json"
	}
	return fsimage.New(fsys, rawConfig, rawManifest, mt, files)
}

func blobPath(h v1.Hash) string { return "blobs/" + h.Algorithm + "/" + h.Hex }

func checkDigest(d v1.Descriptor) error {
	if d.Digest.Algorithm != "sha256" || len(d.Digest.Hex) != 64 {
		return fmt.Errorf("unsupported digest %q", d.Digest)
	}
	return nil
}

// readBlob reads a small JSON blob (an index, a manifest, a config) and
// checks it against its descriptor: never more than its stated size, and
// never more than fsimage.MaxJSONSize.
func readBlob(fsys fs.FS, d v1.Descriptor) ([]byte, error) {
	if err := checkDigest(d); err != nil {
		return nil, err
	}
	if d.Size < 0 || d.Size > fsimage.MaxJSONSize {
		return nil, fmt.Errorf("blob %s states %d bytes: a JSON document must be at most %d MiB", d.Digest, d.Size, fsimage.MaxJSONSize>>20)
	}
	b, err := fsimage.ReadJSONFile(fsys, blobPath(d.Digest))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("blob %s is missing", d.Digest)
		}
		return nil, err
	}
	sum := sha256.Sum256(b)
	got := hex.EncodeToString(sum[:])
	switch {
	case got != d.Digest.Hex && int64(len(b)) != d.Size:
		return nil, fmt.Errorf("blob %s does not match its digest (it hashes to sha256:%s) or its size (it is %d bytes, the descriptor says %d)", d.Digest, got, len(b), d.Size)
	case got != d.Digest.Hex:
		return nil, fmt.Errorf("blob %s does not match its digest (it hashes to sha256:%s)", d.Digest, got)
	case int64(len(b)) != d.Size:
		return nil, fmt.Errorf("blob %s is %d bytes, its descriptor says %d", d.Digest, len(b), d.Size)
	}
	return b, nil
}

// pick finds the descriptor named ref in the top-level index.
func pick(descs []v1.Descriptor, ref string, plat v1.Platform) (v1.Descriptor, string, error) {
	if len(descs) == 0 {
		return v1.Descriptor{}, "", fmt.Errorf("%s lists no image", IndexFile)
	}
	usable := slices.DeleteFunc(slices.Clone(descs), platform.IsAttestation)
	if len(usable) == 0 {
		return v1.Descriptor{}, "", fmt.Errorf("%s holds no usable image, only attestations", IndexFile)
	}
	descs = usable
	if ref == "" {
		distinct := map[v1.Hash]bool{}
		for _, d := range descs {
			distinct[d.Digest] = true
		}
		if len(distinct) == 1 {
			return descs[0], refName(descs[0]), nil
		}
		// A top-level list of per-platform manifests is a
		// multi-platform image in itself.
		if !slices.ContainsFunc(descs, func(d v1.Descriptor) bool { return d.Platform == nil }) {
			sel, err := platform.Select(descs, plat)
			return sel, refName(sel), err
		}
		return v1.Descriptor{}, "", fmt.Errorf("the layout holds %d images (%s): name one as PATH:REF", len(descs), listRefs(descs))
	}
	for _, d := range descs {
		if refMatches(d, ref) {
			return d, ref, nil
		}
	}
	return v1.Descriptor{}, "", fmt.Errorf("no image %q in the layout; it holds: %s", ref, listRefs(descs))
}

func refName(d v1.Descriptor) string {
	if n := d.Annotations[refNameAnnotation]; n != "" {
		return n
	}
	return d.Annotations[containerdNameAnnotation]
}

func refMatches(d v1.Descriptor, ref string) bool {
	for _, n := range []string{d.Annotations[refNameAnnotation], d.Annotations[containerdNameAnnotation]} {
		if n == "" {
			continue
		}
		if n == ref || strings.HasSuffix(n, ":"+ref) || strings.TrimPrefix(strings.TrimPrefix(n, "docker.io/"), "library/") == ref {
			return true
		}
	}
	return d.Digest.String() == ref
}

func listRefs(descs []v1.Descriptor) string {
	var out []string
	for _, d := range descs {
		if n := refName(d); n != "" {
			out = append(out, n)
		} else {
			out = append(out, d.Digest.String())
		}
	}
	return strings.Join(out, ", ")
}
