package source

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/synth"
)

// bytesRead is what this process has read through system calls so far
// (rchar of /proc/self/io).
func bytesRead(t *testing.T) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/io")
	if err != nil {
		t.Skipf("no /proc/self/io: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "rchar: "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no rchar in /proc/self/io")
	return 0
}

// TestPlanReadsNoLayer: planning a docker save (which stores no manifest)
// reads none of its 40 MB of layers, through source.Image as the CLI and
// the explorer use it. It used to hash every layer to make up a manifest.
func TestPlanReadsNoLayer(t *testing.T) {
	p := filepath.Join(t.TempDir(), "save.tar")
	if err := synth.WriteDockerArchive(p, "plan:1", synth.Spec{Layers: 4, Files: 200, FileSize: 50_000}); err != nil {
		t.Fatal(err)
	}
	img, err := Open(context.Background(), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	if img.HasManifest() {
		t.Error("a docker save claims a stored manifest")
	}
	before := bytesRead(t)
	res, err := analysis.Plan(img)
	if err != nil {
		t.Fatal(err)
	}
	if read := bytesRead(t) - before; read > 1<<20 {
		t.Errorf("Plan read %d bytes", read)
	}
	if len(res.Layers) != 4 || res.Layers[0].CompressedSizeBytes != 0 {
		t.Errorf("layers %+v", res.Layers)
	}
}
