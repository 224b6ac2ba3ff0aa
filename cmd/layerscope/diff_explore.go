package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/layerscope/layerscope/ui/config"
	"github.com/layerscope/layerscope/ui/diffview"
)

// exploreDiff reads and compares both images, then shows the diff in its
// explorer (ui/diffview), drawn on stderr.
func exploreDiff(cmd *cobra.Command, oldArg, newArg string, fl rootFlags) error {
	// The configuration first: a broken one is reported before the read.
	cfg, err := config.Load(fl.config)
	if err != nil {
		return err
	}
	d, err := readDiff(cmd, oldArg, newArg, fl)
	if err != nil {
		return err
	}
	defer d.close()
	return diffview.Run(cmd.Context(), d.diff, diffview.Config{OldName: d.oldInfo.Name, NewName: d.newInfo.Name,
		KeyMap: cfg.KeyMap, Palette: cfg.Palette, NoColor: os.Getenv("NO_COLOR") != ""})
}
