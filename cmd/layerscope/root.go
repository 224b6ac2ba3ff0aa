package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/source"
)

type rootFlags struct {
	json       string
	files      bool
	changes    bool
	platform   string
	source     string
	baseLayers int
	quiet      bool
}

func newRootCmd() *cobra.Command {
	var fl rootFlags
	cmd := &cobra.Command{
		Use:   "layerscope [flags] IMAGE",
		Short: "See inside container images, layer by layer",
		Long: `layerscope shows what each layer of a container image added, changed and
deleted, what the merged file system looks like, and where space is wasted.

IMAGE is a docker save tarball, an OCI layout directory or an OCI archive,
optionally with a source prefix and a tag:
  docker-archive:PATH[:TAG|:@N]   oci:DIR[:REF]   oci-archive:PATH[:REF]`,
		Example: `  # the report of an image saved with docker save, to stdout
  layerscope --json - image.tar

  # with the merged file system, into a file
  layerscope --json report.json --files oci:./layout:v1

  # one image of a multi-image archive, for arm64
  layerscope --json - --platform linux/arm64 images.tar:app:1.2`,
		Version:       version,
		Args:          cobra.ExactArgs(1),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(cmd, args[0], fl)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.json, "json", "", "write the JSON report to `FILE` (- for stdout) and exit")
	f.BoolVar(&fl.files, "files", false, "include the merged file system in the JSON report")
	f.BoolVar(&fl.changes, "changes", false, "include every layer's entries with their states in the JSON report")
	f.StringVar(&fl.platform, "platform", "", "pick `os/arch[/variant]` from a multi-platform image (default: the host's)")
	f.StringVar(&fl.source, "source", "", "where the image is: docker-archive, oci, oci-archive (default: guessed)")
	f.IntVar(&fl.baseLayers, "base-layers", 1, "how many bottom layers belong to the base image (for userSizeBytes)")
	f.BoolVarP(&fl.quiet, "quiet", "q", false, "no progress on stderr")
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w (see layerscope --help)", err)
	})
	return cmd
}

func run(cmd *cobra.Command, arg string, fl rootFlags) error {
	if fl.json == "" {
		return fmt.Errorf("the interactive explorer is not built yet: use --json FILE")
	}
	img, err := source.Open(arg, source.Options{Platform: fl.platform, Source: source.Kind(fl.source)})
	if err != nil {
		return err
	}
	defer img.Close()
	opts := []analysis.Option{analysis.WithBaseLayers(fl.baseLayers)}
	if !fl.quiet && isTerminal(os.Stderr) {
		bar := newProgressBar(os.Stderr)
		defer bar.done()
		opts = append(opts, analysis.WithProgress(bar.update))
	}
	res, err := analysis.Analyze(cmd.Context(), img, opts...)
	if err != nil {
		return fmt.Errorf("%s: %w", arg, err)
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(os.Stderr, "layerscope: warning: "+w)
	}
	info := analysis.ImageInfo{Name: img.Name, Source: string(img.Source), Digest: img.ManifestDigest, Platform: img.Platform}
	if h, err := img.ConfigName(); err == nil {
		info.ConfigDigest = h.String()
	}
	var out io.Writer = cmd.OutOrStdout()
	if fl.json != "-" {
		file, err := os.Create(fl.json)
		if err != nil {
			return err
		}
		defer file.Close()
		out = file
	}
	return res.WriteJSON(out, info, analysis.ReportOptions{Files: fl.files, Changes: fl.changes})
}
