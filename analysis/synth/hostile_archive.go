package synth

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Hostile archives for the bounds on memory and time: compressed outer
// archives that expand to gigabytes, and zstd layers that ask for huge
// decoder windows. They are written in seconds and take a few MB of disk:
// runs of zeros are compressed once and repeated (a gzip file may hold
// many gzip members, a zstd stream many frames, and both decode as one).

// Outer compressions of an archive.
const (
	OuterGzip = "gzip"
	OuterZstd = "zstd"
)

// zeroChunk is the run of zeros compressed once and repeated.
const zeroChunk = 4 << 20

// pieceWriter compresses what it is given piece by piece into w: each
// Flush emits the pending bytes as one gzip member or zstd frame, and long
// runs of zeros reuse one compressed chunk.
type pieceWriter struct {
	w       io.Writer
	kind    string
	pending bytes.Buffer
	chunks  map[int][]byte // compressed zero runs by length
}

func newPieceWriter(w io.Writer, kind string) *pieceWriter {
	return &pieceWriter{w: w, kind: kind, chunks: map[int][]byte{}}
}

func (p *pieceWriter) compress(b []byte) []byte {
	var buf bytes.Buffer
	switch p.kind {
	case OuterZstd:
		enc, _ := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
		out := enc.EncodeAll(b, nil)
		enc.Close()
		return out
	default:
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(b)
		zw.Close()
	}
	return buf.Bytes()
}

func (p *pieceWriter) Write(b []byte) (int, error) {
	if len(b) < 1<<16 || !allZero(b) {
		return p.pending.Write(b)
	}
	if err := p.Flush(); err != nil {
		return 0, err
	}
	for rest := b; len(rest) > 0; {
		n := min(len(rest), zeroChunk)
		c, ok := p.chunks[n]
		if !ok {
			c = p.compress(rest[:n])
			p.chunks[n] = c
		}
		if _, err := p.w.Write(c); err != nil {
			return 0, err
		}
		rest = rest[n:]
	}
	return len(b), nil
}

// Flush compresses the pending bytes.
func (p *pieceWriter) Flush() error {
	if p.pending.Len() == 0 {
		return nil
	}
	_, err := p.w.Write(p.compress(p.pending.Bytes()))
	p.pending.Reset()
	return err
}

func allZero(b []byte) bool {
	for len(b) > 0 {
		n := min(len(b), len(zeros))
		if !bytes.Equal(b[:n], zeros[:n]) {
			return false
		}
		b = b[n:]
	}
	return true
}

// zeros is read-only.
var zeros = make([]byte, 1<<20)

// zeroReader yields n zero bytes in large slices (so that pieceWriter
// recognises them).
func writeZeros(w io.Writer, n int64) error {
	buf := make([]byte, zeroChunk)
	for n > 0 {
		k := min(n, int64(len(buf)))
		if _, err := w.Write(buf[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// smallLayer is a valid layer tar of one file.
func smallLayer() []byte {
	return layerBytes(Dir("etc/"), File("etc/hello", "hello from a hostile archive\n"))
}

// archiveMember is a member of a generated archive: data, or zero bytes.
type archiveMember struct {
	name  string
	data  []byte
	zeros int64 // when data is nil
	link  string
	flag  byte // tar.TypeReg when 0
}

// writeArchive writes members as a tar, compressed with outer ("" for a
// plain tar), to path.
func writeArchive(path, outer string, members []archiveMember) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	var w io.Writer = f
	var pw *pieceWriter
	if outer != "" {
		pw = newPieceWriter(f, outer)
		w = pw
	}
	tw := tar.NewWriter(w)
	for _, m := range members {
		hdr := &tar.Header{Name: m.name, Typeflag: m.flag, Mode: 0o644, Linkname: m.link}
		if hdr.Typeflag == 0 {
			hdr.Typeflag = tar.TypeReg
			hdr.Size = int64(len(m.data))
			if m.data == nil {
				hdr.Size = m.zeros
			}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			f.Close()
			return err
		}
		if m.data != nil {
			_, err = tw.Write(m.data)
		} else {
			err = writeZeros(tw, m.zeros)
		}
		if err != nil {
			f.Close()
			return err
		}
	}
	if err := tw.Close(); err != nil {
		f.Close()
		return err
	}
	if pw != nil {
		if err := pw.Flush(); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// imageMembers are the config and manifest.json of a docker save whose
// layers are the given member names with the given diff IDs.
func imageMembers(layers, diffIDs []string) []archiveMember {
	cfg, _ := json.Marshal(map[string]any{"os": "linux", "architecture": "amd64",
		"rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs}})
	man, _ := json.Marshal([]map[string]any{{"Config": "config.json", "RepoTags": []string{"hostile:1"}, "Layers": layers}})
	return []archiveMember{{name: "config.json", data: cfg}, {name: "manifest.json", data: man}}
}

// WriteZeroMembersArchive writes a compressed docker save of a one-layer
// image that also holds count members of size zero bytes each: 2,000
// members of 4 MiB expand to 8 GiB from about 8 MB of gzip.
func WriteZeroMembersArchive(path, outer string, count int, size int64) error {
	layer := smallLayer()
	ms := []archiveMember{{name: "0/layer.tar", data: layer}}
	for i := 0; i < count; i++ {
		ms = append(ms, archiveMember{name: fmt.Sprintf("filler/%05d", i), zeros: size})
	}
	ms = append(ms, imageMembers([]string{"0/layer.tar"}, []string{"sha256:" + sha(layer)})...)
	return writeArchive(path, outer, ms)
}

// WriteRepeatedLayerArchive writes a compressed docker save whose one
// layer (a tar of one file of layerFill zero bytes), stored behind padding
// zero bytes, is listed uses times.
func WriteRepeatedLayerArchive(path, outer string, padding int64, uses int, layerFill int) error {
	layer := layerBytes(File("fill", string(make([]byte, layerFill))))
	var names, diffIDs []string
	for i := 0; i < uses; i++ {
		names = append(names, "0/layer.tar")
		diffIDs = append(diffIDs, "sha256:"+sha(layer))
	}
	ms := []archiveMember{{name: "padding", zeros: padding}, {name: "0/layer.tar", data: layer}}
	return writeArchive(path, outer, append(ms, imageMembers(names, diffIDs)...))
}

// Layer links of a docker save: how its layer is stored in the archive.
const (
	LinkRelative = "relative" // 1/layer.tar -> ../0/layer.tar, as legacy docker save writes repeats
	LinkAbsolute = "absolute" // 1/layer.tar -> /0/layer.tar
	LinkDir      = "dir"      // 1 -> 0, a symlinked directory
	LinkHard     = "hardlink" // 1/layer.tar hard-linked to 0/layer.tar
	LinkDangling = "dangling" // 1/layer.tar -> ../nowhere/layer.tar
	LinkLoop     = "loop"     // 1/layer.tar -> 1/layer.tar
)

// WriteLinkedLayerArchive writes a plain docker save of two layers whose
// second is the first again, stored as a link of the given kind.
func WriteLinkedLayerArchive(path, kind string) error {
	layer := smallLayer()
	ms := []archiveMember{{name: "0/", flag: tar.TypeDir}, {name: "0/layer.tar", data: layer}}
	switch kind {
	case LinkRelative:
		ms = append(ms, archiveMember{name: "1/layer.tar", flag: tar.TypeSymlink, link: "../0/layer.tar"})
	case LinkAbsolute:
		ms = append(ms, archiveMember{name: "1/layer.tar", flag: tar.TypeSymlink, link: "/0/layer.tar"})
	case LinkDir:
		ms = append(ms, archiveMember{name: "1", flag: tar.TypeSymlink, link: "0"})
	case LinkHard:
		ms = append(ms, archiveMember{name: "1/layer.tar", flag: tar.TypeLink, link: "0/layer.tar"})
	case LinkDangling:
		ms = append(ms, archiveMember{name: "1/layer.tar", flag: tar.TypeSymlink, link: "../nowhere/layer.tar"})
	case LinkLoop:
		ms = append(ms, archiveMember{name: "1/layer.tar", flag: tar.TypeSymlink, link: "layer.tar"})
	default:
		return fmt.Errorf("unknown link kind %q", kind)
	}
	d := "sha256:" + sha(layer)
	return writeArchive(path, "", append(ms, imageMembers([]string{"0/layer.tar", "1/layer.tar"}, []string{d, d})...))
}

// ZstdWindowLayer returns a zstd blob whose frame declares a decoder
// window of 1<<windowLog bytes and holds a layer tar with one file of fill
// zero bytes, and the layer's diff ID. The frame is built by hand (raw and
// RLE blocks), so a gigabyte of content costs a few KB and any window can
// be declared, even ones no encoder here would choose.
func ZstdWindowLayer(windowLog uint, fill int64) (blob []byte, diffID string) {
	var hdr bytes.Buffer
	tw := tar.NewWriter(&hdr)
	tw.WriteHeader(&tar.Header{Name: "fill", Typeflag: tar.TypeReg, Mode: 0o644, Size: fill})
	head := bytes.Clone(hdr.Bytes())
	pad := (512 - fill%512) % 512
	tail := make([]byte, pad+1024) // padding and the two end blocks
	h := sha256.New()
	h.Write(head)
	for n := fill; n > 0; {
		k := min(n, int64(len(zeros)))
		h.Write(zeros[:k])
		n -= k
	}
	h.Write(tail)

	var out bytes.Buffer
	out.Write([]byte{0x28, 0xb5, 0x2f, 0xfd})
	out.WriteByte(0)                       // no content size, no checksum, not single-segment
	out.WriteByte(byte(windowLog-10) << 3) // Window_Descriptor: exponent, no mantissa
	maxBlock := int64(min(128<<10, 1<<windowLog))
	block := func(typ byte, size int64, last bool) {
		v := uint32(size)<<3 | uint32(typ)<<1
		if last {
			v |= 1
		}
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], v)
		out.Write(b[:3])
	}
	for rest := head; len(rest) > 0; {
		n := min(int64(len(rest)), maxBlock)
		block(0, n, false) // raw
		out.Write(rest[:n])
		rest = rest[n:]
	}
	zeroRun := fill + int64(len(tail))
	for zeroRun > 0 {
		n := min(zeroRun, maxBlock)
		zeroRun -= n
		block(1, n, zeroRun == 0) // RLE of one zero byte
		out.WriteByte(0)
	}
	return out.Bytes(), "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// WriteZstdWindowArchive writes a plain docker save of layers layers, each
// a ZstdWindowLayer(windowLog, fill).
func WriteZstdWindowArchive(path string, layers int, windowLog uint, fill int64) error {
	blob, diffID := ZstdWindowLayer(windowLog, fill)
	var ms []archiveMember
	var names, diffIDs []string
	for i := 0; i < layers; i++ {
		name := fmt.Sprintf("%d/layer.tar", i)
		ms = append(ms, archiveMember{name: name, data: blob})
		names, diffIDs = append(names, name), append(diffIDs, diffID)
	}
	return writeArchive(path, "", append(ms, imageMembers(names, diffIDs)...))
}

// LayoutFiles are the paths of a layout written by WriteSmallLayout.
type LayoutFiles struct {
	Index, OCILayout, Manifest, Config, Layer string
	LayerDigest                               string
}

// WriteSmallLayout writes a valid OCI layout of a one-layer image (a gzip
// layer) into dir, for tests that then damage one of its files.
func WriteSmallLayout(dir string) (LayoutFiles, error) {
	plain := smallLayer()
	layer := gz(plain)
	cfg, _ := json.Marshal(map[string]any{"os": "linux", "architecture": "amd64",
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + sha(plain)}}})
	desc := func(mt string, b []byte) map[string]any {
		return map[string]any{"mediaType": mt, "digest": "sha256:" + sha(b), "size": len(b)}
	}
	man, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": desc("application/vnd.oci.image.config.v1+json", cfg),
		"layers": []any{desc("application/vnd.oci.image.layer.v1.tar+gzip", layer)}})
	idx, _ := json.Marshal(map[string]any{"schemaVersion": 2, "manifests": []any{desc("application/vnd.oci.image.manifest.v1+json", man)}})
	blobs := dir + "/blobs/sha256/"
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		return LayoutFiles{}, err
	}
	lf := LayoutFiles{Index: dir + "/index.json", OCILayout: dir + "/oci-layout",
		Manifest: blobs + sha(man), Config: blobs + sha(cfg), Layer: blobs + sha(layer), LayerDigest: "sha256:" + sha(layer)}
	for p, b := range map[string][]byte{lf.Index: idx, lf.OCILayout: []byte(`{"imageLayoutVersion":"1.0.0"}`),
		lf.Manifest: man, lf.Config: cfg, lf.Layer: layer} {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return LayoutFiles{}, err
		}
	}
	return lf, nil
}

// WriteOversizedJSON writes images whose JSON documents exceed the 8 MiB
// cap, one per place a local source reads JSON from, each with the error
// it must give.
func WriteOversizedJSON(dir string) ([]Broken, error) {
	huge := func(prefix string) []byte {
		return append(append([]byte(prefix), bytes.Repeat([]byte(" "), 9<<20)...), '}')
	}
	var out []Broken
	// A docker save whose config is over the cap.
	layer := smallLayer()
	ms := append([]archiveMember{{name: "0/layer.tar", data: layer}}, imageMembers([]string{"0/layer.tar"}, []string{"sha256:" + sha(layer)})...)
	ms[1].data = huge(`{"os":"linux"`)
	p := dir + "/docker-huge-config.tar"
	if err := writeArchive(p, OuterGzip, ms); err != nil {
		return nil, err
	}
	out = append(out, Broken{"docker-huge-config", p, "config.json is larger than 8 MiB"})

	layoutCase := func(name, want string, damage func(LayoutFiles) error) error {
		d := dir + "/" + name
		lf, err := WriteSmallLayout(d)
		if err != nil {
			return err
		}
		out = append(out, Broken{name, d, want})
		return damage(lf)
	}
	// restate rewrites index.json with the manifest's stated size.
	restate := func(lf LayoutFiles, size int64) error {
		man, err := os.ReadFile(lf.Manifest)
		if err != nil {
			return err
		}
		idx, _ := json.Marshal(map[string]any{"schemaVersion": 2, "manifests": []any{map[string]any{
			"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + sha(man), "size": size}}})
		return os.WriteFile(lf.Index, idx, 0o644)
	}
	steps := []error{
		layoutCase("layout-huge-index", "index.json is larger than 8 MiB", func(lf LayoutFiles) error {
			return os.WriteFile(lf.Index, huge(`{"schemaVersion":2`), 0o644)
		}),
		layoutCase("layout-manifest-states-20GB", "states 20000000000 bytes: a JSON document must be at most 8 MiB", func(lf LayoutFiles) error {
			return restate(lf, 20_000_000_000)
		}),
		layoutCase("layout-huge-manifest", "a JSON document must be at most 8 MiB", func(lf LayoutFiles) error {
			// A real 9 MiB manifest with the right digest and size.
			man := huge(`{"schemaVersion":2`)
			if err := os.WriteFile(dir+"/layout-huge-manifest/blobs/sha256/"+sha(man), man, 0o644); err != nil {
				return err
			}
			idx, _ := json.Marshal(map[string]any{"schemaVersion": 2, "manifests": []any{map[string]any{
				"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + sha(man), "size": len(man)}}})
			return os.WriteFile(lf.Index, idx, 0o644)
		}),
	}
	for _, err := range steps {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
