package source

import (
	"archive/tar"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/layerscope/layerscope/analysis/source/platform"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis/synth"
)

// multiPlatformLayout writes an OCI layout whose one index holds amd64 and
// arm64 images and an attestation-like unknown/unknown entry.
func multiPlatformLayout(t *testing.T) string {
	t.Helper()
	idx, err := synth.PlatformIndex(v1.Platform{OS: "linux", Architecture: "amd64"},
		v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}, v1.Platform{OS: "unknown", Architecture: "unknown"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "layout")
	if err := synth.WriteLayout(dir, "multi", idx); err != nil {
		t.Fatal(err)
	}
	return dir
}

// tarDir packs a directory as an (OCI) archive.
func tarDir(t *testing.T, dir string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "archive.tar")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, _ := d.Info()
		h, _ := tar.FileInfoHeader(info, "")
		h.Name = filepath.ToSlash(rel)
		if d.IsDir() {
			h.Name += "/"
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if d.Type().IsRegular() {
			src, err := os.Open(p)
			if err != nil {
				return err
			}
			defer src.Close()
			_, err = io.Copy(tw, src)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tw.Close()
	return out
}

func TestMultiPlatformLayoutAndArchive(t *testing.T) {
	dir := multiPlatformLayout(t)
	archive := tarDir(t, dir)
	for _, ref := range []string{"oci:" + dir, dir + ":multi", "oci-archive:" + archive, archive} {
		for plat, want := range map[string]string{"linux/arm64": "linux/arm64/v8", "linux/amd64": "linux/amd64", "linux/arm64/v8": "linux/arm64/v8"} {
			img, err := Open(context.Background(), ref, Options{Platform: plat})
			if err != nil {
				t.Fatalf("%s --platform %s: %v", ref, plat, err)
			}
			if img.Platform != want {
				t.Errorf("%s --platform %s picked %s", ref, plat, img.Platform)
			}
			img.Close()
		}
		_, err := Open(context.Background(), ref, Options{Platform: "linux/s390x"})
		if err == nil || !strings.Contains(err.Error(), "the image has: linux/amd64, linux/arm64/v8") {
			t.Errorf("%s for s390x: %v", ref, err)
		}
	}
}

func TestCorruptBlobIsAnError(t *testing.T) {
	dir := multiPlatformLayout(t)
	// Damage the index blob the top-level index points to.
	blobs, _ := filepath.Glob(filepath.Join(dir, "blobs", "sha256", "*"))
	for _, b := range blobs {
		data, _ := os.ReadFile(b)
		if strings.Contains(string(data), `"manifests"`) {
			os.WriteFile(b, append(data, ' '), 0o644)
		}
	}
	if _, err := Open(context.Background(), dir, Options{Platform: "linux/amd64"}); err == nil || !strings.Contains(err.Error(), "does not match its digest") {
		t.Errorf("err = %v, want a digest mismatch", err)
	}
}

// Found by fuzzing: an index.json that itself lists per-platform manifests
// follows --platform too.
func TestTopLevelPlatformsFollowPlatform(t *testing.T) {
	idx, err := synth.PlatformIndex(v1.Platform{OS: "linux", Architecture: "amd64"}, v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "flat")
	// Write the platform manifests straight into index.json.
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	im, _ := idx.IndexManifest()
	for _, d := range im.Manifests {
		img, _ := idx.Image(d.Digest)
		if err := lp.AppendImage(img, layout.WithPlatform(*d.Platform)); err != nil {
			t.Fatal(err)
		}
	}
	for _, plat := range []string{"linux/arm64", "linux/amd64"} {
		img, err := Open(context.Background(), dir, Options{Platform: plat})
		if err != nil {
			t.Fatal(err)
		}
		if want, _ := platformString(plat); img.Platform != want {
			t.Errorf("--platform %s picked %s", plat, img.Platform)
		}
		img.Close()
	}
}

func platformString(s string) (string, error) {
	p, err := platform.Parse(s)
	return platform.String(p), err
}
