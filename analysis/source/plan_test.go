package source

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/synth"
)

// bytesRead is what this process has read so far.
func bytesRead(t *testing.T) int64 {
	t.Helper()
	n, err := synth.BytesRead()
	if err != nil {
		t.Skipf("cannot count reads: %v", err)
	}
	return n
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
