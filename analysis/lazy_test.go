package analysis

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerscope/layerscope/analysis/source"
	"github.com/layerscope/layerscope/analysis/synth"
	"github.com/layerscope/layerscope/tree"
)

// TestHeadersOnly: with nothing to verify, an uncompressed docker save is
// read header by header, and the states come out as a full read gives
// them: a same-size rewrite is a content change, a chmod metadata only,
// a same-size copy of equal bytes unchanged content.
func TestHeadersOnly(t *testing.T) {
	big := func(c byte) string { return strings.Repeat(string(c), 200_000) }
	layer := func(es ...synth.Entry) []byte {
		var b bytes.Buffer
		if err := synth.WriteLayer(&b, es...); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	p := filepath.Join(t.TempDir(), "save.tar")
	err := synth.WriteDockerSave(p,
		layer(synth.File("same", big('a')), synth.File("rewritten", big('b')), synth.File("chmod", big('c')), synth.File("grown", big('d')), synth.File("untouched", strings.Repeat("u", 3_000_000))),
		layer(synth.File("same", big('a')), synth.File("rewritten", big('B')), synth.Entry{Name: "chmod", Body: big('c'), Mode: 0o600}, synth.File("grown", big('d')+"!")),
	)
	if err != nil {
		t.Fatal(err)
	}
	analyse := func(opts ...Option) *Result {
		img, err := source.Open(context.Background(), p, source.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer img.Close()
		res, err := Analyze(context.Background(), img, opts...)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	full := analyse()
	before, err := synth.BytesRead()
	if err != nil {
		t.Skip(err)
	}
	fast := analyse(WithoutVerify(), WithHeadersOnly())
	after, _ := synth.BytesRead()
	// The headers, and both sides of the three same-size replacements
	// (1.2 MB); not the 3 MB file no layer touches again.
	if read := after - before; read > 1_500_000 {
		t.Errorf("read %d bytes of a 4.8 MB image", read)
	}
	for _, r := range []*Result{full, fast} {
		got := map[string]tree.Changes{}
		for _, e := range r.FS.LayerEntries(1) {
			got[r.FS.Path(e.Node)] = e.Changes
		}
		if got["/same"].Content() || !got["/rewritten"].Content() || got["/chmod"].Content() ||
			got["/chmod"]&tree.ChangedMode == 0 || got["/grown"]&tree.ChangedSize == 0 || !got["/grown"].Content() {
			t.Errorf("changes %v", got)
		}
	}
	if full.Metrics != fast.Metrics {
		t.Errorf("metrics %+v, headers only %+v", full.Metrics, fast.Metrics)
	}
	if fast.Layers[0].Digest.Hex != "" {
		t.Errorf("a docker save states no digest; got %s unverified", fast.Layers[0].Digest)
	}
}
