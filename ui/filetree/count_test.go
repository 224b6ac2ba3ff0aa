package filetree

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/source"
	"github.com/layerscope/layerscope/analysis/synth"
	"github.com/layerscope/layerscope/ui/common"
	"github.com/layerscope/layerscope/ui/internal/uitest"
)

// TestBackgroundCount: past syncFilterLimit paths the match count runs
// in a command while the tree keeps drawing (run with -race: the count
// reads only the merged tree and the filter's own slices), and it comes
// out as a walk of the tree with every directory open finds it.
func TestBackgroundCount(t *testing.T) {
	m := pastLimit(t)
	m.View()
	m.filter.input.SetValue("file-00001")
	done := m.startFilter()
	if done == nil {
		t.Fatal("a large tree filtered on the key press")
	}
	count := m.Update(done()) // the filter's result, which asks for the count
	if !strings.Contains(m.FilterText(), "counting matches…") {
		t.Errorf("filter line before the count: %q", m.FilterText())
	}
	if count == nil || m.CountCmd() != nil {
		t.Fatal("no count asked for, or a second one")
	}
	got := make(chan any)
	go func() {
		for _, msg := range uitest.Msgs(count) {
			got <- msg
		}
	}()
	for range 20 { // the tree keeps working meanwhile
		press(m, "down")
		m.View()
	}
	m.Update((<-got).(countedMsg))
	// file-000010.dat to file-000019.dat in each of 3 layers.
	if line := ansi.Strip(m.FilterText()); !strings.Contains(line, "/30") {
		t.Errorf("count: %q", line)
	}
	for _, n := range m.matches() {
		if !strings.Contains(m.fs.Path(n), "file-00001") {
			t.Errorf("%s counted", m.fs.Path(n))
		}
	}
}

// pastLimit is the aggregated view of the last of 3 layers of 17,000
// files each: more paths than syncFilterLimit.
func pastLimit(t *testing.T) *Model {
	p := filepath.Join(t.TempDir(), "big.tar")
	if err := synth.WriteDockerArchive(p, "big:1", synth.Spec{Layers: 3, Files: 17000, FileSize: 10, Whiteout: 100}); err != nil {
		t.Fatal(err)
	}
	img, err := source.Open(context.Background(), p, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	res, err := analysis.Analyze(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	if res.FS.Len() <= syncFilterLimit {
		t.Fatalf("%d paths: not past the limit", res.FS.Len())
	}
	m := New(uitest.Common(res, true), Options{Aggregated: true})
	m.SetSize(80, 20)
	m.SetLayer(2)
	return m
}

// TestFilesInBackground: past syncFilterLimit paths the largest-files
// rows are listed in a command, on a copy of the view (run with -race),
// while the tree keeps drawing; they are the view's files, which the
// tree then keeps; a list for a view left since is dropped.
func TestFilesInBackground(t *testing.T) {
	m := pastLimit(t)
	m.filter.input.SetValue("01")
	m.Update(m.startFilter()()) // the filter, computed in the background
	m.View()
	ids, cmd := m.FilesCmd()
	if ids != nil || cmd == nil {
		t.Fatal("a large tree listed its files on the key press")
	}
	got := make(chan common.FilesMsg)
	go func() { got <- cmd().(common.FilesMsg) }()
	for range 20 {
		press(m, "down")
		m.View()
	}
	msg := <-got
	m.Update(msg)
	if !m.cache.filesDone {
		t.Fatal("the tree did not keep the list")
	}
	m.cache.reset(m.fs.Len()) // the same view, listed on the spot
	want := m.Files()
	if len(want) == 0 || !slices.Equal(msg.IDs, want) {
		t.Fatalf("listed %d files in the background, %d on the spot", len(msg.IDs), len(want))
	}
	for _, id := range want {
		if p := m.fs.Path(m.fs.Entry(id).Node); !strings.Contains(p, "01") {
			t.Fatalf("%s is listed, the filter is 01", p)
		}
	}
	m.SetLayer(1)
	m.Update(msg) // for layer 2's view
	if m.cache.filesDone {
		t.Error("a list for another view was kept")
	}
}
