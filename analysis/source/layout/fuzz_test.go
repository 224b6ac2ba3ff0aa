package layout_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/fstest"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/source/layout"
	"github.com/layerscope/layerscope/analysis/source/platform"
	"github.com/layerscope/layerscope/analysis/synth"
)

// fzLayout is an OCI layout around a synth image, without its index.json
// (the fuzz input): an amd64 manifest with the gzip layer, an arm64/v8 one
// with the same layer uncompressed, and an index of both plus an
// attestation-like entry.
type fzLayout struct {
	fsys          fstest.MapFS
	amd64, arm64  v1.Descriptor // the manifests
	index         v1.Descriptor // the nested index
	config, layer v1.Descriptor // a config and a layer blob
	configs       map[v1.Hash][]byte
}

func fzBlob(fsys fstest.MapFS, mt types.MediaType, b []byte) v1.Descriptor {
	h, n, _ := v1.SHA256(bytes.NewReader(b))
	fsys["blobs/sha256/"+h.Hex] = &fstest.MapFile{Data: b}
	return v1.Descriptor{MediaType: mt, Digest: h, Size: n}
}

func fzNewLayout(t testing.TB) *fzLayout {
	t.Helper()
	img, err := synth.Image([]synth.Entry{synth.Dir("etc/"), synth.File("etc/hostname", "fuzz\n"), synth.Symlink("link", "etc/hostname")})
	if err != nil {
		t.Fatal(err)
	}
	rawCfg, err := img.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	read := func(open func() (io.ReadCloser, error)) []byte {
		b, err := synth.ReadAll(open)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	gz, plain := read(layers[0].Compressed), read(layers[0].Uncompressed)

	l := &fzLayout{fsys: fstest.MapFS{"oci-layout": {Data: []byte(`{"imageLayoutVersion":"1.0.0"}`)}}, configs: map[v1.Hash][]byte{}}
	manifest := func(cfg []byte, layer v1.Descriptor) v1.Descriptor {
		cd := fzBlob(l.fsys, types.OCIConfigJSON, cfg)
		l.configs[cd.Digest] = cfg
		m, err := json.Marshal(v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, Config: cd, Layers: []v1.Descriptor{layer}})
		if err != nil {
			t.Fatal(err)
		}
		l.config = cd
		return fzBlob(l.fsys, types.OCIManifestSchema1, m)
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(rawCfg))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Architecture, cfg.Variant = "arm64", "v8"
	armCfg, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l.layer = fzBlob(l.fsys, types.OCIUncompressedLayer, plain)
	l.arm64 = manifest(armCfg, l.layer)
	l.amd64 = manifest(rawCfg, fzBlob(l.fsys, types.OCILayer, gz))
	l.amd64.Platform = &v1.Platform{OS: "linux", Architecture: "amd64"}
	l.arm64.Platform = &v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
	att := l.amd64
	att.Platform = &v1.Platform{OS: "unknown", Architecture: "unknown"}
	idx, err := json.Marshal(v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{l.amd64, l.arm64, att}})
	if err != nil {
		t.Fatal(err)
	}
	l.index = fzBlob(l.fsys, types.OCIImageIndex, idx)
	return l
}

func fzIndex(descs ...v1.Descriptor) string {
	b, _ := json.Marshal(v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: descs})
	return string(b)
}

func fzWith(d v1.Descriptor, f func(*v1.Descriptor)) v1.Descriptor {
	f(&d)
	return d
}

func fzNamed(d v1.Descriptor, key, name string) v1.Descriptor {
	return fzWith(d, func(d *v1.Descriptor) { d.Annotations = map[string]string{key: name} })
}

type fzSeed struct {
	index, ref string
	arm64      bool
}

func fzSeeds(l *fzLayout) []fzSeed {
	const refName = "org.opencontainers.image.ref.name"
	noPlat := func(d v1.Descriptor) v1.Descriptor { return fzWith(d, func(d *v1.Descriptor) { d.Platform = nil }) }
	amd, arm := noPlat(l.amd64), noPlat(l.arm64)
	return []fzSeed{
		{fzIndex(fzNamed(amd, refName, "fuzz:latest")), "", false},
		{fzIndex(fzNamed(amd, refName, "fuzz:latest")), "latest", true},
		{fzIndex(fzNamed(l.index, refName, "multi")), "", false},
		{fzIndex(fzNamed(l.index, refName, "multi")), "multi", true},
		{fzIndex(fzWith(l.index, func(d *v1.Descriptor) { d.MediaType = "" })), "", true}, // an index told by its contents
		{fzIndex(fzNamed(amd, refName, "one"), fzNamed(arm, refName, "two")), "two", false},
		{fzIndex(fzNamed(amd, "io.containerd.image.name", "docker.io/library/fuzz:1")), "fuzz:1", false},
		{fzIndex(amd, arm), amd.Digest.String(), false},
		{fzIndex(l.amd64, l.arm64), "", false}, // a top-level list of platforms
		{fzIndex(amd, amd), "", false},
		// Broken.
		{fzIndex(amd, arm), "", false},
		{fzIndex(fzNamed(amd, refName, "a")), "b", false},
		{fzIndex(fzWith(amd, func(d *v1.Descriptor) { d.Digest.Hex = strings.Repeat("0", 64) })), "", false},
		{fzIndex(fzWith(amd, func(d *v1.Descriptor) { d.Digest.Algorithm = "sha512" })), "", false},
		{fzIndex(fzWith(amd, func(d *v1.Descriptor) { d.MediaType = types.OCIImageIndex })), "", false},
		{fzIndex(l.config), "", false},
		{fzIndex(l.layer), "", false},
		{fzIndex(fzWith(l.index, func(d *v1.Descriptor) { d.Platform = &v1.Platform{OS: "linux", Architecture: "s390x"} })), "", false},
		{fzIndex(), "", false},
		// Issue 10: sizes that do not match the blob, or claim more than
		// any JSON document may hold.
		{fzIndex(fzWith(amd, func(d *v1.Descriptor) { d.Size++ })), "", false},
		{fzIndex(fzWith(amd, func(d *v1.Descriptor) { d.Size-- })), "", false},
		{fzIndex(fzWith(amd, func(d *v1.Descriptor) { d.Size = -1 })), "", false},
		{fzIndex(fzWith(amd, func(d *v1.Descriptor) { d.Size = 20 << 30 })), "", false},
		{fzIndex(fzWith(l.index, func(d *v1.Descriptor) { d.Size = 9 << 20 })), "", false},
		{`{"schemaVersion":2,"manifests":[{"digest":"sha256:` + strings.Repeat("a", 64) + `"}]}`, "", false},
		{`{"manifests":null}`, "", false},
		{`[]`, "", false},
		{`{`, "", false},
		{``, "", false},
	}
}

func fzPlatform(arm64 bool) v1.Platform {
	if arm64 {
		return platform.Normalize(v1.Platform{OS: "linux", Architecture: "arm64"})
	}
	return v1.Platform{OS: "linux", Architecture: "amd64"}
}

// fzMatches is platform.Select's rule for one descriptor.
func fzMatches(d v1.Descriptor, want v1.Platform) bool {
	if d.Platform == nil || platform.IsAttestation(d) {
		return false
	}
	got := platform.Normalize(*d.Platform)
	return got.OS == want.OS && got.Architecture == want.Architecture && (want.Variant == "" || got.Variant == want.Variant)
}

// FuzzLoad: any index.json either fails to load or gives one of the
// layout's images, for the platform asked for when a platform decided, with
// the manifest and config it names, which the analysis then reads whole.
func FuzzLoad(f *testing.F) {
	l := fzNewLayout(f)
	for _, s := range fzSeeds(l) {
		f.Add([]byte(s.index), s.ref, s.arm64)
	}
	f.Fuzz(func(t *testing.T, index []byte, ref string, arm64 bool) {
		fsys := fstest.MapFS{layout.IndexFile: &fstest.MapFile{Data: index}}
		for k, v := range l.fsys {
			fsys[k] = v
		}
		plat := fzPlatform(arm64)
		img, info, err := layout.Load(fsys, ref, plat)
		if err != nil {
			if img != nil {
				t.Errorf("an error (%v) and an image", err)
			}
			return
		}
		if img == nil {
			t.Fatal("no error and no image")
		}
		if info.Digest != l.amd64.Digest && info.Digest != l.arm64.Digest {
			t.Fatalf("loaded manifest %s, not one of the layout's", info.Digest)
		}
		if info.Platform != "" && info.Platform != platform.String(plat) {
			t.Errorf("picked platform %s, asked for %s", info.Platform, platform.String(plat))
		}
		// Where index.json itself is a list of platforms, the one asked
		// for decides (the README: --platform, default the host's).
		idx, err := v1.ParseIndexManifest(bytes.NewReader(index))
		if err != nil {
			t.Fatalf("Load read an index.json that go-containerregistry refuses: %v", err)
		}
		if ref == "" && fzPlatformList(idx.Manifests) {
			ok := false
			for _, d := range idx.Manifests {
				if fzMatches(d, plat) && (d.Digest == info.Digest || (d.Digest == l.index.Digest && info.Platform != "")) {
					ok = true
				}
			}
			if !ok {
				t.Errorf("index.json lists platforms %s; asked for %s, Load gave manifest %s (%s)",
					fzPlatforms(idx.Manifests), platform.String(plat), info.Digest, fzArch(l, info.Digest))
			}
		}

		rawManifest, err := img.RawManifest()
		if err != nil {
			t.Fatalf("RawManifest: %v", err)
		}
		if h, _, _ := v1.SHA256(bytes.NewReader(rawManifest)); h != info.Digest {
			t.Errorf("the manifest hashes to %s, Info says %s", h, info.Digest)
		}
		m, err := img.Manifest()
		if err != nil {
			t.Fatalf("Manifest: %v", err)
		}
		rawConfig, err := img.RawConfigFile()
		if err != nil {
			t.Fatalf("RawConfigFile: %v", err)
		}
		if !bytes.Equal(rawConfig, l.configs[m.Config.Digest]) {
			t.Errorf("the config is not the blob %s the manifest names", m.Config.Digest)
		}
		layers, err := img.Layers()
		if err != nil {
			t.Fatalf("Layers: %v", err)
		}
		if len(layers) != len(m.Layers) {
			t.Fatalf("%d layers, the manifest lists %d", len(layers), len(m.Layers))
		}
		for i, ly := range layers {
			if d, err := ly.Digest(); err != nil || d != m.Layers[i].Digest {
				t.Errorf("layer %d: digest %s, %v; the manifest says %s", i, d, err, m.Layers[i].Digest)
			}
		}

		// Every blob here is valid: the analysis reads the image whole.
		res, err := analysis.Analyze(context.Background(), img, analysis.WithWorkers(2))
		if err != nil {
			t.Fatalf("Analyze: %v", err)
		}
		if len(res.Layers) != len(m.Layers) || res.Metrics.SizeBytes != 5 {
			t.Errorf("analysed %d layers of %d, %d bytes", len(res.Layers), len(m.Layers), res.Metrics.SizeBytes)
		}
		for _, w := range res.Warnings {
			if strings.Contains(w, "digest") {
				t.Errorf("warning: %s", w)
			}
		}
	})
}

// fzPlatformList reports whether descs name more than one manifest, each
// with a platform: a multi-platform image in itself.
func fzPlatformList(descs []v1.Descriptor) bool {
	distinct := map[v1.Hash]bool{}
	for _, d := range descs {
		if d.Platform == nil {
			return false
		}
		distinct[d.Digest] = true
	}
	return len(distinct) > 1
}

func fzPlatforms(descs []v1.Descriptor) string {
	var out []string
	for _, d := range descs {
		out = append(out, platform.String(*d.Platform)+"="+d.Digest.Hex[:min(8, len(d.Digest.Hex))])
	}
	return strings.Join(out, ", ")
}

func fzArch(l *fzLayout, h v1.Hash) string {
	switch h {
	case l.amd64.Digest:
		return fmt.Sprintf("the amd64 one, %s", h.Hex[:8])
	case l.arm64.Digest:
		return fmt.Sprintf("the arm64 one, %s", h.Hex[:8])
	}
	return "?"
}
