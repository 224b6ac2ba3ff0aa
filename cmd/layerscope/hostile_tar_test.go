package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerscope/layerscope/analysis/synth"
)

// TestSparseDisguise: a layer ships app/.env and root/.ssh/id_rsa under PAX
// records of GNU sparse files (GNU.sparse.name, realsize) naming innocent
// files. They are not sparse entries, so archive/tar (Docker, containerd,
// Podman) ignores the records and unpacks the secrets. layerscope must
// list what archive/tar reads, and the gate must fail on them.
func TestSparseDisguise(t *testing.T) {
	layer, secrets := synth.SparseDisguise()
	image := filepath.Join(t.TempDir(), "disguise.tar")
	if err := synth.WriteDockerSave(image, layer); err != nil {
		t.Fatal(err)
	}
	// The truth, from archive/tar.
	want := map[string]int64{}
	tr := tar.NewReader(bytes.NewReader(layer))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			want["/"+h.Name] = h.Size // the report's paths are absolute
		}
	}
	for name, size := range secrets {
		if want["/"+name] != size {
			t.Fatalf("the layer does not ship %s (%d bytes) to archive/tar: %v", name, size, want)
		}
	}
	check := unchanged(t, image)

	r := runBounded(t, bounded{}, "--json", "-", "--files", "--quiet", image)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	got := map[string]int64{}
	for _, f := range decodeReport(t, r.stdout).Files {
		if f.Type == "file" {
			got[f.Path] = f.Size
		}
	}
	if len(got) != len(want) {
		t.Errorf("files %v, want (archive/tar) %v", got, want)
	}
	for name, size := range want {
		if s, ok := got[name]; !ok || s != size {
			t.Errorf("%s: listed %v (%d bytes), archive/tar reads %d bytes", name, ok, s, size)
		}
	}
	for _, innocent := range []string{"/app/README", "/root/.ssh/known_hosts"} {
		if _, ok := got[innocent]; ok {
			t.Errorf("lists %s, a name no runtime unpacks", innocent)
		}
	}

	dir := t.TempDir()
	gateRun := func(args ...string) boundedResult {
		return runBounded(t, bounded{Dir: dir, Env: []string{"CI="}}, append([]string{"--ci"}, append(args, image)...)...)
	}
	r = gateRun("--forbiddenPaths", "**/.env,root/.ssh/id_*")
	if r.code != 1 || !strings.Contains(r.stdout, "FAIL  forbiddenPaths") {
		t.Errorf("--forbiddenPaths: exit %d, want 1 with forbiddenPaths failing\n%s%s", r.code, r.stdout, r.stderr)
	}
	for name := range secrets {
		if !strings.Contains(r.stdout, name) {
			t.Errorf("the gate report does not name %s:\n%s", name, r.stdout)
		}
	}
	os.WriteFile(filepath.Join(dir, ".layerscope-ci.yaml"), []byte("rules:\n  forbiddenPaths:\n    - app/.env\n"), 0o644)
	if r = gateRun(); r.code != 1 || !strings.Contains(r.stdout, "app/.env") {
		t.Errorf("forbiddenPaths in .layerscope-ci.yaml: exit %d, want 1 naming app/.env\n%s%s", r.code, r.stdout, r.stderr)
	}
	check()
}
