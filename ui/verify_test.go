package ui

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/ui/internal/uitest"
)

// gatedImage holds back every read of a layer after the first (the
// parse) until the gate opens: the verification must not hold up the tree.
type gatedImage struct {
	v1.Image
	gate  chan struct{}
	mu    sync.Mutex
	opens map[int]int
}

type gatedLayer struct {
	v1.Layer
	img *gatedImage
	i   int
}

func (g *gatedImage) Layers() ([]v1.Layer, error) {
	ls, err := g.Image.Layers()
	out := make([]v1.Layer, len(ls))
	for i, l := range ls {
		out[i] = &gatedLayer{l, g, i}
	}
	return out, err
}

func (l *gatedLayer) Compressed() (io.ReadCloser, error) {
	l.img.mu.Lock()
	l.img.opens[l.i]++
	n := l.img.opens[l.i]
	l.img.mu.Unlock()
	if n > 1 {
		<-l.img.gate
	}
	return l.Layer.Compressed()
}

// TestTreeBeforeVerification: the explorer shows the whole tree while the
// digests are still being checked, then reports what the check found (the
// atix image's diff_id is made up on purpose).
func TestTreeBeforeVerification(t *testing.T) {
	gate := make(chan struct{})
	var once sync.Once
	defer once.Do(func() { close(gate) })
	open := fileOpener(filepath.Join(uitest.Repo(), "testdata", "atix", "atix.tar"), func(img v1.Image) v1.Image {
		return &gatedImage{Image: img, gate: gate, opens: map[int]int{}}
	})
	m := New(context.Background(), open, Config{NoColor: true})
	m.idle = nil // the test process keeps its processors
	defer m.Close()
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 36})
	m.load.start(m.ctx, m.open, m.cfg.Analysis)
	untilLoaded(m)
	s := screen(m)
	if !strings.Contains(s, "hello-atix.txt") || !strings.Contains(s, "verifying in the background") || m.c.Result.Verified() {
		t.Fatalf("before verification:\n%s", s)
	}
	once.Do(func() { close(gate) })
	msg := <-m.load.events
	if _, ok := msg.(verifiedMsg); !ok {
		t.Fatalf("got %T, want the verification", msg)
	}
	m.Update(msg)
	s = screen(m)
	w := strings.Join(m.c.Result.Warnings, "\n")
	if strings.Contains(s, "verifying") || !strings.Contains(s, "warning layer 0: content digest") ||
		!strings.Contains(w, "does not match the config's diff_id") || !m.c.Result.Verified() {
		t.Errorf("after verification:\n%s", s)
	}
	if d := m.c.Result.Layers[0].Digest.String(); !strings.HasPrefix(d, "sha256:") {
		t.Errorf("digest %q after verification", d)
	}
}
