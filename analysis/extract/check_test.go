package extract_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/layerscope/layerscope/analysis/extract"
	"github.com/layerscope/layerscope/analysis/synth"
)

// TestDestinationHome: "~" and "~/x" are in the home directory; a run
// given "~/x" writes there and makes no "./~".
func TestDestinationHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	for in, want := range map[string]string{
		"~": home, "~/x": filepath.Join(home, "x"), "~/a/../b": filepath.Join(home, "b"),
		"x/~": "x/~", "~user/x": "~user/x", "./~": "./~", "/abs": "/abs",
	} {
		if got, err := extract.Destination(in); err != nil || got != want {
			t.Errorf("Destination(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	f := image(t, []synth.Entry{synth.File("f", "hello")})
	wd := t.TempDir()
	t.Chdir(wd)
	f.extract(t, "/f", 0, "~/out", extract.Options{})
	if b, err := os.ReadFile(filepath.Join(home, "out", "f")); err != nil || string(b) != "hello" {
		t.Errorf("~/out/f: %q, %v", b, err)
	}
	if _, err := os.Lstat(filepath.Join(wd, "~")); err == nil {
		t.Errorf("a literal ./~ was made")
	}
}

// TestCheckRemoved: a removed path is refused at once, naming the layer
// that removed it, by Check and by Prepare.
func TestCheckRemoved(t *testing.T) {
	f := image(t,
		[]synth.Entry{synth.Dir("d/"), synth.File("d/f", "1"), synth.File("g", "2")},
		[]synth.Entry{synth.Whiteout("g")},
		[]synth.Entry{synth.Whiteout("d")},
		[]synth.Entry{synth.File("h", "3")},
	)
	for _, c := range []struct {
		path  string
		layer int
		want  string
	}{
		{"/g", 0, ""},
		{"/g", 1, "/g cannot be extracted: layer 1 removed it"},
		{"/g", 3, "/g cannot be extracted: layer 1 removed it"},
		{"/d/f", 1, ""},
		{"/d/f", 2, "/d/f cannot be extracted: layer 2 removed it"},
		{"/d", 3, "/d cannot be extracted: layer 2 removed it"},
		{"/h", 2, "/h cannot be extracted: it is not in the file system after layer 2"},
	} {
		n := f.node(t, c.path)
		err := extract.Check(f.res, n, c.layer)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("Check(%s, %d) = %q, want %q", c.path, c.layer, got, c.want)
		}
		if _, err := extract.Prepare(f.res, n, c.layer); (err == nil) != (c.want == "") {
			t.Errorf("Prepare(%s, %d): %v", c.path, c.layer, err)
		}
	}
}
