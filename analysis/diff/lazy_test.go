package diff_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/diff"
	"github.com/layerscope/layerscope/analysis/source"
	"github.com/layerscope/layerscope/analysis/synth"
)

// dockerSave writes an uncompressed docker save of the layers: what
// --no-verify reads header by header.
func dockerSave(t *testing.T, layers ...[]synth.Entry) string {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name string, b []byte) {
		tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(b))})
		tw.Write(b)
	}
	var diffIDs, paths []string
	for i, entries := range layers {
		var l bytes.Buffer
		if err := synth.WriteLayer(&l, entries...); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(l.Bytes())
		diffIDs = append(diffIDs, "sha256:"+hex.EncodeToString(sum[:]))
		paths = append(paths, fmt.Sprintf("%d/layer.tar", i))
		add(paths[i], l.Bytes())
	}
	cfg, _ := json.Marshal(map[string]any{"os": "linux", "architecture": "amd64", "rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs}})
	add("config.json", cfg)
	man, _ := json.Marshal([]map[string]any{{"Config": "config.json", "RepoTags": []string{"x:1"}, "Layers": paths}})
	add("manifest.json", man)
	tw.Close()
	p := filepath.Join(t.TempDir(), "image.tar")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestHeadersOnly: without verification, the shared base is read header by
// header; a file of it that NEW's own layer replaces by one of the same
// size is compared by reading the two, from OLD's copy of the base.
func TestHeadersOnly(t *testing.T) {
	base := []synth.Entry{synth.Dir("etc/"), synth.File("etc/changed", "1234"), synth.File("etc/rewritten", "same"), synth.File("etc/kept", "kept")}
	old := dockerSave(t, base, []synth.Entry{synth.File("app", "v1")})
	new := dockerSave(t, base, []synth.Entry{synth.File("app", "v2"), synth.File("etc/changed", "4321"), synth.File("etc/rewritten", "same")})
	opts := []analysis.Option{analysis.WithoutVerify(), analysis.WithHeadersOnly()}
	for _, opts := range [][]analysis.Option{nil, opts} {
		oi, err := source.Open(context.Background(), old, source.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer oi.Close()
		ni, err := source.Open(context.Background(), new, source.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer ni.Close()
		a, _ := analysis.Plan(oi)
		b, _ := analysis.Plan(ni)
		if shared, err := analysis.ReadPair(context.Background(), a, b, opts...); err != nil || shared != 1 {
			t.Fatalf("%d shared, %v", shared, err)
		}
		d, err := diff.Compare(context.Background(), a, b)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := lines(d), "M /app content 0\nM /etc/changed content 0\n"; got != want {
			t.Errorf("opts %d:\n%s\nwant:\n%s", len(opts), got, want)
		}
	}
}
