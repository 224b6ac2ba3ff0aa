package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/colorprofile"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/gate"
)

// ruleFlagHelp describes the rule flags, named like the config keys.
var ruleFlagHelp = map[string]string{
	gate.LowestEfficiency:         "fail below this efficiency (a ratio 0-1)",
	gate.HighestWastedBytes:       "fail above this many wasted bytes (20MB, 20MiB, ...)",
	gate.HighestUserWastedPercent: "fail above this ratio (0-1) of wasted bytes to the bytes above the base layer",
	gate.HighestImageBytes:        "fail above this image size (sizeBytes)",
	gate.HighestLayerBytes:        "fail when a layer is larger than this",
	gate.HighestLayerCount:        "fail above this many layers",
	gate.ForbiddenPaths:           "fail when a path matching one of these globs is in any layer (comma-separated)",
	gate.Secrets:                  "fail when the image ships a secret (on by default; off to disable)",
	gate.HighestReclaimableBytes:  "fail when the advice could reclaim more than this (20MB, 20MiB, ...)",
}

func addGateFlags(f *pflag.FlagSet, fl *rootFlags) {
	f.BoolVar(&fl.ci, "ci", false, "check the image against the CI rules instead of exploring it (also when CI=true)")
	f.StringVar(&fl.ciConfig, "ci-config", "", "read the CI rules from `FILE` (default: .layerscope-ci.yaml, else .dive-ci)")
	f.StringVar(&fl.format, "format", "text", "CI report format: "+strings.Join(gate.Formats, ", "))
	for _, key := range gate.RuleKeys {
		// The value is read back by name in loadGate; "disabled" turns a
		// rule of the file off.
		f.String(key, "", ruleFlagHelp[key])
	}
}

// ciFromEnv reports whether the environment says this is a CI run.
func ciFromEnv() bool {
	switch strings.ToLower(os.Getenv("CI")) {
	case "true", "1", "yes":
		return true
	}
	return false
}

// loadGate reads the rules, applies the rule flags over them and prints
// the configuration's warnings.
func loadGate(cmd *cobra.Command, fl rootFlags) (*gate.Config, error) {
	cfg, err := readGate(cmd, fl)
	if err != nil {
		return nil, err
	}
	for _, w := range cfg.Warnings {
		warn(w)
	}
	return cfg, nil
}

// readGate is loadGate without the warnings.
func readGate(cmd *cobra.Command, fl rootFlags) (*gate.Config, error) {
	if !validFormat(fl.format) {
		return nil, fmt.Errorf("unknown --format %q (known: %s)", fl.format, strings.Join(gate.Formats, ", "))
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	cfg, err := gate.Load(wd, fl.ciConfig)
	if err != nil {
		return nil, err
	}
	for _, key := range gate.RuleKeys {
		if f := cmd.Flags().Lookup(key); f != nil && f.Changed {
			// Rule flags without a file are the rules, not additions
			// to dive's defaults.
			cfg.ReplaceDefaults()
			if err := cfg.Rules.Set(key, f.Value.String()); err != nil {
				return nil, fmt.Errorf("--%v", err)
			}
		}
	}
	return cfg, nil
}

func validFormat(f string) bool {
	for _, x := range gate.Formats {
		if x == f {
			return true
		}
	}
	return false
}

// runGate evaluates the rules, prints the report and ends with exit code 1
// when a rule failed.
func runGate(stdout io.Writer, fl rootFlags, cfg *gate.Config, res *analysis.Result, info analysis.ImageInfo) error {
	outcome := gate.Evaluate(res, cfg.Rules)
	rep := gate.NewReport(res.Report(info, analysis.ReportOptions{}), cfg, outcome)
	w := colorWriter(stdout)
	if err := gate.Write(w, fl.format, rep); err != nil {
		return err
	}
	if p := os.Getenv(gate.SummaryEnv); p != "" && fl.format == "github" {
		// The annotations are the verdict; a summary that cannot be
		// written is only a warning.
		if err := appendSummary(p, rep); err != nil {
			warn(fmt.Sprintf("job summary %s: %v", p, err))
		}
	}
	if !outcome.OK() {
		return silentExit{code: exitFailed}
	}
	return nil
}

// colorWriter keeps colour only on a terminal, and never with NO_COLOR
// (any non-empty value, as no-color.org says).
func colorWriter(w io.Writer) io.Writer {
	cw := colorprofile.NewWriter(w, os.Environ())
	if os.Getenv("NO_COLOR") != "" {
		cw.Profile = colorprofile.NoTTY
	}
	return cw
}

// appendSummary adds the Markdown summary to GitHub's job summary file,
// which must be a regular file (a FIFO there would block the run).
func appendSummary(path string, rep gate.Report) error {
	if st, err := os.Lstat(path); err == nil && !st.Mode().IsRegular() {
		return errors.New("not a regular file")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if err := gate.WriteSummary(f, rep); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
