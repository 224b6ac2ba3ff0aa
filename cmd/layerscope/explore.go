package main

import (
	"context"
	"errors"
	"fmt"
	"os"

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
	open := func(ctx context.Context, progress func(string, int64, int64)) (*ui.Image, error) {
		img, err := source.Open(ctx, arg, source.Options{Platform: fl.platform, Source: source.Kind(fl.source),
			Insecure: fl.insecure, Progress: progress})
		if err != nil {
			return nil, err
		}
		return &ui.Image{V1: img, Close: img.Close,
			Info: details.Image{Name: img.Name, Source: fmt.Sprintf("%s (%s)", img.Source, img.Location), Platform: img.Platform}}, nil
	}
	m := ui.New(cmd.Context(), open, ui.Config{
		Name:     arg,
		KeyMap:   cfg.KeyMap,
		Palette:  cfg.Palette,
		NoColor:  os.Getenv("NO_COLOR") != "",
		Tree:     cfg.Tree,
		Analysis: []analysis.Option{analysis.WithBaseLayers(fl.baseLayers)},
	})
	defer m.Close()
	p := tea.NewProgram(m, tea.WithOutput(os.Stderr), tea.WithContext(cmd.Context()))
	if _, err := p.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		return err
	}
	if cmd.Context().Err() != nil {
		return cmd.Context().Err()
	}
	return nil
}
