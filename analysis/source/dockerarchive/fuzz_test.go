package dockerarchive_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/source/dockerarchive"
	"github.com/layerscope/layerscope/analysis/synth"
)

// fzArchive is a docker save around a synth image: config.json, layer.tar
// (uncompressed, as docker writes it), the same layer gzipped, and both
// blobs again under blobs/sha256/ as Docker 25+ names them. manifest.json
// is the fuzz input.
type fzArchive struct {
	fsys                       fstest.MapFS
	config, layer, gz          []byte
	configHex, layerHex, gzHex string
}

func fzNewArchive(t testing.TB) *fzArchive {
	t.Helper()
	img, err := synth.Image([]synth.Entry{synth.Dir("etc/"), synth.File("etc/hostname", "fuzz\n"), synth.Symlink("link", "etc/hostname")})
	if err != nil {
		t.Fatal(err)
	}
	config, err := img.RawConfigFile()
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
	a := &fzArchive{config: config, layer: read(layers[0].Uncompressed), gz: read(layers[0].Compressed)}
	a.configHex, a.layerHex, a.gzHex = fzHex(a.config), fzHex(a.layer), fzHex(a.gz)
	a.fsys = fstest.MapFS{
		"config.json":                 {Data: a.config},
		"abc/layer.tar":               {Data: a.layer},
		"abc/layer.tar.gz":            {Data: a.gz},
		"blobs/sha256/" + a.configHex: {Data: a.config},
		"blobs/sha256/" + a.layerHex:  {Data: a.layer},
		"blobs/sha256/" + a.gzHex:     {Data: a.gz},
		"repositories":                {Data: []byte(`{"fuzz":{"latest":"` + a.configHex + `"}}`)},
	}
	return a
}

func fzHex(b []byte) string {
	h, _, _ := v1.SHA256(bytes.NewReader(b))
	return h.Hex
}

// fzEntry mirrors the package's reading of manifest.json.
type fzEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

func fzManifestSeeds(a *fzArchive) []string {
	blob := func(hex string) string { return `"blobs/sha256/` + hex + `"` }
	return []string{
		`[{"Config":"config.json","RepoTags":["fuzz:latest"],"Layers":["abc/layer.tar"]}]`,
		`[{"Config":` + blob(a.configHex) + `,"RepoTags":["docker.io/library/fuzz:1"],"Layers":[` + blob(a.layerHex) + `]}]`,
		`[{"Config":"config.json","RepoTags":null,"Layers":["abc/layer.tar.gz",` + blob(a.gzHex) + `]}]`,
		`[{"Config":"./config.json","RepoTags":["a:1","b:2"],"Layers":["/abc/../abc/layer.tar"]},{"Config":"config.json","RepoTags":["c"],"Layers":[]}]`,
		`[{"config":"config.json","repotags":["lower:case"],"layers":["abc/layer.tar"]}]`,
		// Broken: whatever the layers, only the config and the layer
		// files are checked by Load.
		`[{"Config":"config.json","Layers":["missing.tar"]}]`,
		`[{"Config":"missing.json","Layers":["abc/layer.tar"]}]`,
		`[{"Config":"abc/layer.tar","Layers":["abc/layer.tar"]}]`,
		`[{"Config":"config.json","Layers":["config.json","abc","."]}]`,
		`[{"Config":"../../config.json","Layers":["../../../abc/layer.tar"]}]`,
		`[{"Config":` + blob(a.configHex) + `,"Layers":[` + blob(strings.Repeat("0", 64)) + `]}]`,
		`[{"Config":"manifest.json","Layers":[]}]`,
		// Issue 10: one layer used many times, paths to devices and
		// through parents, empty names.
		`[{"Config":"config.json","Layers":[` + strings.Repeat(`"abc/layer.tar",`, 19) + `"abc/layer.tar"]}]`,
		`[{"Config":"/dev/zero","Layers":["/dev/zero"]}]`,
		`[{"Config":"config.json","Layers":["abc/../../abc/./layer.tar","",".."]}]`,
		`[]`,
		`[{}]`,
		`{}`,
		`null`,
		`[{"Config":1}]`,
		`[`,
		``,
	}
}

// FuzzLoad: any manifest.json either fails to load or gives an image whose
// config and layers can be had, and that the analysis reads or refuses
// without a panic.
func FuzzLoad(f *testing.F) {
	a := fzNewArchive(f)
	for i, s := range fzManifestSeeds(a) {
		f.Add([]byte(s), "")
		f.Add([]byte(s), []string{"@0", "@1", "fuzz", "a:1", "c:latest", "@x", "docker.io/library/fuzz:1"}[i%7])
	}
	f.Fuzz(func(t *testing.T, manifest []byte, want string) {
		fsys := fstest.MapFS{dockerarchive.ManifestFile: &fstest.MapFile{Data: manifest}}
		for k, v := range a.fsys {
			fsys[k] = v
		}
		img, tag, err := dockerarchive.Load(fsys, want)
		if err != nil {
			if img != nil {
				t.Errorf("an error (%v) and an image", err)
			}
			return
		}
		if img == nil {
			t.Fatal("no error and no image")
		}

		// Load picked an entry of manifest.json as asked, and its tag.
		var entries []fzEntry
		if err := json.Unmarshal(manifest, &entries); err != nil {
			t.Fatalf("Load read a manifest.json that encoding/json refuses: %v", err)
		}
		var picked []fzEntry
		switch n, isIndex := strings.CutPrefix(want, "@"); {
		case want == "":
			if len(entries) != 1 {
				t.Errorf("no tag asked for, %d images, and Load picked one", len(entries))
			}
			picked = entries[:min(1, len(entries))]
			if len(picked) == 1 && tag != fzFirstTag(picked[0]) {
				t.Errorf("tag %q, the image's first is %q", tag, fzFirstTag(picked[0]))
			}
		case isIndex:
			i, err := strconv.Atoi(n)
			if err != nil || i < 0 || i >= len(entries) {
				t.Fatalf("Load found @%s among %d images", n, len(entries))
			}
			picked = entries[i : i+1]
			if tag != fzFirstTag(picked[0]) {
				t.Errorf("tag %q, the image's first is %q", tag, fzFirstTag(picked[0]))
			}
		default:
			for _, e := range entries {
				for _, rt := range e.RepoTags {
					if rt == tag {
						picked = append(picked, e)
						break
					}
				}
			}
			if len(picked) == 0 {
				t.Fatalf("asked for %q, got tag %q that no image has", want, tag)
			}
		}
		if len(picked) == 0 {
			t.Fatal("Load picked an image of none")
		}
		if tag != "" && !fzHasTag(picked, tag) {
			t.Errorf("tag %q is not one of the picked image's %v", tag, picked[0].RepoTags)
		}

		raw, err := img.RawConfigFile()
		if err != nil {
			t.Fatalf("RawConfigFile: %v", err)
		}
		if _, err := v1.ParseConfigFile(bytes.NewReader(raw)); err != nil {
			t.Errorf("the raw config does not parse: %v", err)
		}
		if _, err := img.ConfigFile(); err != nil {
			t.Errorf("ConfigFile: %v", err)
		}
		layers, err := img.Layers()
		if err != nil {
			t.Fatalf("Layers: %v", err)
		}
		if !fzSomeHasLayers(picked, len(layers)) {
			t.Errorf("%d layers, the picked image lists %d", len(layers), len(picked[0].Layers))
		}
		for i, l := range layers {
			size, err := l.Size()
			if err != nil || size < 0 {
				t.Errorf("layer %d: size %d, %v", i, size, err)
			}
			// Whatever these say, they must not panic.
			l.Digest()
			l.DiffID()
			l.MediaType()
		}
		img.Manifest()

		res, err := analysis.Analyze(context.Background(), img, analysis.WithWorkers(2))
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("a panic was recovered while reading a layer: %v", err)
			}
			return
		}
		if len(res.Layers) != len(layers) {
			t.Errorf("analysed %d layers of %d", len(res.Layers), len(layers))
		}
	})
}

// fzSomeHasLayers reports whether some picked entry lists n layers.
func fzSomeHasLayers(picked []fzEntry, n int) bool {
	for _, e := range picked {
		if len(e.Layers) == n {
			return true
		}
	}
	return false
}

func fzHasTag(picked []fzEntry, tag string) bool {
	for _, e := range picked {
		for _, rt := range e.RepoTags {
			if rt == tag {
				return true
			}
		}
	}
	return false
}

func fzFirstTag(e fzEntry) string {
	if len(e.RepoTags) == 0 {
		return ""
	}
	return e.RepoTags[0]
}
