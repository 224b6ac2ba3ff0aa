package main

import (
	"github.com/spf13/cobra"

	"github.com/layerscope/layerscope/analysis/diff"
)

// exploreDiff shows the diff on the terminal.
func exploreDiff(cmd *cobra.Command, oldArg, newArg string, fl rootFlags) error {
	d, err := readDiff(cmd, oldArg, newArg, fl)
	if err != nil {
		return err
	}
	defer d.close()
	return diff.WriteText(ctxWriter{cmd.Context(), cmd.OutOrStdout()}, d.diff.Report(d.oldInfo, d.newInfo))
}
