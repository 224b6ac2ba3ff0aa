package synth

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Spec describes a synthetic image for benchmarks: Layers layers of Files
// files each, spread over directories, plus deletions in the last layer.
type Spec struct {
	Layers   int
	Files    int   // per layer
	FileSize int   // bytes per file
	Depth    int   // directory levels above each file (default 3)
	Whiteout int   // files of the first layer deleted by the last layer
	DirWh    int   // directories of the first layer deleted by the last layer
	Opaque   int   // directories of the first layer made opaque by the last layer
	Seed     int64 // varies the contents
}

const filesPerDir = 100

// dirOf names the directory of file i of layer l.
func (s Spec) dirOf(l, i int) string {
	depth := s.Depth
	if depth == 0 {
		depth = 3
	}
	d := i / filesPerDir
	parts := []string{fmt.Sprintf("layer%02d", l)}
	for k := 1; k < depth; k++ {
		parts = append(parts, fmt.Sprintf("lvl%d", k))
	}
	return strings.Join(append(parts, fmt.Sprintf("d%04d", d)), "/")
}

// layerEntries writes layer l of s to tw.
func (s Spec) writeLayer(tw *tar.Writer, l int) error {
	body := make([]byte, s.FileSize)
	seen := map[string]bool{}
	mkdirs := func(dir string) error {
		parts := strings.Split(dir, "/")
		for k := range parts {
			p := strings.Join(parts[:k+1], "/") + "/"
			if !seen[p] {
				seen[p] = true
				if err := tw.WriteHeader(&tar.Header{Name: p, Typeflag: tar.TypeDir, Mode: 0o755}); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for i := 0; i < s.Files; i++ {
		dir := s.dirOf(l, i)
		if err := mkdirs(dir); err != nil {
			return err
		}
		for k := range body {
			body[k] = byte(int64(i*31+k+l*7) + s.Seed)
		}
		name := fmt.Sprintf("%s/file-%06d.dat", dir, i)
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))}); err != nil {
			return err
		}
		if _, err := tw.Write(body); err != nil {
			return err
		}
	}
	if l != s.Layers-1 || l == 0 {
		return nil
	}
	// Deletions aimed at the first layer.
	for i := 0; i < s.Whiteout && i < s.Files; i++ {
		dir := s.dirOf(0, i)
		if err := mkdirs(dir); err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("%s/.wh.file-%06d.dat", dir, i), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
	}
	dirs := (s.Files + filesPerDir - 1) / filesPerDir
	for d := 0; d < s.DirWh && d < dirs; d++ {
		dir := s.dirOf(0, (dirs-1-d)*filesPerDir)
		parent, base := filepath.Split(dir)
		if err := mkdirs(strings.TrimSuffix(parent, "/")); err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: parent + ".wh." + base, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
	}
	for d := 0; d < s.Opaque && d < dirs; d++ {
		dir := s.dirOf(0, d*filesPerDir)
		if err := mkdirs(dir); err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: dir + "/.wh..wh..opq", Typeflag: tar.TypeReg}); err != nil {
			return err
		}
	}
	return nil
}

// WriteDockerArchive writes s as an uncompressed `docker save` tarball
// (legacy layout) at path, tagged tag. Layers are staged in dir.
func WriteDockerArchive(path, tag string, s Spec) error {
	stage, err := os.MkdirTemp(filepath.Dir(path), ".synth-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	var diffIDs []string
	var layerNames []string
	for l := 0; l < s.Layers; l++ {
		name := filepath.Join(stage, fmt.Sprintf("%d.tar", l))
		f, err := os.Create(name)
		if err != nil {
			return err
		}
		h := sha256.New()
		tw := tar.NewWriter(io.MultiWriter(f, h))
		if err := s.writeLayer(tw, l); err != nil {
			f.Close()
			return err
		}
		if err := tw.Close(); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		diffIDs = append(diffIDs, "sha256:"+hex.EncodeToString(h.Sum(nil)))
		layerNames = append(layerNames, fmt.Sprintf("%d/layer.tar", l))
	}
	history := make([]map[string]any, s.Layers)
	for l := range history {
		history[l] = map[string]any{"created_by": fmt.Sprintf("/bin/sh -c #(nop) COPY dir:layer%02d in / ", l)}
	}
	config, err := json.Marshal(map[string]any{
		"architecture": "amd64", "os": "linux",
		"rootfs":  map[string]any{"type": "layers", "diff_ids": diffIDs},
		"history": history,
	})
	if err != nil {
		return err
	}
	manifest, err := json.Marshal([]map[string]any{{"Config": "config.json", "RepoTags": []string{tag}, "Layers": layerNames}})
	if err != nil {
		return err
	}
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	defer out.Close()
	tw := tar.NewWriter(out)
	add := func(name string, size int64, r io.Reader) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: size}); err != nil {
			return err
		}
		_, err := io.Copy(tw, r)
		return err
	}
	for l, name := range layerNames {
		f, err := os.Open(filepath.Join(stage, fmt.Sprintf("%d.tar", l)))
		if err != nil {
			return err
		}
		st, _ := f.Stat()
		err = add(name, st.Size(), f)
		f.Close()
		if err != nil {
			return err
		}
	}
	if err := add("config.json", int64(len(config)), strings.NewReader(string(config))); err != nil {
		return err
	}
	if err := add("manifest.json", int64(len(manifest)), strings.NewReader(string(manifest))); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return out.Close()
}
