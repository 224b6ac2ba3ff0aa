package diff_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/diff"
	"github.com/layerscope/layerscope/analysis/synth"
)

var base = []synth.Entry{
	synth.Dir("etc/"), synth.File("etc/os", "base os"), synth.Dir("usr/"), synth.Dir("usr/bin/"),
	synth.File("usr/bin/tool", "tool v1"), synth.Dir("lib/"), synth.File("lib/libc", "libc"),
}

func image(t testing.TB, layers ...[]synth.Entry) v1.Image {
	t.Helper()
	img, err := synth.Image(layers...)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// pair reads old and new together (shared layers once).
func pair(t testing.TB, old, new v1.Image, opts ...analysis.Option) *diff.Diff {
	t.Helper()
	a, err := analysis.Plan(old)
	if err != nil {
		t.Fatal(err)
	}
	b, err := analysis.Plan(new)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := analysis.ReadPair(context.Background(), a, b, opts...); err != nil {
		t.Fatal(err)
	}
	d, err := diff.Compare(context.Background(), a, b)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// apart analyses each image on its own: different seeds, so every
// same-size file is read to compare.
func apart(t testing.TB, old, new v1.Image) *diff.Diff {
	t.Helper()
	a, err := analysis.Analyze(context.Background(), old)
	if err != nil {
		t.Fatal(err)
	}
	b, err := analysis.Analyze(context.Background(), new)
	if err != nil {
		t.Fatal(err)
	}
	d, err := diff.Compare(context.Background(), a, b)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func lines(d *diff.Diff) string {
	var b strings.Builder
	for _, c := range d.Changes {
		fmt.Fprintf(&b, "%s %s %s %d\n", c.Kind.Marker(), c.Path, strings.Join(c.What.Names(), ","), c.SizeDelta)
	}
	return b.String()
}

func TestCompare(t *testing.T) {
	old := image(t, base, []synth.Entry{
		synth.Dir("app/"), synth.File("app/same", "aaaa"), synth.File("app/samesize", "1234"),
		synth.File("app/grows", "x"), synth.File("app/gone", "bye"), synth.Symlink("app/link", "same"),
		synth.File("app/becomes-dir", "f"), {Name: "app/mode", Body: "m", Mode: 0o644},
		{Name: "app/owner", Body: "o", UID: 1, GID: 2}, synth.Dir("app/olddir/"), synth.File("app/olddir/in", "in"),
	})
	new := image(t, base, []synth.Entry{
		synth.Dir("app/"), synth.File("app/same", "aaaa"), synth.File("app/samesize", "4321"),
		synth.File("app/grows", "xyz"), synth.Symlink("app/link", "samesize"),
		synth.Dir("app/becomes-dir/"), synth.File("app/becomes-dir/child", "cc"), {Name: "app/mode", Body: "m", Mode: 0o600},
		{Name: "app/owner", Body: "o", UID: 3, GID: 2}, synth.File("app/new", "hello"),
	}, []synth.Entry{synth.Whiteout("usr/bin/tool"), synth.File("etc/os", "base OS"), synth.Opaque("lib"), synth.File("lib/other", "o")})
	want := `M /app/becomes-dir type,size,mode -1
A /app/becomes-dir/child  2
D /app/gone  -3
M /app/grows size,content 2
M /app/link linkTarget 0
M /app/mode mode 0
A /app/new  5
D /app/olddir  0
D /app/olddir/in  -2
M /app/owner uid 0
M /app/samesize content 0
M /etc/os content 0
D /lib/libc  -4
A /lib/other  1
D /usr/bin/tool  -7
`
	for name, d := range map[string]*diff.Diff{"pair": pair(t, old, new), "apart": apart(t, old, new)} {
		if got := lines(d); got != want {
			t.Errorf("%s:\n%s\nwant:\n%s", name, got, want)
		}
		s := d.Summary
		if s.Added != 3 || s.Removed != 5 || s.Modified != 7 || s.AddedBytes != 8 || s.RemovedBytes != 16 {
			t.Errorf("%s: summary %+v", name, s)
		}
		if s.SizeDeltaBytes != d.New.Metrics.SizeBytes-d.Old.Metrics.SizeBytes || s.WastedDeltaBytes != d.New.Metrics.WastedBytes-d.Old.Metrics.WastedBytes {
			t.Errorf("%s: deltas %+v", name, s)
		}
	}
	d := pair(t, old, new)
	if d.Shared != 1 {
		t.Errorf("shared = %d, want 1", d.Shared)
	}
	// The reverse: added and removed swap, modified stay.
	r := pair(t, new, old)
	if r.Summary.Added != 5 || r.Summary.Removed != 3 || r.Summary.Modified != 7 {
		t.Errorf("reverse summary %+v", r.Summary)
	}
}

func TestSameImageIsEmpty(t *testing.T) {
	img := image(t, base, []synth.Entry{synth.File("a", "b")})
	for name, d := range map[string]*diff.Diff{"pair": pair(t, img, img), "apart": apart(t, img, img)} {
		if len(d.Changes) != 0 || d.Summary != (diff.Summary{}) {
			t.Errorf("%s: %s %+v", name, lines(d), d.Summary)
		}
	}
	if d := pair(t, img, img); d.Shared != 2 {
		t.Errorf("shared = %d, want 2", d.Shared)
	}
}

func TestReportShape(t *testing.T) {
	old := image(t, base)
	new := image(t, base, []synth.Entry{synth.File("etc/new", "n")})
	d := pair(t, old, new)
	rep := d.Report(analysis.ImageInfo{Name: "old"}, analysis.ImageInfo{Name: "new"})
	var buf bytes.Buffer
	if err := diff.WriteJSON(&buf, rep); err != nil {
		t.Fatal(err)
	}
	var back diff.Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	want, _ := json.Marshal(rep)
	got, _ := json.Marshal(back)
	if !bytes.Equal(got, want) {
		t.Errorf("streamed report differs:\n%s\nwant\n%s", got, want)
	}
	var generic map[string]any
	json.Unmarshal(buf.Bytes(), &generic)
	for _, k := range []string{"reportVersion", "old", "new", "sharedLayers", "summary", "changes"} {
		if _, ok := generic[k]; !ok {
			t.Errorf("no %q in %s", k, buf.String())
		}
	}
	if back.SharedLayers != 1 || len(back.Layers.New) != 1 || len(back.Layers.Old) != 0 || len(back.Changes) != 1 || back.Changes[0].Old != nil {
		t.Errorf("report %s", buf.String())
	}
	var text bytes.Buffer
	if err := diff.WriteText(&text, rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "A      +1 B  /etc/new") {
		t.Errorf("text:\n%s", text.String())
	}
}
