// Package source is the one place that turns what the user typed into an
// image: a file or directory (docker save, kaniko tarball, OCI layout or
// archive), the Docker Engine, Podman, containerd, or a registry.
package source

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis/partial"
	"github.com/layerscope/layerscope/analysis/source/platform"
)

// Kind names where an image came from.
type Kind string

// The sources, named as their prefixes are.
const (
	DockerArchive Kind = "docker-archive"
	OCILayout     Kind = "oci"
	OCIArchive    Kind = "oci-archive"
	Docker        Kind = "docker"
	Podman        Kind = "podman"
	Containerd    Kind = "containerd"
	Registry      Kind = "registry"
)

// Kinds lists every source, for help texts and completion.
var Kinds = []Kind{DockerArchive, OCILayout, OCIArchive, Docker, Podman, Containerd, Registry}

// prefixes are the explicit source prefixes: skopeo's spelling for files,
// dive's for engines.
var prefixes = []struct {
	prefix string
	kind   Kind
}{
	{"docker-archive:", DockerArchive}, {"oci-archive:", OCIArchive}, {"oci:", OCILayout},
	{"docker://", Docker}, {"podman://", Podman}, {"containerd://", Containerd}, {"registry://", Registry},
}

// Image is an opened image and what the reports say about its origin.
type Image struct {
	v1.Image
	Name           string // the image as the user named it (a tag where one was picked)
	Source         Kind
	Location       string // the file, directory, engine or registry it was read from
	ManifestDigest string // where the source stores a manifest
	Platform       string // os/arch[/variant] of the config
	close          func() error
}

// HasManifest says whether the source stores a manifest (an OCI layout, a
// registry) or would have to make one up by hashing every layer (a docker
// save). Embedding v1.Image alone would hide the answer of the image
// inside, and the analysis would hash the whole image once more only to
// learn what it already knows.
func (i *Image) HasManifest() bool {
	if m, ok := i.Image.(partial.ManifestHolder); ok {
		return m.HasManifest()
	}
	return true
}

var _ partial.ManifestHolder = (*Image)(nil)

// Close releases open files and removes spooled exports.
func (i *Image) Close() error {
	if i.close == nil {
		return nil
	}
	return i.close()
}

// Progress reports work before the analysis starts (an engine's export).
type Progress func(stage string, done, total int64)

// Options tune Open.
type Options struct {
	// Platform picks from multi-platform images ("os/arch[/variant]");
	// empty means the host's.
	Platform string
	// Source forces a source kind instead of guessing from the argument.
	Source Kind
	// Namespace is containerd's namespace ("" for CONTAINERD_NAMESPACE,
	// else "default").
	Namespace string
	// Insecure allows plain HTTP and unverified TLS for registries.
	Insecure bool
	// TempDir receives engine exports while they are read (default: the
	// system's temporary directory).
	TempDir string
	// Progress, if set, hears about engine exports.
	Progress Progress
	// Warn, if set, hears what did not stop the opening (an engine that
	// cannot save one platform alone).
	Warn func(string)
}

// Open resolves arg to an image. With no prefix and no --source, an
// existing path is a file or directory; anything else is looked up in the
// local engines (Docker, Podman, containerd) and then in its registry.
func Open(ctx context.Context, arg string, opts Options) (*Image, error) {
	if arg == "" {
		return nil, errors.New("no image named")
	}
	plat, err := platform.Parse(opts.Platform)
	if err != nil {
		return nil, err
	}
	kind, rest := opts.Source, arg
	for _, p := range prefixes {
		if r, ok := strings.CutPrefix(arg, p.prefix); ok {
			kind, rest = p.kind, r
			break
		}
	}
	if kind != "" && !known(kind) {
		return nil, fmt.Errorf("unknown source %q (known: %s)", kind, joinKinds())
	}
	var img *Image
	switch kind {
	case Docker:
		img, err = openDocker(ctx, rest, opts)
	case Podman:
		img, err = openPodman(ctx, rest, opts)
	case Containerd:
		img, err = openContainerd(ctx, rest, plat, opts)
	case Registry:
		img, err = openRegistry(ctx, rest, plat, opts)
	case DockerArchive, OCILayout, OCIArchive:
		img, err = openPath(kind, rest, plat, pathOptions(ctx, opts)...)
	default:
		img, err = openAny(ctx, rest, plat, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", arg, err)
	}
	if cfg, err := img.ConfigFile(); err == nil && cfg.OS != "" {
		img.Platform = platform.String(*cfg.Platform())
	}
	return img, nil
}

func known(k Kind) bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

func joinKinds() string {
	var s []string
	for _, k := range Kinds {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}

// openAny tries, in order, a path, the local engines (Docker, else Podman
// where Docker is not running, then containerd) and the registry, and
// says where it looked when none has the image.
func openAny(ctx context.Context, ref string, plat v1.Platform, opts Options) (*Image, error) {
	if img, err := openPath("", ref, plat, pathOptions(ctx, opts)...); !errors.Is(err, errNoPath) {
		return img, err
	}
	if _, err := name.ParseReference(ref); err != nil {
		// Not an image name either: a path that does not exist.
		return nil, errNoPath
	}
	var tried []string
	img, err := openDocker(ctx, ref, opts)
	if err == nil {
		return img, nil
	}
	tried = append(tried, err.Error())
	var unreachable *unreachableEngine
	if errors.As(err, &unreachable) {
		// No Docker here: Podman may be the local engine.
		img, perr := openPodman(ctx, ref, opts)
		if perr == nil {
			return img, nil
		}
		if !errors.As(perr, &unreachable) {
			tried = append(tried, perr.Error())
		}
	} else if !isNotFound(err) {
		return nil, err
	}
	img, err = openContainerd(ctx, ref, plat, opts)
	switch {
	case err == nil:
		return img, nil
	case isNotFound(err) || unreachableContainerd(err):
		if !absentContainerd(err) {
			tried = append(tried, err.Error())
		}
	default:
		return nil, err
	}
	img, err = openRegistry(ctx, ref, plat, opts)
	if err == nil {
		return img, nil
	}
	tried = append(tried, err.Error())
	return nil, fmt.Errorf("image not found: no such file or directory; %s", strings.Join(tried, "; "))
}
