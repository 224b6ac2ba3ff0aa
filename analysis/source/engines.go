package source

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/layerscope/layerscope/analysis/source/containerd"
	"github.com/layerscope/layerscope/analysis/source/engine"
	"github.com/layerscope/layerscope/analysis/source/layout"
	"github.com/layerscope/layerscope/analysis/source/platform"
	"github.com/layerscope/layerscope/analysis/source/registry"
	"github.com/layerscope/layerscope/analysis/source/tarfs"
)

// unreachableEngine marks that no engine answered, so that the automatic
// lookup moves on.
type unreachableEngine = engine.UnreachableError

func isNotFound(err error) bool {
	return errors.Is(err, engine.ErrNotFound) || errors.Is(err, registry.ErrNotFound) || errors.Is(err, containerd.ErrNotFound)
}

// openContainerd reads the image from containerd's content store, in place.
func openContainerd(ctx context.Context, ref string, plat v1.Platform, opts Options) (*Image, error) {
	stall, err := stallTimeout()
	if err != nil {
		return nil, err
	}
	img, err := containerd.Open(ctx, ref, containerd.Options{Namespace: opts.Namespace, Platform: plat, Stall: stall})
	if err != nil {
		return nil, err
	}
	return &Image{Image: img.Image, Name: img.Info.Name, Source: Containerd, Location: img.Info.Location(),
		ManifestDigest: img.Info.Digest.String(), close: img.Close}, nil
}

func unreachableContainerd(err error) bool {
	var u *containerd.UnreachableError
	return errors.As(err, &u)
}

// absentContainerd: no containerd socket where none was asked for is not
// worth naming when the automatic lookup says where it looked.
func absentContainerd(err error) bool {
	var u *containerd.UnreachableError
	return errors.As(err, &u) && u.NoSocket && os.Getenv(containerd.AddressEnv) == ""
}

func openDocker(ctx context.Context, ref string, opts Options) (*Image, error) {
	ep, err := engine.DockerEndpoint()
	if err != nil {
		return nil, err
	}
	stall, err := stallTimeout()
	if err != nil {
		return nil, err
	}
	path, err := engine.Save(ctx, ep, ref, opts.TempDir, exportProgress(opts, "exporting from Docker"), saveOptions(opts, stall)...)
	if err != nil {
		return nil, err
	}
	return fromSpool(path, ref, Docker, ep.Host, opts)
}

// openPodman uses Podman's API socket where one answers, and the podman
// command otherwise.
func openPodman(ctx context.Context, ref string, opts Options) (*Image, error) {
	stall, err := stallTimeout()
	if err != nil {
		return nil, err
	}
	progress := exportProgress(opts, "exporting from Podman")
	var lastErr error
	for _, ep := range engine.PodmanEndpoints() {
		path, err := engine.Save(ctx, ep, ref, opts.TempDir, progress, saveOptions(opts, stall)...)
		if err == nil {
			return fromSpool(path, ref, Podman, ep.Host, opts)
		}
		var u *engine.UnreachableError
		if !errors.As(err, &u) {
			return nil, err
		}
		lastErr = err
	}
	path, err := engine.PodmanSave(ctx, ref, opts.TempDir)
	if err != nil {
		var u *engine.UnreachableError
		if lastErr != nil && errors.As(err, &u) {
			return nil, lastErr
		}
		return nil, err
	}
	return fromSpool(path, ref, Podman, "podman image save", opts)
}

func exportProgress(opts Options, stage string) engine.Progress {
	if opts.Progress == nil {
		return nil
	}
	return func(done, total int64) { opts.Progress(stage, done, total) }
}

// saveOptions are the engine options of a save: the stall timeout, and
// the platform where the user named one.
func saveOptions(opts Options, stall time.Duration) []engine.Option {
	eo := []engine.Option{engine.WithStallTimeout(stall)}
	if opts.Platform != "" {
		if p, err := platform.Parse(opts.Platform); err == nil {
			eo = append(eo, engine.WithPlatform(p, opts.Warn))
		}
	}
	return eo
}

// fromSpool opens an engine's export; closing the image removes it.
func fromSpool(path, ref string, kind Kind, location string, opts Options) (*Image, error) {
	t, err := tarfs.Open(path)
	if err != nil {
		os.Remove(path)
		return nil, err
	}
	img, err := spooledImage(t, ref, opts.Platform)
	if err != nil {
		t.Close()
		os.Remove(path)
		var wrong *wrongPlatform
		if errors.As(err, &wrong) {
			return nil, fmt.Errorf("%s at %s saved %s, not %s: it has the image only for that platform, or cannot save one platform alone", engineNames[kind], location, wrong.got, wrong.want)
		}
		return nil, err
	}
	img.Name, img.Source, img.Location = ref, kind, location
	img.close = func() error {
		err := t.Close()
		return errors.Join(err, os.Remove(path))
	}
	return img, nil
}

// spooledImage reads the image of an engine's export. The export holds
// just this image, so no tag is needed to pick it. With a platform named,
// an export of another platform, from an engine that could not be told
// which, is refused rather than reported as the one asked for.
func spooledImage(t *tarfs.FS, ref, named string) (*Image, error) {
	want := platform.Host()
	if named != "" {
		p, err := platform.Parse(named)
		if err != nil {
			return nil, err
		}
		want = p
	}
	img, indexErr, err := dockerSave(t, "", ref, want)
	if err != nil || named == "" || isPlatform(img, want) {
		return img, err
	}
	if indexErr != nil {
		return nil, indexErr
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	return nil, &wrongPlatform{got: platform.String(platform.Normalize(*cfg.Platform())), want: platform.String(want)}
}

// dockerSave loads a docker save. A Docker 25+ save holds an OCI layout
// too, whose index lists every platform saved, where manifest.json names
// one manifest per tag (the engine's own platform): when that one is not
// of platform plat, the index is asked for plat. indexErr says why the
// index had none; the image of manifest.json is returned then.
func dockerSave(t *tarfs.FS, ref, name string, plat v1.Platform) (img *Image, indexErr, err error) {
	img, err = fromDockerArchive(t, ref, name)
	if err != nil || isPlatform(img, plat) {
		return img, nil, err
	}
	if _, serr := t.Stat(layout.IndexFile); serr != nil {
		return img, nil, nil // a legacy save: one platform, as it is
	}
	limg, lerr := fromLayout(t, OCIArchive, name, ref, plat, nil)
	if lerr != nil {
		return img, lerr, nil
	}
	limg.Name = img.Name
	return limg, nil, nil
}

// isPlatform says whether img's config is of platform p (a variant that
// p leaves out matches any).
func isPlatform(img *Image, p v1.Platform) bool {
	cfg, err := img.ConfigFile()
	if err != nil || cfg.OS == "" {
		return true // nothing to compare: leave it to the analysis
	}
	got := platform.Normalize(*cfg.Platform())
	return got.OS == p.OS && got.Architecture == p.Architecture && (p.Variant == "" || got.Variant == p.Variant)
}

var engineNames = map[Kind]string{Docker: "Docker", Podman: "Podman"}

// wrongPlatform: the engine saved another platform than the one named.
type wrongPlatform struct{ got, want string }

func (w *wrongPlatform) Error() string { return "the export holds " + w.got + ", not " + w.want }

// StallEnv names the environment variable that sets how long a registry or
// engine transfer may receive nothing before it is stopped (a Go duration
// such as 30s, the default, or 2m).
const StallEnv = "LAYERSCOPE_STALL_TIMEOUT"

// stallTimeout reads StallEnv; 0 means the default.
func stallTimeout() (time.Duration, error) {
	v := os.Getenv(StallEnv)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q is not a positive duration (e.g. 30s)", StallEnv, v)
	}
	return d, nil
}

func openRegistry(ctx context.Context, ref string, plat v1.Platform, opts Options) (*Image, error) {
	stall, err := stallTimeout()
	if err != nil {
		return nil, err
	}
	img, info, err := registry.Load(ctx, ref, plat, registry.Options{Insecure: opts.Insecure, Limits: registry.Limits{Stall: stall}})
	if err != nil {
		return nil, err
	}
	return &Image{Image: img, Name: info.Ref, Source: Registry, Location: info.Ref, ManifestDigest: info.Digest.String()}, nil
}
