package analysis

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"runtime"
	"testing"

	"github.com/layerscope/layerscope/analysis/synth"
	"github.com/layerscope/layerscope/tree"
)

// wholeJSON is the report as one json.MarshalIndent of Report, with the
// files after it: what WriteJSON wrote before it streamed, and must still
// write byte for byte.
func wholeJSON(t *testing.T, r *Result, info ImageInfo, opts ReportOptions) []byte {
	t.Helper()
	head, err := json.MarshalIndent(r.Report(info, opts), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if !opts.Files {
		out.Write(head)
		out.WriteString("\n")
		return out.Bytes()
	}
	out.Write(head[:len(head)-2])
	out.WriteString(",\n  \"files\": [")
	sep := "\n    "
	r.Files(func(fr FileReport) error {
		b, _ := json.Marshal(fr)
		out.WriteString(sep + string(b))
		sep = ",\n    "
		return nil
	})
	out.WriteString("\n  ]\n}\n")
	return out.Bytes()
}

// TestWriteJSONAsMarshalIndent: the streamed report equals the one-piece
// report for the tricky cases and for names JSON must escape (quotes, HTML
// characters, control bytes, invalid UTF-8, U+2028), with every option.
func TestWriteJSONAsMarshalIndent(t *testing.T) {
	odd := []ent{
		dir("x/"), file("x/a\"b\\c", "1"), file("x/<script>&", "22"), file("x/tab\tnl\nesc\x1b", ""),
		file("x/bad\xff\xfeutf8", "3"), file("x/line\u2028sep", ""), file("x/ünï/cödé", "4"), file("x/a-b", ""),
		file("x/a/b", ""), symlink("x/l<", "../<&>\x01"), hardlink("x/h&", "x/<script>&"), file("x/del\x7f", ""),
	}
	cases := append(synth.Cases(), synth.Case{Name: "escaping", Layers: [][]ent{odd, {synth.Whiteout("x/a-b"), file("x/a\"b\\c", "22")}}},
		synth.Case{Name: "empty", Layers: nil}, synth.Case{Name: "empty-layer", Layers: [][]ent{{}, {file("f", "")}}})
	info := ImageInfo{Name: "n<&>\"", Source: "oci", Digest: "sha256:x", Platform: "linux/amd64"}
	for _, c := range cases {
		r := analyze(t, c.Layers...)
		for _, opts := range []ReportOptions{{}, {Files: true}, {Changes: true}, {Files: true, Changes: true}} {
			var got bytes.Buffer
			if err := r.WriteJSON(&got, info, opts); err != nil {
				t.Fatal(err)
			}
			if want := wholeJSON(t, r, info, opts); !bytes.Equal(got.Bytes(), want) {
				t.Errorf("%s %+v: streamed report differs\ngot:\n%s\nwant:\n%s", c.Name, opts, got.Bytes(), want)
			}
		}
	}
}

// deepResult is a result whose one layer holds a directory at every level
// of a path depth levels deep, built directly: the analysis caps path
// lengths, the report must not depend on that.
func deepResult(depth int) *Result {
	f := tree.NewFS()
	f.BeginLayer()
	n := tree.Root
	for range depth {
		n = f.Child(n, "d")
		f.Show(f.Add(tree.Entry{Node: n, Type: tree.TypeDir, Mode: 0o755}))
	}
	return &Result{FS: f, Layers: []Layer{{Index: 0}}}
}

// heapWatch is a writer that samples the live heap every so many writes.
type heapWatch struct {
	n    int
	peak uint64
}

func (h *heapWatch) Write(p []byte) (int, error) {
	if h.n++; h.n%64 == 0 {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		h.peak = max(h.peak, m.HeapAlloc)
	}
	return len(p), nil
}

// TestWriteJSONDeepIsLinear: the report of a path 20,000 levels deep, with
// --files and --changes, is 400 MB of paths; writing it allocates in
// proportion to the nodes (not to the paths' total length) and the heap
// never holds more than a few MB above the tree.
func TestWriteJSONDeepIsLinear(t *testing.T) {
	depth := 20000
	if testing.Short() {
		depth = 5000
	}
	for _, opts := range []ReportOptions{{Files: true}, {Changes: true}} {
		r := deepResult(depth)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		h := &heapWatch{}
		cw := &countWriter{w: h}
		if err := r.WriteJSON(bufio.NewWriterSize(cw, 1<<16), ImageInfo{}, opts); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		alloc := after.TotalAlloc - before.TotalAlloc
		grew := int64(h.peak) - int64(before.HeapAlloc)
		t.Logf("%+v: wrote %d MB, allocated %d MB, heap peak %+d MB", opts, cw.n>>20, alloc>>20, grew>>20)
		if cw.n < depth*depth {
			t.Errorf("wrote only %d bytes", cw.n)
		}
		if limit := uint64(2000 * depth); alloc > limit {
			t.Errorf("allocated %d bytes, want at most %d (linear in %d nodes)", alloc, limit, depth)
		}
		if grew > 32<<20 {
			t.Errorf("the heap grew by %d MB while writing", grew>>20)
		}
	}
}

type countWriter struct {
	w io.Writer
	n int
}

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += len(p)
	return c.w.Write(p)
}
