package analysis

import (
	"strconv"
	"strings"
	"testing"

	"github.com/layerscope/layerscope/analysis/synth"
	"github.com/layerscope/layerscope/tree"
)

// These cases follow the OCI image spec's rules for changesets; real tools
// cannot produce most of them on purpose, so the layers are written here.
// The same images are unpacked by umoci in cmd/layerscope's ground-truth
// test.

func wantMerged(t *testing.T, r *Result, want string) {
	t.Helper()
	if got := merged(t, r); got != want {
		t.Errorf("merged tree:\n%s\nwant:\n%s", got, want)
	}
}

func TestOpaqueHidesLowerButNotOwnLayer(t *testing.T) {
	for _, order := range []string{"marker first", "marker last"} {
		t.Run(order, func(t *testing.T) {
			l1 := []ent{dir("a/"), file("a/.wh..wh..opq", ""), file("a/z", "zz")}
			if order == "marker last" {
				l1 = []ent{dir("a/"), file("a/z", "zz"), file("a/.wh..wh..opq", "")}
			}
			r := analyze(t, []ent{dir("a/"), file("a/x", "xxx"), dir("a/sub/"), file("a/sub/y", "yyyy")}, l1)
			wantMerged(t, r, "/a dir\n/a/z file 2")
			l := r.Layers[1]
			if l.Added != 1 || l.Modified != 1 || l.Removed != 1 {
				t.Errorf("layer 1 added/modified/removed = %d/%d/%d, want 1/1/1", l.Added, l.Modified, l.Removed)
			}
			if r.Metrics.WastedBytes != 7 || r.Metrics.SizeBytes != 9 || r.Metrics.VisibleBytes != 2 {
				t.Errorf("metrics %+v", r.Metrics)
			}
			if r.Layers[0].WastedBytes != 7 {
				t.Errorf("layer 0 wasted %d, want 7", r.Layers[0].WastedBytes)
			}
		})
	}
}

func TestOpaqueOnNewDirectoryRemovesNothing(t *testing.T) {
	r := analyze(t, []ent{file("f", "1")}, []ent{dir("new/"), file("new/.wh..wh..opq", ""), file("new/g", "2")})
	if r.Layers[1].Removed != 0 || r.Layers[1].Added != 2 {
		t.Errorf("layer 1 = %+v, want 2 added, 0 removed", r.Layers[1])
	}
	wantMerged(t, r, "/f file 1\n/new dir\n/new/g file 1")
}

func TestStrayWhiteoutRemovesNothing(t *testing.T) {
	r := analyze(t, []ent{file("f", "12345")}, []ent{file(".wh.not-there", ""), file("g", "1")})
	if r.Layers[1].Removed != 0 {
		t.Errorf("stray whiteout counted as removal")
	}
	if r.Metrics.WastedBytes != 0 || r.Metrics.Efficiency != 1 {
		t.Errorf("stray whiteout changed metrics: %+v", r.Metrics)
	}
	wantMerged(t, r, "/f file 5\n/g file 1")
}

func TestDirectoryWhiteoutHidesSubtree(t *testing.T) {
	r := analyze(t,
		[]ent{dir("d/"), file("d/x", "x"), dir("d/sub/"), file("d/sub/y", "yy"), file("keep", "k")},
		[]ent{file(".wh.d", "")})
	wantMerged(t, r, "/keep file 1")
	if r.Layers[1].Removed != 1 {
		t.Errorf("removed = %d, want 1", r.Layers[1].Removed)
	}
	if r.Metrics.WastedBytes != 3 {
		t.Errorf("wasted = %d, want 3", r.Metrics.WastedBytes)
	}
	for _, w := range r.Wasted {
		if w.ShadowedBy != 1 || !w.Deleted {
			t.Errorf("wasted %+v: want shadowed by layer 1, deleted", w)
		}
	}
}

func TestFileReplacingDirectory(t *testing.T) {
	r := analyze(t, []ent{dir("d/"), file("d/f", "12345")}, []ent{file("d", "abc")})
	wantMerged(t, r, "/d file 3")
	if len(r.Wasted) != 1 || r.Wasted[0].Path != "/d/f" || r.Wasted[0].ShadowedBy != 1 || !r.Wasted[0].Deleted {
		t.Errorf("wasted = %+v", r.Wasted)
	}
	if e := firstEntry(r, 1); e.State != tree.Modified || !e.Changes.Content() {
		t.Errorf("file over dir: state %v changes %b, want modified content", e.State, e.Changes)
	}
}

func TestDirectoryReplacingFileAndBack(t *testing.T) {
	r := analyze(t, []ent{file("p", "12")}, []ent{dir("p/"), file("p/q", "q")}, []ent{file("p", "3")})
	wantMerged(t, r, "/p file 1")
	if r.Metrics.WastedBytes != 3 {
		t.Errorf("wasted = %d, want 3", r.Metrics.WastedBytes)
	}
}

func TestDuplicateEntriesLastWins(t *testing.T) {
	r := analyze(t, []ent{file("f", "12345"), file("f", "1234567")})
	wantMerged(t, r, "/f file 7")
	if r.Metrics.SizeBytes != 12 || r.Metrics.WastedBytes != 5 {
		t.Errorf("metrics %+v, want size 12 wasted 5", r.Metrics)
	}
	if r.Wasted[0].ShadowedBy != 0 || r.Wasted[0].Deleted {
		t.Errorf("wasted %+v, want overwritten within layer 0", r.Wasted[0])
	}
}

func TestLaterNonDirectoryInSameLayerOverwritesEarlierChildren(t *testing.T) {
	r := analyze(t, []ent{dir("d/"), file("d/a", "aa"), file("d", "x")})
	wantMerged(t, r, "/d file 1")
}

func TestHardlinks(t *testing.T) {
	r := analyze(t,
		[]ent{file("t", "four")},
		[]ent{hardlink("h", "t"), file("u", "1"), hardlink("v", "./u")})
	wantMerged(t, r, "/h hardlink -> /t\n/t file 4\n/u file 1\n/v hardlink -> /u")
	if r.Metrics.SizeBytes != 5 {
		t.Errorf("hardlinks counted bytes: size %d, want 5", r.Metrics.SizeBytes)
	}
	if len(r.Warnings) != 0 {
		t.Errorf("warnings: %v", r.Warnings)
	}
}

func TestHardlinkToMissingWarns(t *testing.T) {
	r := analyze(t, []ent{hardlink("h", "nowhere")})
	if len(r.Warnings) != 1 {
		t.Errorf("warnings = %v, want one about the missing target", r.Warnings)
	}
}

func TestPathNormalisation(t *testing.T) {
	r := analyze(t, []ent{file("./a", "1"), file("/b", "2"), file("c/../d", "3"), file("../../e", "4"), file("sp ace/ünï", "5")})
	wantMerged(t, r, "/a file 1\n/b file 1\n/d file 1\n/e file 1\n/sp ace dir\n/sp ace/ünï file 1")
}

func TestImplicitParents(t *testing.T) {
	r := analyze(t, []ent{file("a/b/c", "1")})
	var layers []int
	r.Files(func(f FileReport) error { layers = append(layers, f.Layer); return nil })
	wantMerged(t, r, "/a dir\n/a/b dir\n/a/b/c file 1")
	if layers[0] != -1 || layers[1] != -1 || layers[2] != 0 {
		t.Errorf("layers = %v, want implicit parents at -1", layers)
	}
}

func TestChangeKinds(t *testing.T) {
	f := func(name, body string, mode int64, uid int) ent {
		return ent{Name: name, Body: body, Mode: mode, UID: uid}
	}
	r := analyze(t,
		[]ent{f("same", "abc", 0o644, 0), f("content", "abc", 0o644, 0), f("size", "abc", 0o644, 0), f("mode", "abc", 0o644, 0), f("owner", "abc", 0o644, 0), symlink("ln", "a")},
		[]ent{f("same", "abc", 0o644, 0), f("content", "xyz", 0o644, 0), f("size", "abcd", 0o644, 0), f("mode", "abc", 0o755, 0), f("owner", "abc", 0o644, 1000), symlink("ln", "b")})
	want := map[string]tree.Changes{
		"/same": 0, "/content": tree.ChangedContent, "/size": tree.ChangedSize | tree.ChangedContent,
		"/mode": tree.ChangedMode, "/owner": tree.ChangedOwner, "/ln": tree.ChangedLink,
	}
	for _, e := range r.FS.LayerEntries(1) {
		p := r.FS.Path(e.Node)
		if e.State != tree.Modified || e.Changes != want[p] {
			t.Errorf("%s: %v %07b, want modified %07b", p, e.State, e.Changes, want[p])
		}
	}
}

func TestVisibleAtEveryLayer(t *testing.T) {
	r := analyze(t, []ent{dir("d/"), file("d/f", "1")}, []ent{file("d/.wh.f", "")}, []ent{file("d/f", "22")})
	n, ok := r.FS.Lookup("/d/f")
	if !ok {
		t.Fatal("no node for /d/f")
	}
	for k, want := range []int64{1, -1, 2} {
		id := r.FS.VisibleAt(n, k)
		switch {
		case want < 0 && id != tree.NoEntry:
			t.Errorf("after layer %d: /d/f visible, want deleted", k)
		case want >= 0 && (id == tree.NoEntry || r.FS.Entry(id).Size != want):
			t.Errorf("after layer %d: want /d/f of %d bytes", k, want)
		}
	}
	if got := firstEntry(r, 2).State; got != tree.Added {
		t.Errorf("re-added file is %v, want added", got)
	}
}

func TestRootEntry(t *testing.T) {
	r := analyze(t, []ent{dir("./"), file("a", "1")}, []ent{dir("./"), file("b", "2")})
	if l := r.Layers[0]; l.Added != 2 || l.Modified != 0 {
		t.Errorf("layer 0 +%d ~%d, want the root entry added like the rest", l.Added, l.Modified)
	}
	if l := r.Layers[1]; l.Added != 1 || l.Modified != 1 {
		t.Errorf("layer 1 +%d ~%d, want the root entry modified", l.Added, l.Modified)
	}
	wantMerged(t, r, "/a file 1\n/b file 1")
}

func firstEntry(r *Result, layer int) *tree.Entry {
	return r.FS.Entry(r.FS.LayerStart(layer))
}

// Hostile but valid layers: analysed correctly, quickly, without a crash.

func TestThousandsOfLevels(t *testing.T) {
	// 2,000 levels: a path of 4,004 bytes, just inside PATH_MAX.
	p := strings.Repeat("d/", 2000) + "leaf"
	r := analyze(t, []ent{file(p, "x")})
	var deepest string
	r.Files(func(f FileReport) error { deepest = f.Path; return nil })
	if deepest != "/"+p || r.FS.Len() != 2002 {
		t.Errorf("deepest %d chars, %d nodes", len(deepest), r.FS.Len())
	}
}

func TestManyEntriesInOneDirectory(t *testing.T) {
	entries := make([]ent, 0, 100_001)
	entries = append(entries, dir("many/"))
	for i := 0; i < 100_000; i++ {
		entries = append(entries, file("many/f"+strconv.Itoa(i), ""))
	}
	r := analyze(t, entries, []ent{synth.Whiteout("many")})
	if r.Layers[0].Added != 100_001 || r.Layers[1].Removed != 1 || r.FS.Live(tree.Root) {
		t.Errorf("layers %+v, root live %v", r.Layers, r.FS.Live(tree.Root))
	}
}

func TestOddEntries(t *testing.T) {
	r := analyze(t, []ent{
		{Name: "bad\xff\xfename", Body: "1"},                     // not UTF-8
		{Name: "dev/null", Type: '3'},                            // char device
		{Name: "dev/sda", Type: '4'},                             // block device
		{Name: "fifo", Type: '6'},                                // named pipe
		symlink("loop-a", "loop-b"), symlink("loop-b", "loop-a"), // never followed
		hardlink("early", "later"), file("later", "22"), // a link to an entry not there yet
	})
	types := map[string]string{}
	r.Files(func(f FileReport) error { types[f.Path] = f.Type; return nil })
	for p, want := range map[string]string{"/bad\xff\xfename": "file", "/dev/null": "char", "/dev/sda": "block", "/fifo": "fifo",
		"/loop-a": "symlink", "/loop-b": "symlink", "/early": "hardlink"} {
		if types[p] != want {
			t.Errorf("%q is %q, want %q", p, types[p], want)
		}
	}
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "hardlink /early points to /later, which does not exist") {
		t.Errorf("warnings %q", r.Warnings)
	}
}

// Found by fuzzing: a non-directory for the root, and whiteouts that would
// delete their own directory or a parent, are ignored with a warning.
func TestRootAndDotWhiteoutsIgnored(t *testing.T) {
	r := analyze(t,
		[]ent{dir("a/"), dir("a/sub/"), file("a/sub/f", "1"), file("keep", "22")},
		[]ent{file(".", "x"), symlink("./", "elsewhere"), file(".wh..", ""), file("a/.wh...", ""), file("a/.wh..", ""), file("a/sub/.wh...", "")})
	wantMerged(t, r, "/a dir\n/a/sub dir\n/a/sub/f file 1\n/keep file 2")
	if r.Metrics.WastedBytes != 0 || len(r.Warnings) != 6 {
		t.Errorf("wasted %d, warnings %q", r.Metrics.WastedBytes, r.Warnings)
	}
}
