package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/source"
	"github.com/layerscope/layerscope/ui"
	"github.com/layerscope/layerscope/ui/config"
	"github.com/layerscope/layerscope/ui/details"
)

// explore runs the interactive explorer on the terminal, drawn on stderr
// so that stdout stays free.
func explore(cmd *cobra.Command, arg string, fl rootFlags) error {
	// The configuration first: a broken one is reported even without a
	// terminal, and a FIFO given as one is refused before anything waits.
	cfg, err := config.Load(fl.config)
	if err != nil {
		return err
	}
	if !isTerminal(os.Stderr) || !isTerminal(os.Stdin) {
		return errors.New("the explorer needs a terminal: use --json FILE or --ci for a report")
	}
	// Every image the explorer opens is closed on the way out, also one
	// whose opening a signal cut short before the explorer got it: Close
	// removes an engine's spooled export.
	var opened openedImages
	defer opened.closeAll()
	open := func(ctx context.Context, progress func(string, int64, int64)) (*ui.Image, error) {
		done := opened.begin()
		defer done()
		img, err := source.Open(ctx, arg, source.Options{Platform: fl.platform, Source: source.Kind(fl.source),
			Namespace: fl.namespace, Insecure: fl.insecure, Progress: progress})
		if err != nil {
			return nil, err
		}
		return &ui.Image{V1: img, Close: opened.add(img),
			Info: details.Image{Name: img.Name, Source: fmt.Sprintf("%s (%s)", img.Source, img.Location), Platform: img.Platform}}, nil
	}
	m := ui.New(cmd.Context(), open, ui.Config{
		Name:       arg,
		KeyMap:     cfg.KeyMap,
		Palette:    cfg.Palette,
		NoColor:    os.Getenv("NO_COLOR") != "",
		Tree:       cfg.Tree,
		Analysis:   []analysis.Option{analysis.WithBaseLayers(fl.baseLayers)},
		BaseLayers: fl.baseLayers,
	})
	defer m.Close()
	// 30 frames a second, not bubbletea's 60: its renderer ticks at the
	// frame rate even when idle (half the wake-ups; a key waits ≤ 33 ms).
	p := tea.NewProgram(m, tea.WithOutput(os.Stderr), tea.WithContext(cmd.Context()), tea.WithFPS(30))
	if _, err := p.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		return err
	}
	if cmd.Context().Err() != nil {
		return cmd.Context().Err()
	}
	return nil
}

// openedImages tracks the images an explorer opened, so that all are
// closed, each once, when it ends.
type openedImages struct {
	mu      sync.Mutex
	opening sync.WaitGroup
	closers []func() error
}

// begin marks an open in progress; call the result when it returns.
func (o *openedImages) begin() func() {
	o.opening.Add(1)
	return o.opening.Done
}

// add registers img and returns its Close, safe to call more than once.
func (o *openedImages) add(img *source.Image) func() error {
	c := sync.OnceValue(img.Close)
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closers = append(o.closers, c)
	return c
}

// closeAll waits for opens in progress (cancelled with the run's context,
// they end promptly) and closes every image.
func (o *openedImages) closeAll() {
	o.opening.Wait()
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, c := range o.closers {
		c()
	}
}
