package filetree

import (
	"context"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/synth"
	"github.com/layerscope/layerscope/ui/internal/uitest"
)

// TestTreeGrowsUnderAFilter: while the image loads, layers merged after a
// filter was applied add nodes the filter has not seen; changing the view
// then must neither index past the filter's results (it panicked) nor
// miss the new matches.
func TestTreeGrowsUnderAFilter(t *testing.T) {
	img, err := synth.Image(
		[]synth.Entry{synth.Dir("etc/"), synth.File("etc/passwd", "root")},
		[]synth.Entry{synth.Dir("srv/"), synth.Dir("srv/a/"), synth.File("srv/a/passwd.bak", "x"), synth.File("srv/other", "y")},
	)
	if err != nil {
		t.Fatal(err)
	}
	res, err := analysis.Plan(img)
	if err != nil {
		t.Fatal(err)
	}
	p := res.Parse(context.Background())
	defer p.Close()
	merge := func() {
		pl, err := p.Next()
		if err != nil {
			t.Fatal(err)
		}
		if err := res.Merge(pl); err != nil {
			t.Fatal(err)
		}
	}
	merge()
	m := New(uitest.Common(res, true), Options{Aggregated: true})
	m.SetSize(60, 10)
	m.SetFocused(true)
	press(m, "/", "p", "a", "s", "s", "w", "d", "enter")
	merge() // four more nodes, beyond the filter's results
	m.SetLayer(1)
	m.SetAggregated(false)
	m.SetAggregated(true)
	v := ansi.Strip(m.View())
	if !strings.Contains(v, "passwd.bak") || !strings.Contains(v, "passwd") || strings.Contains(v, "other") {
		t.Errorf("after the tree grew:\n%s", v)
	}
}
