package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/gate"
	"github.com/layerscope/layerscope/analysis/source"
)

type rootFlags struct {
	json       string
	files      bool
	changes    bool
	platform   string
	source     string
	namespace  string
	insecure   bool
	baseLayers int
	quiet      bool
	noVerify   bool
	ci         bool
	ciConfig   string
	format     string
	config     string
	// name, if set, is how reports name the image (build: its tag).
	name string
}

func newRootCmd() *cobra.Command {
	var fl rootFlags
	cmd := &cobra.Command{
		Use:   "layerscope [flags] IMAGE",
		Short: "See inside container images, layer by layer",
		Long: `layerscope shows what each layer of a container image added, changed and
deleted, what the merged file system looks like, and where space is wasted.

IMAGE is where the image lives, with an optional source prefix:
  docker://NAME                   the Docker Engine (DOCKER_HOST, contexts)
  podman://NAME                   Podman (its API socket, or podman image save)
  containerd://NAME               containerd (CONTAINERD_ADDRESS, --namespace)
  registry://REF                  a registry (credentials from docker/podman login)
  docker-archive:PATH[:TAG|:@N]   a docker save or kaniko tarball
  oci:DIR[:REF]                   an OCI image layout directory
  oci-archive:PATH[:REF]          an OCI archive
Without a prefix, an existing path is a file or directory; any other name is
looked up in the local engines (Docker, Podman, containerd), then in its
registry.`,
		Example: `  # explore an image of the local Docker Engine interactively
  layerscope nginx:latest

  # gate it in CI: rules from .layerscope-ci.yaml (or .dive-ci), exit 1 on failure
  layerscope --ci --highestWastedBytes 20MB nginx:latest

  # the report of an image, to stdout
  layerscope --json - nginx:latest

  # of an image saved with docker save
  layerscope --json - image.tar

  # straight from a registry, for arm64, trusting a self-signed certificate
  layerscope --json - --insecure --platform linux/arm64 registry://localhost:5000/app:1

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
	addImageFlags(cmd.Flags(), &fl)
	cmd.AddCommand(newBuildCmd())
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w (see layerscope --help)", err)
	})
	cmd.AddCommand(newDiffCmd())
	return cmd
}

// addImageFlags defines the flags that say how to read, report and gate
// an image: the root command's, and build's for the image it built.
func addImageFlags(f *pflag.FlagSet, fl *rootFlags) {
	f.StringVar(&fl.json, "json", "", "write the JSON report to `FILE` (- for stdout) and exit")
	f.BoolVar(&fl.files, "files", false, "include the merged file system in the JSON report")
	f.BoolVar(&fl.changes, "changes", false, "include every layer's entries with their states in the JSON report")
	f.StringVar(&fl.platform, "platform", "", "pick `os/arch[/variant]` from a multi-platform image (default: the host's)")
	f.StringVar(&fl.source, "source", "", "where the image is: docker, podman, containerd, registry, docker-archive, oci, oci-archive (default: guessed)")
	f.StringVar(&fl.namespace, "namespace", "", "containerd `namespace` (default: $CONTAINERD_NAMESPACE, else default; Kubernetes uses k8s.io)")
	f.BoolVar(&fl.insecure, "insecure", false, "allow plain HTTP and self-signed certificates for registries")
	f.IntVar(&fl.baseLayers, "base-layers", 1, "how many bottom layers belong to the base image (for userSizeBytes)")
	f.BoolVarP(&fl.quiet, "quiet", "q", false, "no progress on stderr")
	f.BoolVar(&fl.noVerify, "no-verify", false, "skip checking layer digests (the SHA-256 of local blobs and of diff IDs); a registry's transport still checks what it sends")
	addGateFlags(f, fl)
	f.StringVar(&fl.config, "config", "", "explorer configuration `FILE` (default: $XDG_CONFIG_HOME/layerscope/config.yaml)")
}

func run(cmd *cobra.Command, arg string, fl rootFlags) error {
	if fl.config != "" {
		if err := gate.NotRulesFile(fl.config); err != nil {
			return err
		}
	}
	ci := fl.ci || (fl.json == "" && ciFromEnv())
	if fl.json == "" && !ci {
		return explore(cmd, arg, fl)
	}
	var gateCfg *gate.Config
	if ci {
		if fl.json == "-" {
			return fmt.Errorf("--json - and --ci both write to stdout: use --ci --format json")
		}
		var err error
		if gateCfg, err = loadGate(cmd, fl); err != nil {
			return err
		}
	}
	img, res, err := analyze(cmd, arg, fl)
	if err != nil {
		return err
	}
	defer img.Close()
	for _, w := range res.Warnings {
		warn(w)
	}
	info := imageInfo(img)
	if fl.name != "" {
		info.Name = fl.name
	}
	if fl.json != "" {
		if err := writeJSONReport(cmd.Context(), cmd.OutOrStdout(), fl, res, info); err != nil {
			return err
		}
	}
	if ci {
		return runGate(cmd.OutOrStdout(), fl, gateCfg, res, info)
	}
	return nil
}

// sourceOptions say where and how to open images, from the flags; bar,
// if any, shows an engine's export.
func sourceOptions(fl rootFlags, bar *progressBar) source.Options {
	o := source.Options{Platform: fl.platform, Source: source.Kind(fl.source), Namespace: fl.namespace, Insecure: fl.insecure, Warn: warn}
	if bar != nil {
		o.Progress = bar.export
	}
	return o
}

// analyze opens the image and reads it, with progress on a terminal.
func analyze(cmd *cobra.Command, arg string, fl rootFlags) (*source.Image, *analysis.Result, error) {
	var bar *progressBar
	if !fl.quiet && isTerminal(os.Stderr) {
		bar = newProgressBar(os.Stderr)
		defer bar.done()
	}
	sopts := sourceOptions(fl, bar)
	img, err := source.Open(cmd.Context(), arg, sopts)
	if err != nil {
		return nil, nil, err
	}
	// Before the long read: the report must not go over what it reports on.
	if fl.json != "" && fl.json != "-" {
		if err := notAnInput("--json", fl.json, img.Location, fl.config, fl.ciConfig); err != nil {
			img.Close()
			return nil, nil, err
		}
	}
	res, err := analysis.Analyze(cmd.Context(), img, analysisOptions(fl, bar)...)
	if err != nil {
		img.Close()
		return nil, nil, fmt.Errorf("%s: %w", arg, err)
	}
	return img, res, nil
}

// imageInfo is what the report says of where img came from.
func imageInfo(img *source.Image) analysis.ImageInfo {
	info := analysis.ImageInfo{Name: img.Name, Source: string(img.Source), Digest: img.ManifestDigest, Platform: img.Platform}
	if h, err := img.ConfigName(); err == nil {
		info.ConfigDigest = h.String()
	}
	return info
}

// analysisOptions are the analysis's options from the flags.
func analysisOptions(fl rootFlags, bar *progressBar) []analysis.Option {
	opts := []analysis.Option{analysis.WithBaseLayers(fl.baseLayers)}
	if fl.noVerify {
		// Nothing to hash: uncompressed layers on disk are read header
		// by header.
		opts = append(opts, analysis.WithoutVerify(), analysis.WithHeadersOnly())
	}
	if bar != nil {
		opts = append(opts, analysis.WithProgress(bar.update))
	}
	return opts
}

// writeJSONReport writes the report to the --json file or stdout. The file
// is written only once the analysis has succeeded, and appears complete or
// not at all.
func writeJSONReport(ctx context.Context, stdout io.Writer, fl rootFlags, res *analysis.Result, info analysis.ImageInfo) error {
	opts := analysis.ReportOptions{Files: fl.files, Changes: fl.changes}
	if fl.json == "-" {
		return res.WriteJSON(ctxWriter{ctx, stdout}, info, opts)
	}
	file, err := createReport(fl.json)
	if err != nil {
		return err
	}
	defer file.Abort()
	if err := res.WriteJSON(ctxWriter{ctx, file}, info, opts); err != nil {
		return fmt.Errorf("writing %s: %w", fl.json, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return file.Commit()
}
