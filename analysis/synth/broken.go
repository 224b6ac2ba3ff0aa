package synth

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// Broken is one image of the hostile corpus: a file or directory, and the
// part of the one-line error it must give ("" when it must be analysed).
type Broken struct {
	Name    string
	Path    string
	WantErr string
}

// member is a file of an image archive.
type member struct {
	name string
	data []byte
}

// writeTar writes members as a tar file.
func writeTar(path string, members []member) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range members {
		if err := tw.WriteHeader(&tar.Header{Name: m.name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(m.data))}); err != nil {
			return err
		}
		tw.Write(m.data)
	}
	tw.Close()
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// dockerArchive lays out a docker save of the given layer blobs; diffIDs
// are the uncompressed digests.
func dockerArchive(blobs, plain [][]byte) []member {
	var diffIDs, names []string
	var ms []member
	for i, b := range blobs {
		name := fmt.Sprintf("%d/layer.tar", i)
		ms = append(ms, member{name, b})
		names = append(names, name)
		diffIDs = append(diffIDs, "sha256:"+sha(plain[i]))
	}
	cfg, _ := json.Marshal(map[string]any{"os": "linux", "architecture": "amd64", "rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs}})
	man, _ := json.Marshal([]map[string]any{{"Config": "config.json", "RepoTags": []string{"broken:1"}, "Layers": names}})
	return append(ms, member{"config.json", cfg}, member{"manifest.json", man})
}

func layerBytes(entries ...Entry) []byte {
	var buf bytes.Buffer
	WriteLayer(&buf, entries...)
	return buf.Bytes()
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func zst(b []byte) []byte {
	enc, _ := zstd.NewWriter(nil)
	return enc.EncodeAll(b, nil)
}

// flip damages the middle of b.
func flip(b []byte) []byte {
	c := bytes.Clone(b)
	for i := len(c) / 2; i < len(c)/2+8 && i < len(c); i++ {
		c[i] ^= 0xa5
	}
	return c
}

// WriteBrokenCorpus writes the hostile corpus into dir: archives that are
// truncated, corrupt, inconsistent or oversized, each with the error it
// must give.
func WriteBrokenCorpus(dir string) ([]Broken, error) {
	files := []Entry{Dir("etc/"), File("etc/hello", strings.Repeat("hello layerscope\n", 500))}
	plain := layerBytes(files...)
	var out []Broken
	add := func(name, want string, members []member) error {
		p := filepath.Join(dir, name+".tar")
		out = append(out, Broken{name, p, want})
		return writeTar(p, members)
	}
	steps := []func() error{
		func() error { return add("valid", "", dockerArchive([][]byte{plain}, [][]byte{plain})) },
		func() error {
			ms := dockerArchive([][]byte{plain[:len(plain)/2]}, [][]byte{plain})
			return add("truncated-layer", "layer 0 (0/layer.tar): invalid layer tar", ms)
		},
		func() error {
			b := gz(plain)
			return add("corrupt-gzip", "layer 0 (0/layer.tar): ", dockerArchive([][]byte{flip(b)}, [][]byte{plain}))
		},
		func() error {
			b := zst(plain)
			return add("corrupt-zstd", "layer 0 (0/layer.tar): ", dockerArchive([][]byte{flip(b)}, [][]byte{plain}))
		},
		func() error {
			ms := dockerArchive([][]byte{plain}, [][]byte{plain})
			ms = ms[1:] // the layer is gone, the manifest still names it
			return add("missing-layer", "layer 0: 0/layer.tar is missing from the archive", ms)
		},
		func() error {
			ms := dockerArchive([][]byte{plain}, [][]byte{plain})
			ms[len(ms)-1].data = []byte(`[{"Config": "config.json", "Layers": [`)
			return add("invalid-json", "invalid manifest.json", ms)
		},
		func() error {
			ms := dockerArchive([][]byte{plain}, [][]byte{plain})
			ms[len(ms)-1].data = append([]byte(`[{"Config":"config.json","Layers":[],"X":"`), append(bytes.Repeat([]byte("x"), 9<<20), []byte(`"}]`)...)...)
			return add("huge-json", "manifest.json is larger than 8 MiB", ms)
		},
		func() error {
			ms := dockerArchive([][]byte{plain}, [][]byte{plain})
			ms[1].data = []byte(`{"rootfs": "not an object"}`)
			return add("invalid-config", "invalid image config", ms)
		},
		func() error {
			return add("not-an-image", "not an image archive", []member{{"README", []byte("hello")}, {"src/main.go", []byte("package main")}})
		},
		func() error {
			p := filepath.Join(dir, "empty.tar")
			out = append(out, Broken{"empty", p, "not a tar archive"})
			return os.WriteFile(p, nil, 0o644)
		},
		func() error {
			p := filepath.Join(dir, "text.tar")
			out = append(out, Broken{"text", p, "not a tar archive"})
			return os.WriteFile(p, bytes.Repeat([]byte("this is not a tar file\n"), 100), 0o644)
		},
		func() error {
			// A valid archive cut short: the layer's data runs past the end.
			if err := writeTar(filepath.Join(dir, "whole.tar"), dockerArchive([][]byte{plain}, [][]byte{plain})); err != nil {
				return err
			}
			b, _ := os.ReadFile(filepath.Join(dir, "whole.tar"))
			os.Remove(filepath.Join(dir, "whole.tar"))
			p := filepath.Join(dir, "truncated-outer.tar")
			out = append(out, Broken{"truncated-outer", p, "truncated tar archive: 0/layer.tar ends"})
			return os.WriteFile(p, b[:1024+len(plain)/2], 0o644)
		},
		func() error {
			// A header that claims a terabyte of data it does not have.
			var buf bytes.Buffer
			tw := tar.NewWriter(&buf)
			tw.WriteHeader(&tar.Header{Name: "huge", Typeflag: tar.TypeReg, Size: 1 << 40, Mode: 0o644})
			layer := buf.Bytes() // no data, no end blocks
			return add("huge-header", "layer 0 (0/layer.tar): invalid layer tar", dockerArchive([][]byte{layer}, [][]byte{layer}))
		},
		func() error { return writeOCICases(dir, &out, plain) },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// writeOCICases writes OCI layouts: a blob that does not match its
// digest, a manifest that names a missing blob, and an index that holds
// nothing but an attestation.
func writeOCICases(dir string, out *[]Broken, plain []byte) error {
	layer := gz(plain)
	cfg, _ := json.Marshal(map[string]any{"os": "linux", "architecture": "amd64", "rootfs": map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + sha(plain)}}})
	desc := func(mt string, b []byte) map[string]any {
		return map[string]any{"mediaType": mt, "digest": "sha256:" + sha(b), "size": len(b)}
	}
	manifest := func(l []byte) []byte {
		m, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
			"config": desc("application/vnd.oci.image.config.v1+json", cfg), "layers": []any{desc("application/vnd.oci.image.layer.v1.tar+gzip", l)}})
		return m
	}
	write := func(name, want string, blobs map[string][]byte, index []byte) error {
		d := filepath.Join(dir, name)
		os.MkdirAll(filepath.Join(d, "blobs", "sha256"), 0o755)
		for hex, b := range blobs {
			if err := os.WriteFile(filepath.Join(d, "blobs", "sha256", hex), b, 0o644); err != nil {
				return err
			}
		}
		os.WriteFile(filepath.Join(d, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
		*out = append(*out, Broken{name, d, want})
		return os.WriteFile(filepath.Join(d, "index.json"), index, 0o644)
	}
	index := func(m []byte, platform map[string]string) []byte {
		e := desc("application/vnd.oci.image.manifest.v1+json", m)
		if platform != nil {
			e["platform"] = platform
		}
		b, _ := json.Marshal(map[string]any{"schemaVersion": 2, "manifests": []any{e}})
		return b
	}
	m := manifest(layer)
	bad := flip(layer)
	if err := write("oci-digest-mismatch", "blob does not match its digest sha256:"+sha(layer),
		map[string][]byte{sha(layer): bad, sha(cfg): cfg, sha(m): m}, index(m, nil)); err != nil {
		return err
	}
	if err := write("oci-missing-blob", "layer 0: blob sha256:"+sha(layer)+" is missing",
		map[string][]byte{sha(cfg): cfg, sha(m): m}, index(m, nil)); err != nil {
		return err
	}
	return write("oci-only-attestation", "index.json holds no usable image, only attestations",
		map[string][]byte{sha(layer): layer, sha(cfg): cfg, sha(m): m}, index(m, map[string]string{"os": "unknown", "architecture": "unknown"}))
}
