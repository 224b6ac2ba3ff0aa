// Package dockerarchive reads the images of a `docker save` tarball (legacy
// layout, Docker 25+ with an OCI layout inside, podman's docker-archive) or a
// kaniko / go-containerregistry tarball: all of them describe their images in
// a top-level manifest.json.
package dockerarchive

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/layerscope/layerscope/analysis/source/fsimage"
)

// ManifestFile is the file that makes a tar a docker archive.
const ManifestFile = "manifest.json"

type entry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

var blobPath = regexp.MustCompile(`^blobs/sha256/([0-9a-f]{64})$`)

// Load returns the image of the archive named by want: a repository tag
// ("name:tag", "name" meaning "name:latest"), "@N" for the N-th image (from
// 0), or "" when the archive holds exactly one image. It also returns the
// tag that was picked, if the image has one.
func Load(fsys fs.FS, want string) (*fsimage.Image, string, error) {
	raw, err := fsimage.ReadJSONFile(fsys, ManifestFile)
	if err != nil {
		return nil, "", err
	}
	var entries []entry
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, "", fmt.Errorf("invalid %s: %w", ManifestFile, err)
	}
	if len(entries) == 0 {
		return nil, "", fmt.Errorf("%s lists no image", ManifestFile)
	}
	e, tag, err := pick(entries, want)
	if err != nil {
		return nil, "", err
	}
	rawConfig, err := fsimage.ReadJSONFile(fsys, clean(e.Config))
	if err != nil {
		return nil, "", fmt.Errorf("image config: %w", err)
	}
	files := make([]fsimage.LayerFile, len(e.Layers))
	for i, l := range e.Layers {
		p := clean(l)
		files[i] = fsimage.LayerFile{Path: p, Size: -1}
		if m := blobPath.FindStringSubmatch(p); m != nil {
			files[i].Digest = v1.Hash{Algorithm: "sha256", Hex: m[1]}
		}
	}
	img, err := fsimage.New(fsys, rawConfig, nil, types.DockerManifestSchema2, files)
	if err != nil {
		return nil, "", err
	}
	return img, tag, nil
}

func clean(p string) string { return strings.TrimPrefix(path.Clean("/"+p), "/") }

func pick(entries []entry, want string) (entry, string, error) {
	if want == "" {
		if len(entries) == 1 {
			tag := ""
			if len(entries[0].RepoTags) > 0 {
				tag = entries[0].RepoTags[0]
			}
			return entries[0], tag, nil
		}
		return entry{}, "", fmt.Errorf("the archive holds %d images (%s): name one as PATH:TAG or PATH:@N", len(entries), listTags(entries))
	}
	if n, ok := strings.CutPrefix(want, "@"); ok {
		i, err := strconv.Atoi(n)
		if err != nil || i < 0 || i >= len(entries) {
			return entry{}, "", fmt.Errorf("no image @%s in the archive: it holds %d (@0 to @%d)", n, len(entries), len(entries)-1)
		}
		tag := ""
		if len(entries[i].RepoTags) > 0 {
			tag = entries[i].RepoTags[0]
		}
		return entries[i], tag, nil
	}
	norm := normalize(want)
	for _, e := range entries {
		for _, t := range e.RepoTags {
			if normalize(t) == norm {
				return e, t, nil
			}
		}
	}
	return entry{}, "", errors.New("no image tagged " + want + " in the archive; it holds: " + listTags(entries))
}

// normalize makes "busybox", "busybox:latest" and
// "docker.io/library/busybox:latest" compare equal.
func normalize(tag string) string {
	t := strings.TrimPrefix(tag, "docker.io/")
	t = strings.TrimPrefix(t, "library/")
	if i := strings.LastIndex(t, ":"); i < 0 || strings.Contains(t[i:], "/") {
		t += ":latest"
	}
	return t
}

func listTags(entries []entry) string {
	var out []string
	for i, e := range entries {
		if len(e.RepoTags) == 0 {
			out = append(out, fmt.Sprintf("@%d (untagged)", i))
			continue
		}
		out = append(out, strings.Join(e.RepoTags, ", "))
	}
	return strings.Join(out, "; ")
}
