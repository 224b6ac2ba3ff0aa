package registry_test

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/source/registry"
	"github.com/layerscope/layerscope/analysis/synth"
)

// blobCounter counts blob downloads.
type blobCounter struct {
	next  http.RoundTripper
	blobs atomic.Int32
}

func (c *blobCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/") {
		c.blobs.Add(1)
	}
	return c.next.RoundTrip(r)
}

// TestPlanDownloadsNoLayer: the layer list, commands and sizes come from
// the manifest and config alone; the layers are fetched when analysed.
func TestPlanDownloadsNoLayer(t *testing.T) {
	srv := httptest.NewServer(ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	img, err := synth.Image([]synth.Entry{synth.File("a", "1")}, []synth.Entry{synth.File("b", "22")}, []synth.Entry{synth.File("c", "333")})
	if err != nil {
		t.Fatal(err)
	}
	ref := strings.TrimPrefix(srv.URL, "http://") + "/plan:1"
	r, _ := name.ParseReference(ref)
	if err := remote.Write(r, img); err != nil {
		t.Fatal(err)
	}
	counter := &blobCounter{next: http.DefaultTransport}
	loaded, _, err := registry.Load(context.Background(), ref, v1.Platform{OS: "linux", Architecture: "amd64"},
		registry.Options{Insecure: true, Transport: counter})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := analysis.Plan(loaded)
	if err != nil {
		t.Fatal(err)
	}
	if got := counter.blobs.Load(); got > 1 {
		t.Errorf("planning fetched %d blobs, want only the config", got)
	}
	if len(plan.Layers) != 3 || plan.Layers[2].CompressedSizeBytes == 0 || plan.Layers[2].Digest.Hex == "" {
		t.Errorf("plan = %+v", plan.Layers)
	}
	res, err := analysis.Analyze(context.Background(), loaded)
	if err != nil {
		t.Fatal(err)
	}
	if got := counter.blobs.Load(); got < 4 {
		t.Errorf("analysis fetched %d blobs in all, want the config and 3 layers", got)
	}
	if res.Metrics.SizeBytes != 6 {
		t.Errorf("size %d, want 6", res.Metrics.SizeBytes)
	}
	for i, l := range res.Layers {
		if l.Digest != plan.Layers[i].Digest {
			t.Errorf("layer %d: read digest %s, planned %s", i, l.Digest, plan.Layers[i].Digest)
		}
	}
}
