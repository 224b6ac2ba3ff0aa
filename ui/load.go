package ui

import (
	"context"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/ui/details"
)

// Image is an opened image for the explorer.
type Image struct {
	V1    v1.Image
	Info  details.Image
	Close func() error
}

// Opener opens the image, reporting an engine's export as it goes.
type Opener func(ctx context.Context, progress func(stage string, done, total int64)) (*Image, error)

// Messages from the loading goroutines. They stop once the image is read:
// an idle explorer receives nothing and draws nothing.
type (
	openedMsg struct {
		img *Image
		res *analysis.Result
	}
	exportMsg struct {
		stage       string
		done, total int64
	}
	progressMsg analysis.Progress
	mergedMsg   int
	loadedMsg   struct{ err error }
)

// loader runs the work behind the loading screen and hands its events to
// the UI through a channel, one message per Cmd.
type loader struct {
	events chan tea.Msg
	lock   *sync.RWMutex
}

func newLoader(lock *sync.RWMutex) *loader {
	return &loader{events: make(chan tea.Msg, 64), lock: lock}
}

// next waits for the next event.
func (l *loader) next() tea.Cmd {
	return func() tea.Msg { return <-l.events }
}

// throttle drops reports that come within 100ms of the previous one.
type throttle struct {
	mu   sync.Mutex
	last time.Time
}

func (t *throttle) ok() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if time.Since(t.last) < 100*time.Millisecond {
		return false
	}
	t.last = time.Now()
	return true
}

// start opens and plans the image, then reads it; events go to l.events.
func (l *loader) start(ctx context.Context, open Opener, opts []analysis.Option) {
	go func() {
		var t throttle
		img, err := open(ctx, func(stage string, done, total int64) {
			if t.ok() {
				l.send(ctx, exportMsg{stage, done, total})
			}
		})
		if err != nil {
			l.send(ctx, loadedMsg{err})
			return
		}
		res, err := analysis.Plan(img.V1)
		if err != nil {
			img.Close()
			l.send(ctx, loadedMsg{err})
			return
		}
		l.send(ctx, openedMsg{img, res})
		opts = append(opts, analysis.WithLock(l.lock),
			analysis.WithMerged(func(i int) { l.send(ctx, mergedMsg(i)) }),
			analysis.WithProgress(func(p analysis.Progress) {
				if t.ok() {
					l.send(ctx, progressMsg(p))
				}
			}))
		l.send(ctx, loadedMsg{res.Read(ctx, opts...)})
	}()
}

func (l *loader) send(ctx context.Context, m tea.Msg) {
	select {
	case l.events <- m:
	case <-ctx.Done():
	}
}
