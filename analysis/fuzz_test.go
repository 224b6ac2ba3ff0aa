package analysis

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"path"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/layerscope/layerscope/analysis/synth"
	"github.com/layerscope/layerscope/tree"
)

// fzBlob is a v1.Layer over bytes in memory: Compressed returns them as
// they are (the analysis sniffs the compression), the DiffID is zero so the
// analysis compares nothing against it.
type fzBlob struct{ b []byte }

func (l fzBlob) Digest() (v1.Hash, error) { return fzHash(l.b), nil }
func (l fzBlob) DiffID() (v1.Hash, error) { return v1.Hash{}, nil }
func (l fzBlob) Compressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(l.b)), nil
}
func (l fzBlob) Uncompressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(l.b)), nil
}
func (l fzBlob) Size() (int64, error)                { return int64(len(l.b)), nil }
func (l fzBlob) MediaType() (types.MediaType, error) { return types.OCILayer, nil }

// fzImage is a v1.Image of in-memory layers with a minimal config and no
// stored manifest (as a docker save), so Plan reads nothing but the config.
type fzImage struct {
	layers []v1.Layer
	cfg    []byte
}

var fzConfig = []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)

var errFzNoManifest = io.ErrUnexpectedEOF

func (i fzImage) Layers() ([]v1.Layer, error)         { return i.layers, nil }
func (i fzImage) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }
func (i fzImage) Size() (int64, error)                { return 0, nil }
func (i fzImage) ConfigName() (v1.Hash, error)        { return fzHash(i.cfg), nil }
func (i fzImage) ConfigFile() (*v1.ConfigFile, error) {
	return v1.ParseConfigFile(bytes.NewReader(i.cfg))
}
func (i fzImage) RawConfigFile() ([]byte, error)          { return i.cfg, nil }
func (i fzImage) Digest() (v1.Hash, error)                { return v1.Hash{}, errFzNoManifest }
func (i fzImage) Manifest() (*v1.Manifest, error)         { return nil, errFzNoManifest }
func (i fzImage) RawManifest() ([]byte, error)            { return nil, errFzNoManifest }
func (i fzImage) LayerByDigest(v1.Hash) (v1.Layer, error) { return nil, errFzNoManifest }
func (i fzImage) LayerByDiffID(v1.Hash) (v1.Layer, error) { return nil, errFzNoManifest }
func (i fzImage) HasManifest() bool                       { return false }

func fzHash(b []byte) v1.Hash {
	sum := sha256.Sum256(b)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
}

func fzTar(t testing.TB, entries ...synth.Entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := synth.WriteLayer(&buf, entries...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func fzGzip(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func fzZstd(t testing.TB, b []byte) []byte {
	t.Helper()
	zw, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	defer zw.Close()
	return zw.EncodeAll(b, nil)
}

// fzRawTar writes headers as they are, for the types synth does not write;
// regular files get Size bytes of body.
func fzRawTar(t testing.TB, hdrs ...*tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range hdrs {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeCont:
			tw.Write(bytes.Repeat([]byte{'x'}, int(h.Size)))
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fzLowerEntries is the layer the fuzzed one is stacked on (or under): a
// bit of everything, so that whiteouts, opaque markers and hardlinks in the
// fuzzed layer have something to act on.
var fzLowerEntries = []synth.Entry{
	synth.Dir("a/"), synth.File("a/x", "xxx"), synth.Dir("a/sub/"), synth.File("a/sub/y", "yyyy"),
	synth.File("b", "bb"), synth.Dir("d/"), synth.File("d/f", "12345"), synth.Symlink("l", "a/x"),
	synth.Hardlink("h", "b"), synth.Dir("etc/"), synth.File("etc/passwd", "root:x:0:0::/root:/bin/sh\n"),
}

// fzLayerSeeds are the layer blobs of the seed corpus, valid and broken.
func fzLayerSeeds(t testing.TB) [][]byte {
	var plain [][]byte
	for _, c := range synth.Cases() {
		for _, l := range c.Layers {
			plain = append(plain, fzTar(t, l...))
		}
	}
	plain = append(plain,
		fzTar(t, synth.Whiteout("a"), synth.Whiteout("d/f"), synth.Whiteout("nothing"), synth.File("new", "n")),
		fzTar(t, synth.Dir("a/"), synth.Opaque("a"), synth.File("a/z", "zz"), synth.Opaque("d")),
		fzTar(t, synth.File("a/sub/y", "replaced"), synth.Hardlink("hl", "a/x"), synth.Hardlink("hl2", "missing"),
			synth.Hardlink("self", "self"), synth.Hardlink("dirlink", "a")),
		fzTar(t, synth.File("../escape", "1"), synth.File("a/../../b", "22"), synth.File("/abs", "3"),
			synth.Hardlink("hx", "../../b"), synth.Symlink("sx", "../../../etc/passwd"), synth.Dir("../../")),
		fzTar(t, synth.File("f", "1"), synth.File("f", "22"), synth.Dir("f/"), synth.File("f/g", "333"), synth.File("f", "4444")),
		fzTar(t, synth.File("b/c", "under a file"), synth.File("l/x", "under a symlink")),
		fzTar(t, synth.Entry{Name: "./", Type: tar.TypeDir, Mode: 0o700}, synth.Opaque("."), synth.File("root", "r")),
		fzTar(t, synth.File(".wh..wh.plnk/1", ""), synth.File("a/.wh.", ""), synth.File("a/.wh..wh..opq/x", "")),
		fzRawTar(t,
			&tar.Header{Name: "dev/null", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3},
			&tar.Header{Name: "dev/sda", Typeflag: tar.TypeBlock, Devmajor: 8},
			&tar.Header{Name: "fifo", Typeflag: tar.TypeFifo},
			&tar.Header{Name: "weird", Typeflag: 'Z'},
			&tar.Header{Name: "contig", Typeflag: tar.TypeCont, Size: 4},
			&tar.Header{Name: "meta", Typeflag: tar.TypeXGlobalHeader, PAXRecords: map[string]string{"comment": "x"}},
			&tar.Header{Name: strings.Repeat("deep/", 40) + "leaf", Typeflag: tar.TypeReg, Size: 2, Format: tar.FormatGNU},
		),
	)
	var out [][]byte
	for _, p := range plain {
		out = append(out, p, fzGzip(t, p), fzZstd(t, p))
	}
	valid := plain[0]
	gz := fzGzip(t, valid)
	out = append(out,
		nil,
		[]byte("not a tar at all"),
		make([]byte, 1024),                 // the end marker alone
		valid[:len(valid)/2],               // truncated tar
		valid[:700],                        // truncated inside the first body
		gz[:len(gz)/2],                     // truncated gzip
		append(bytes.Clone(gz), "junk"...), // trailing garbage after the gzip stream
		fzGzip(t, []byte("gzip of no tar")),
		fzZstd(t, nil),
		[]byte("BZh91AY&SY"),                    // bzip2: unsupported
		[]byte{0xfd, '7', 'z', 'X', 'Z', 0},     // xz: unsupported
		[]byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0}, // a broken zstd frame
	)
	return out
}

// FuzzReadLayer: any layer blob, alone, stacked on a known layer or under
// it, is either analysed into a consistent result or refused with an error;
// a panic, even one that Analyze recovers, is a failure. With fixHeaders,
// the numeric fields and checksums of the blob's tar headers are repaired
// first (see fzFixHeaders), so that mutated sizes and types get past the
// header checks.
func FuzzReadLayer(f *testing.F) {
	for i, b := range fzLayerSeeds(f) {
		f.Add(b, uint8(i%3), i%2 == 0)
	}
	lower := fzGzip(f, fzTar(f, fzLowerEntries...))
	f.Fuzz(func(t *testing.T, blob []byte, stack uint8, fixHeaders bool) {
		if fixHeaders {
			blob = synth.FixTarHeaders(blob)
		}
		var layers []v1.Layer
		fuzzed := 0
		switch stack % 3 {
		case 0:
			layers = []v1.Layer{fzBlob{blob}}
		case 1:
			layers, fuzzed = []v1.Layer{fzBlob{lower}, fzBlob{blob}}, 1
		case 2:
			layers = []v1.Layer{fzBlob{blob}, fzBlob{lower}}
		}
		res, err := Analyze(context.Background(), fzImage{layers: layers, cfg: fzConfig}, WithWorkers(2))
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("a panic was recovered while reading the layer: %v", err)
			}
			if res != nil {
				t.Errorf("an error (%v) and a result", err)
			}
			return
		}
		fzCheckResult(t, res, len(layers))
		if l := res.Layers[fuzzed]; l.Digest != fzHash(blob) || l.CompressedSizeBytes != int64(len(blob)) {
			t.Errorf("layer %d: digest %s, %d stored bytes; want %s, %d", fuzzed, l.Digest, l.CompressedSizeBytes, fzHash(blob), len(blob))
		}
	})
}

// fzCheckResult checks the invariants of a finished analysis.
func fzCheckResult(t *testing.T, res *Result, nLayers int) {
	t.Helper()
	f := res.FS
	m := res.Metrics
	if !res.Done() || res.Merged() != nLayers || len(res.Layers) != nLayers || f.NumLayers() != nLayers {
		t.Fatalf("done %v, merged %d, %d layers, FS has %d; want %d", res.Done(), res.Merged(), len(res.Layers), f.NumLayers(), nLayers)
	}
	if m.VisibleBytes != m.SizeBytes-m.WastedBytes {
		t.Errorf("visible %d != size %d - wasted %d", m.VisibleBytes, m.SizeBytes, m.WastedBytes)
	}
	if m.WastedBytes < 0 || m.WastedBytes > m.SizeBytes {
		t.Errorf("wasted %d of %d bytes", m.WastedBytes, m.SizeBytes)
	}
	if m.Efficiency < 0 || m.Efficiency > 1 {
		t.Errorf("efficiency %v", m.Efficiency)
	}

	// The merged file system holds exactly the visible bytes, only visible
	// entries, and nothing below a non-directory.
	var visible int64
	if cur := f.Cur(tree.Root); cur != tree.NoEntry {
		// The root is not in the walk, nor in the report's file list.
		if e := f.Entry(cur); e.Type != tree.TypeDir || e.Bytes() != 0 {
			t.Errorf("the root directory is a %s of %d bytes", e.Type, e.Bytes())
		}
	}
	f.WalkMerged(func(n tree.NodeID, id tree.EntryID) {
		if id != tree.NoEntry {
			e := f.Entry(id)
			visible += e.Bytes()
			if e.Type.IsMarker() {
				t.Errorf("%s: a %s marker is visible", f.Path(n), e.Type)
			}
			if e.Node != n {
				t.Errorf("%s: its visible entry belongs to %s", f.Path(n), f.Path(e.Node))
			}
			if by, shadowed := e.Shadowed(); shadowed {
				t.Errorf("%s: the visible entry is marked shadowed by layer %d", f.Path(n), by)
			}
		}
		if cur := f.Cur(f.Parent(n)); cur != tree.NoEntry && f.Entry(cur).Type != tree.TypeDir {
			t.Errorf("%s is visible below %s, a %s", f.Path(n), f.Path(f.Parent(n)), f.Entry(cur).Type)
		}
	})
	if visible != m.VisibleBytes {
		t.Errorf("the merged file system holds %d bytes, VisibleBytes is %d (size %d, wasted %d)", visible, m.VisibleBytes, m.SizeBytes, m.WastedBytes)
	}

	// The report's file list: absolute, clean, unique, sorted.
	prev := ""
	if err := res.Files(func(fr FileReport) error {
		p := fr.Path
		if fzEscapes(p) || p == "/" {
			t.Errorf("file path %q is not absolute, clean and inside the root", p)
		}
		if prev != "" && p <= prev {
			t.Errorf("file paths out of order or repeated: %q after %q", p, prev)
		}
		prev = p
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// Every entry of every layer has a path inside the root, and the
	// per-layer counts add up.
	var size, wasted int64
	for i := range nLayers {
		l := res.Layers[i]
		entries := 0
		var lsize, lwasted int64
		for _, e := range f.LayerEntries(i) {
			entries++
			if int(e.Layer) != i {
				t.Errorf("an entry of layer %d says layer %d", i, e.Layer)
			}
			p := f.Path(e.Node)
			if fzEscapes(p) {
				t.Errorf("layer %d: %s entry path %q escapes the root or is not clean", i, e.Type, p)
			}
			if e.Type == tree.TypeHardlink {
				if lt := f.LinkTarget(e); fzEscapes(lt) {
					t.Errorf("layer %d: hardlink %s points to %q", i, p, lt)
				}
			}
			b := e.Bytes()
			if b < 0 {
				t.Errorf("layer %d: %s has %d bytes", i, p, b)
			}
			lsize += b
			if by, ok := e.Shadowed(); ok {
				if by < i || by >= nLayers {
					t.Errorf("layer %d: %s is shadowed by layer %d", i, p, by)
				}
				lwasted += b
			}
		}
		if l.Added < 0 || l.Modified < 0 || l.Removed < 0 || l.Added+l.Modified+l.Removed > entries {
			t.Errorf("layer %d: added %d + modified %d + removed %d > %d entries", i, l.Added, l.Modified, l.Removed, entries)
		}
		if l.SizeBytes != lsize || l.WastedBytes != lwasted {
			t.Errorf("layer %d: size %d wasted %d, its entries hold %d and waste %d", i, l.SizeBytes, l.WastedBytes, lsize, lwasted)
		}
		size += lsize
		wasted += lwasted
	}
	if size != m.SizeBytes || wasted != m.WastedBytes {
		t.Errorf("metrics: size %d wasted %d; the layers: %d and %d", m.SizeBytes, m.WastedBytes, size, wasted)
	}
	var listed int64
	for _, w := range res.Wasted {
		listed += w.Bytes
		if fzEscapes(w.Path) || w.Bytes <= 0 || w.ShadowedBy < w.Layer {
			t.Errorf("wasted file %+v", w)
		}
	}
	if listed != m.WastedBytes {
		t.Errorf("the wasted files hold %d bytes, WastedBytes is %d", listed, m.WastedBytes)
	}

	// The JSON report of any analysable image is valid JSON.
	var buf bytes.Buffer
	if err := res.WriteJSON(&buf, ImageInfo{Name: "fuzz"}, ReportOptions{Files: true, Changes: true}); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}
	if !json.Valid(buf.Bytes()) {
		t.Errorf("WriteJSON wrote invalid JSON:\n%s", buf.Bytes())
	}
}

// fzEscapes reports whether p is not an absolute, clean path inside the
// root ("/" itself is inside: the entry of the root directory).
func fzEscapes(p string) bool {
	if !path.IsAbs(p) || path.Clean(p) != p {
		return true
	}
	return slices.Contains(strings.Split(p, "/"), "..")
}

// FuzzConfigHistory: the history of any config that parses maps onto any
// number of layers, every step landing in exactly one layer, in order.
func FuzzConfigHistory(f *testing.F) {
	for _, s := range []string{
		`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`,
		`{"history":[{"created_by":"/bin/sh -c #(nop) ADD file:abc in / "},{"created_by":"/bin/sh -c #(nop)  CMD [\"sh\"]","empty_layer":true}]}`,
		`{"history":[{"created_by":"ARG x","empty_layer":true},{"created_by":"RUN /bin/sh -c apk add x # buildkit","comment":"buildkit.dockerfile.v0"},{"created_by":"COPY . / # buildkit"},{"created_by":"ENV A=b","empty_layer":true}]}`,
		`{"history":[{"created":"2023-01-01T00:00:00Z","comment":"Imported from -"}]}`,
		`{"history":[{},{},{},{},{}]}`,
		`{"history":[{"empty_layer":true},{"empty_layer":true}]}`,
		`{"history":[{"created_by":"/bin/sh -c   "},{"created_by":"  # buildkit"},{"created_by":"/bin/sh -c #(nop)"}]}`,
		`{"history":[{"created_by":"\u00a0/bin/sh -c x\u0085"},{"author":"me","created":"0001-01-01T00:00:00Z"}]}`,
		`{"history":null}`,
		`{"history":[{"created":"not a time"}]}`,
		`{"history":{}}`,
		`[]`,
		`{`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		cfg, err := v1.ParseConfigFile(bytes.NewReader(raw))
		if err != nil {
			return
		}
		hist := cfg.History
		var wantCmds []string // of the layer steps
		for _, h := range hist {
			cmd := Command(h.CreatedBy)
			if strings.TrimSpace(cmd) != cmd {
				t.Errorf("Command(%q) = %q is not trimmed", h.CreatedBy, cmd)
			}
			if cmd == "" {
				cmd = h.Comment
			}
			if !h.EmptyLayer {
				wantCmds = append(wantCmds, cmd)
			}
		}
		for n := range 4 {
			steps, cmds, warning := mapHistory(hist, n)
			if len(steps) != n || len(cmds) != n {
				t.Fatalf("n=%d: %d steps, %d commands", n, len(steps), len(cmds))
			}
			if wantWarn := n > 0 && len(hist) > 0 && len(wantCmds) != n; (warning != "") != wantWarn {
				t.Errorf("n=%d, %d history entries (%d layer steps): warning %q", n, len(hist), len(wantCmds), warning)
			}
			if n == 0 {
				continue
			}
			// Every history entry is in exactly one layer's steps, in order.
			var all []Step
			for _, s := range steps {
				all = append(all, s...)
			}
			if len(all) != len(hist) {
				t.Fatalf("n=%d: %d steps for %d history entries", n, len(all), len(hist))
			}
			for i, h := range hist {
				s := all[i]
				if s.CreatedBy != h.CreatedBy || s.Comment != h.Comment || s.Author != h.Author ||
					s.EmptyLayer != h.EmptyLayer || !s.Created.Equal(h.Created.Time) {
					t.Errorf("n=%d: step %d is %+v for history entry %+v", n, i, s, h)
				}
			}
			// The k-th layer step is in layer k's steps (k < n), first but
			// for the empty steps before the first layer step; the surplus
			// ones are in the last layer's.
			layer := -1
			for i := range n {
				for j, s := range steps[i] {
					if s.EmptyLayer {
						continue
					}
					layer++
					switch {
					case layer < n && i != layer:
						t.Errorf("n=%d: layer step %d is in layer %d's steps", n, layer, i)
					case layer < n && layer > 0 && j != 0:
						t.Errorf("n=%d: layer step %d is not the first of layer %d's steps", n, layer, i)
					case layer >= n && i != n-1:
						t.Errorf("n=%d: surplus layer step %d is in layer %d's steps", n, layer, i)
					}
				}
			}
			for i := range n {
				want := ""
				if i < len(wantCmds) {
					want = wantCmds[i]
				}
				if cmds[i] != want {
					t.Errorf("n=%d: command %d is %q, want %q", n, i, cmds[i], want)
				}
			}
		}
	})
}
