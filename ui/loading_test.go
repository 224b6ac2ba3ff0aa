package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/layerscope/layerscope/analysis/synth"
)

// TestWhileLoading (issue 14, point 5): with 2 of 6 layers merged, the
// layers read show their real sizes and counts (the analysis fills its
// own only at the end), those not read show no size, no bar and no
// "0 B", and the footer and the Image details give the same count.
func TestWhileLoading(t *testing.T) {
	img := filepath.Join(t.TempDir(), "six.tar")
	if err := synth.WriteDockerArchive(img, "six:1", synth.Spec{Layers: 6, Files: 30, FileSize: 1000}); err != nil {
		t.Fatal(err)
	}
	for _, size := range sizes {
		m := New(context.Background(), fileOpener(img, nil), Config{NoColor: true})
		m.idle = nil // the test process keeps its processors
		t.Cleanup(func() { m.Close() })
		m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		m.load.start(m.ctx, m.open, m.cfg.Analysis)
		for m.c.Result == nil || m.c.Result.Merged() < 2 {
			msg := <-m.load.events
			if l, ok := msg.(loadedMsg); ok {
				t.Fatalf("loaded before two layers were merged: %v", l.err)
			}
			m.Update(msg)
		}
		s := screen(m)
		if !strings.Contains(s, "reading layers: 2 of 6") || !strings.Contains(s, "Layers     2 of 6 read") {
			t.Errorf("%v: footer and Image details disagree:\n%s", size, s)
		}
		// Layer 0 is read: its counts come from its entries; they must be
		// what the analysis says once it is done.
		seen := regexp.MustCompile(`A.(\d+)`).FindStringSubmatch(s)
		for _, l := range []string{"2", "3", "4"} { // on screen at every size
			row := regexp.MustCompile(`(?m)^[│┃] ?` + l + ` +(\S+) (.*)$`).FindStringSubmatch(s)
			if row == nil {
				t.Fatalf("%v: no row for layer %s:\n%s", size, l, s)
			}
			if row[1] != "…" || strings.ContainsAny(row[2], "█▏▎▍▌▋▊▉") {
				t.Errorf("%v: layer %s not read yet draws %q %q", size, l, row[1], row[2])
			}
		}
		if row := regexp.MustCompile(`(?m)^[│┃] ?0 +(\S+ \S+)`).FindStringSubmatch(s); row == nil || row[1] != "30 kB" {
			t.Errorf("%v: layer 0's size: %v\n%s", size, row, s)
		}
		keys(m, "j", "j", "j")
		if s := screen(m); !strings.Contains(s, "not read yet") || regexp.MustCompile(`A.0 `).MatchString(s) {
			t.Errorf("%v: an unread layer's details:\n%s", size, s)
		}
		untilLoaded(m)
		if l := m.c.Result.Layers[0]; seen == nil || seen[1] != fmt.Sprint(l.Added) || l.Added == 0 {
			t.Errorf("%v: while loading layer 0 showed %v added, the analysis says %d", size, seen, l.Added)
		}
	}
}
