package ui

import (
	"context"
	"errors"
	"io"
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

// Messages from the loading goroutine. They stop once the image is read:
// an idle explorer receives nothing and draws nothing.
//
// The loading goroutine hands the planned Result over in openedMsg and
// never touches it again: from then on only Update reads or changes it.
// Layers arrive parsed, as values (parsedMsg), and Update merges them.
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
	parsedMsg   struct{ layer *analysis.ParsedLayer }
	loadedMsg   struct{ err error }
	verifiedMsg struct{ v *analysis.Verification }
)

// loader runs the work behind the loading screen and hands its events to
// the UI through a channel, one message per Cmd.
type loader struct {
	events chan tea.Msg
}

func newLoader() *loader { return &loader{events: make(chan tea.Msg, 64)} }

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

// start opens and plans the image, then parses its layers; events go to
// l.events. Parsed layers wait for Update to merge them (the parser's
// window bounds how many are parsed ahead). The explorer never waits for
// digests: layers are parsed without them, and verified once the tree is
// whole.
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
		opts = append(opts, analysis.WithoutVerify(), analysis.WithProgress(func(p analysis.Progress) {
			if t.ok() {
				l.send(ctx, progressMsg(p))
			}
		}))
		p := res.Parse(ctx, opts...)
		defer p.Close()
		verifier := res.Verifier()
		l.send(ctx, openedMsg{img, res}) // res belongs to Update from here on
		for {
			pl, err := p.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				l.send(ctx, loadedMsg{err})
				return
			}
			l.send(ctx, parsedMsg{pl})
		}
		l.send(ctx, loadedMsg{})
		p.Close()
		l.send(ctx, verifiedMsg{verifier.Run(ctx)})
	}()
}

func (l *loader) send(ctx context.Context, m tea.Msg) {
	select {
	case l.events <- m:
	case <-ctx.Done():
	}
}
