package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/diff"
	"github.com/layerscope/layerscope/analysis/gate"
	"github.com/layerscope/layerscope/analysis/source"
)

// diffRuleFlagHelp describes the diff rule flags, named like the config keys.
var diffRuleFlagHelp = map[string]string{
	gate.HighestSizeGrowthBytes:   "fail when NEW's size (sizeBytes) grows by more than this (20MB, 20MiB, ...)",
	gate.HighestSizeGrowthPercent: "fail when NEW's size grows by more than this ratio of OLD's (0.1 = 10 %)",
	gate.HighestWastedGrowthBytes: "fail when NEW's wasted bytes grow by more than this",
	gate.ForbiddenPaths:           "fail when NEW adds a path matching one of these globs (comma-separated)",
}

func newDiffCmd() *cobra.Command {
	var fl rootFlags
	cmd := &cobra.Command{
		Use:   "diff [flags] OLD NEW",
		Short: "Compare two images: what NEW added, removed and modified",
		Long: `diff compares the merged file systems of two images path by path: type,
size, mode, owner, link target and, for regular files, the content (times
are ignored). OLD and NEW are named like IMAGE (see layerscope --help); the
leading layers they share are read once.

On a terminal it opens the explorer on NEW's tree with every change marked;
otherwise (or with --format text) it prints the summary and the largest
changes. --json writes the diff report, --ci checks the diff rules.`,
		Example: `  # what the rebuild changed
  layerscope diff app:1.0 app:1.1

  # the report, to stdout
  layerscope diff --json - old.tar new.tar

  # gate the growth in CI (rules from the diff section of .layerscope-ci.yaml)
  layerscope diff --ci --highestSizeGrowthBytes 10MB app:main app:pr-42`,
		Args:          cobra.ExactArgs(2),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDiff(cmd, args[0], args[1], fl)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.json, "json", "", "write the diff report to `FILE` (- for stdout) and exit")
	f.StringVar(&fl.platform, "platform", "", "pick `os/arch[/variant]` from multi-platform images, both of them (default: the host's)")
	f.StringVar(&fl.source, "source", "", "where both images are: docker, podman, containerd, registry, docker-archive, oci, oci-archive (default: guessed)")
	f.StringVar(&fl.namespace, "namespace", "", "containerd `namespace` for both (default: $CONTAINERD_NAMESPACE, else default; Kubernetes uses k8s.io)")
	f.BoolVar(&fl.insecure, "insecure", false, "allow plain HTTP and self-signed certificates for registries")
	f.IntVar(&fl.baseLayers, "base-layers", 1, "how many bottom layers belong to the base image (for userSizeBytes)")
	f.BoolVarP(&fl.quiet, "quiet", "q", false, "no progress on stderr")
	f.BoolVar(&fl.noVerify, "no-verify", false, "skip checking layer digests; same-size files are then compared by reading them")
	addDiffGateFlags(f, &fl)
	f.StringVar(&fl.config, "config", "", "explorer configuration `FILE` (default: $XDG_CONFIG_HOME/layerscope/config.yaml)")
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w (see layerscope diff --help)", err)
	})
	return cmd
}

func addDiffGateFlags(f *pflag.FlagSet, fl *rootFlags) {
	f.BoolVar(&fl.ci, "ci", false, "check the diff against the CI rules (also when CI=true)")
	f.StringVar(&fl.ciConfig, "ci-config", "", "read the diff rules from the diff section of `FILE` (default: .layerscope-ci.yaml)")
	f.StringVar(&fl.format, "format", "", "report format: "+strings.Join(gate.Formats, ", ")+" (without --ci: text; default: the explorer on a terminal, else text)")
	for _, key := range gate.DiffRuleKeys {
		f.String(key, "", diffRuleFlagHelp[key])
	}
}

// loadDiffGate reads the diff rules and applies the rule flags over them.
func loadDiffGate(cmd *cobra.Command, fl rootFlags) (*gate.DiffConfig, error) {
	if fl.format != "" && !validFormat(fl.format) {
		return nil, fmt.Errorf("unknown --format %q (known: %s)", fl.format, strings.Join(gate.Formats, ", "))
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	cfg, err := gate.LoadDiff(wd, fl.ciConfig)
	if err != nil {
		return nil, err
	}
	for _, key := range gate.DiffRuleKeys {
		if f := cmd.Flags().Lookup(key); f != nil && f.Changed {
			if err := cfg.Rules.Set(key, f.Value.String()); err != nil {
				return nil, fmt.Errorf("--%v", err)
			}
		}
	}
	for _, w := range cfg.Warnings {
		warn(w)
	}
	return cfg, nil
}

// diffed is a diff with the two images it came from, open until close.
type diffed struct {
	diff             *diff.Diff
	oldInfo, newInfo analysis.ImageInfo
	close            func()
}

func runDiff(cmd *cobra.Command, oldArg, newArg string, fl rootFlags) error {
	ci := fl.ci || (fl.json == "" && ciFromEnv())
	var gateCfg *gate.DiffConfig
	switch {
	case ci:
		if fl.json == "-" {
			return fmt.Errorf("--json - and --ci both write to stdout: use --ci --format json")
		}
		var err error
		if gateCfg, err = loadDiffGate(cmd, fl); err != nil {
			return err
		}
	case fl.format != "" && fl.format != "text":
		return fmt.Errorf("--format %s is a CI report format: use it with --ci (without, the formats are text and --json)", fl.format)
	}
	explore := fl.json == "" && !ci && fl.format == "" && isTerminal(os.Stdout) && isTerminal(os.Stdin) && isTerminal(os.Stderr)
	if explore {
		return exploreDiff(cmd, oldArg, newArg, fl)
	}
	d, err := readDiff(cmd, oldArg, newArg, fl)
	if err != nil {
		return err
	}
	defer d.close()
	rep := d.diff.Report(d.oldInfo, d.newInfo)
	stdout := cmd.OutOrStdout()
	if fl.json != "" {
		if err := writeDiffJSON(cmd.Context(), stdout, fl.json, rep); err != nil {
			return err
		}
	}
	if ci {
		outcome := gate.EvaluateDiff(d.diff, gateCfg.Rules)
		if err := gate.WriteDiff(colorWriter(stdout), fl.format, gate.NewDiffReport(rep, gateCfg, outcome)); err != nil {
			return err
		}
		if !outcome.OK() {
			return silentExit{code: exitFailed}
		}
		return nil
	}
	if fl.json == "" {
		return diff.WriteText(ctxWriter{cmd.Context(), stdout}, rep)
	}
	return nil
}

// readDiff opens both images, reads them (shared layers once) and
// compares them. An error names the image it is about.
func readDiff(cmd *cobra.Command, oldArg, newArg string, fl rootFlags) (*diffed, error) {
	ctx := cmd.Context()
	var bar *progressBar
	if !fl.quiet && isTerminal(os.Stderr) {
		bar = newProgressBar(os.Stderr)
		defer bar.done()
	}
	sopts := sourceOptions(fl, bar)
	var closers []func() error
	closeAll := func() {
		for _, c := range closers {
			c()
		}
	}
	open := func(which, arg string) (*source.Image, *analysis.Result, error) {
		img, err := source.Open(ctx, arg, sopts)
		if err != nil {
			return nil, nil, fmt.Errorf("%s image: %w", which, err) // the error names arg
		}
		closers = append(closers, img.Close)
		res, err := analysis.Plan(img)
		if err != nil {
			return nil, nil, fmt.Errorf("%s image %s: %w", which, arg, err)
		}
		return img, res, nil
	}
	oldImg, a, err := open("old", oldArg)
	if err != nil {
		closeAll()
		return nil, err
	}
	newImg := oldImg
	var b *analysis.Result
	if newArg == oldArg {
		// One image twice: open it once; every layer is shared.
		b, err = analysis.Plan(oldImg)
	} else {
		newImg, b, err = open("new", newArg)
	}
	if err != nil {
		closeAll()
		return nil, err
	}
	if fl.json != "" && fl.json != "-" {
		if err := notAnInput("--json", fl.json, oldImg.Location, newImg.Location, fl.config, fl.ciConfig); err != nil {
			closeAll()
			return nil, err
		}
	}
	if _, err := analysis.ReadPair(ctx, a, b, analysisOptions(fl, bar)...); err != nil {
		closeAll()
		var re *analysis.ReadError
		if errors.As(err, &re) && re.Image == 1 {
			return nil, fmt.Errorf("new image %s: %w", newArg, re.Err)
		}
		return nil, fmt.Errorf("old image %s: %w", oldArg, err)
	}
	for _, w := range a.Warnings {
		warn("old image: " + w)
	}
	for _, w := range b.Warnings {
		warn("new image: " + w)
	}
	d, err := diff.Compare(ctx, a, b)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("comparing %s with %s: %w", oldArg, newArg, err)
	}
	return &diffed{diff: d, oldInfo: imageInfo(oldImg), newInfo: imageInfo(newImg), close: closeAll}, nil
}

// writeDiffJSON writes the diff report to the --json file or stdout, whole
// or not at all.
func writeDiffJSON(ctx context.Context, stdout io.Writer, path string, rep diff.Report) error {
	if path == "-" {
		return diff.WriteJSON(ctxWriter{ctx, stdout}, rep)
	}
	file, err := createReport(path)
	if err != nil {
		return err
	}
	defer file.Abort()
	if err := diff.WriteJSON(ctxWriter{ctx, file}, rep); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return file.Commit()
}
