package gate

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/layerscope/layerscope/analysis/diff"
	"github.com/layerscope/layerscope/analysis/gate/configfile"
	"github.com/layerscope/layerscope/tree"
)

// The gate of a diff (layerscope diff --ci OLD NEW): rules on what NEW
// adds to OLD, in the "diff" section of the same configuration file.

// Diff rule keys.
const (
	HighestSizeGrowthBytes   = "highestSizeGrowthBytes"
	HighestSizeGrowthPercent = "highestSizeGrowthPercent"
	HighestWastedGrowthBytes = "highestWastedGrowthBytes"
)

// DiffRuleKeys lists every diff rule, in report order.
var DiffRuleKeys = []string{HighestSizeGrowthBytes, HighestSizeGrowthPercent, HighestWastedGrowthBytes, ForbiddenPaths}

// DiffSection is the configuration file's section of diff rules.
const DiffSection = "diff"

// DiffRules are a diff's thresholds; a nil field is a disabled rule.
type DiffRules struct {
	HighestSizeGrowthBytes   *int64
	HighestSizeGrowthPercent *float64 // a ratio: 0.1 is 10 %; may exceed 1
	HighestWastedGrowthBytes *int64
	ForbiddenPaths           []string
	Given                    map[string]string
}

// DiffConfig is a loaded configuration of diff rules.
type DiffConfig struct {
	Rules    DiffRules
	File     string
	Warnings []string
}

// LoadDiff reads the diff rules: file if given, else .layerscope-ci.yaml,
// else .dive-ci in dir (dive has no diff rules: it gives none). The whole
// file is checked as Load checks it, and every key of the diff section
// must be a diff rule.
func LoadDiff(dir, file string) (*DiffConfig, error) {
	if file == "" {
		for _, name := range []string{ConfigFile, DiveConfigFile} {
			if p := filepath.Join(dir, name); exists(p) {
				file = p
				break
			}
		}
		if file == "" {
			return &DiffConfig{Rules: DiffRules{Given: map[string]string{}}}, nil
		}
	}
	b, err := configfile.Read(file)
	if err != nil {
		return nil, err
	}
	fail := func(err error) error {
		return fmt.Errorf("%s: %s", configfile.OneLine(file), configfile.OneLine(err.Error()))
	}
	cfg := &DiffConfig{Rules: DiffRules{Given: map[string]string{}}, File: file}
	if isDiveFile(file) {
		if _, err := parseDive(b); err != nil {
			return nil, fail(err)
		}
		cfg.Warnings = append(cfg.Warnings, "a .dive-ci has no diff rules: every diff rule is disabled")
		return cfg, nil
	}
	if _, err := parse(b); err != nil {
		return nil, fail(err)
	}
	doc, err := decodeSections(b)
	if err != nil {
		return nil, fail(err)
	}
	node, ok := doc[DiffSection]
	if !ok {
		return cfg, nil
	}
	rules, err := decodeRules(node)
	if err != nil {
		return nil, fail(err)
	}
	for _, k := range sortedKeys(rules) {
		n := rules[k]
		if !slices.Contains(DiffRuleKeys, k) {
			return nil, fail(atLine(n, fmt.Errorf("unknown diff rule %q (known: %s)", k, strings.Join(DiffRuleKeys, ", "))))
		}
		if k == ForbiddenPaths {
			var pats []string
			if err := n.Decode(&pats); err != nil {
				return nil, fail(atLine(n, fmt.Errorf("%s: want a list of glob patterns", k)))
			}
			if err := cfg.Rules.Set(k, strings.Join(pats, ",")); err != nil {
				return nil, fail(atLine(n, err))
			}
			continue
		}
		if n.Kind != yaml.ScalarNode {
			return nil, fail(atLine(n, fmt.Errorf("%s: want a single value", k)))
		}
		if err := cfg.Rules.Set(k, n.Value); err != nil {
			return nil, fail(atLine(n, err))
		}
	}
	return cfg, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Set sets diff rule key from its text form; "disabled" clears it.
func (r *DiffRules) Set(key, value string) error {
	if r.Given == nil {
		r.Given = map[string]string{}
	}
	value = strings.TrimSpace(value)
	if isDisabled(value) {
		switch key {
		case HighestSizeGrowthBytes:
			r.HighestSizeGrowthBytes = nil
		case HighestSizeGrowthPercent:
			r.HighestSizeGrowthPercent = nil
		case HighestWastedGrowthBytes:
			r.HighestWastedGrowthBytes = nil
		case ForbiddenPaths:
			r.ForbiddenPaths = nil
		default:
			return fmt.Errorf("unknown diff rule %q", key)
		}
		delete(r.Given, key)
		return nil
	}
	var err error
	switch key {
	case HighestSizeGrowthBytes:
		r.HighestSizeGrowthBytes, err = parseSize(key, value)
	case HighestWastedGrowthBytes:
		r.HighestWastedGrowthBytes, err = parseSize(key, value)
	case HighestSizeGrowthPercent:
		r.HighestSizeGrowthPercent, err = parseGrowth(key, value)
	case ForbiddenPaths:
		// The image gate's patterns and checks, kept here.
		var img Rules
		if err := img.SetForbidden(strings.Split(value, ",")); err != nil {
			return err
		}
		r.ForbiddenPaths = img.ForbiddenPaths
		if g, ok := img.Given[ForbiddenPaths]; ok {
			r.Given[key] = g
		} else {
			delete(r.Given, key)
		}
		return nil
	default:
		return fmt.Errorf("unknown diff rule %q", key)
	}
	if err == nil {
		r.Given[key] = value
	}
	return err
}

// parseGrowth reads a growth ratio: 0 or more (1.5 is 150 %).
func parseGrowth(key, v string) (*float64, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f >= 0) || math.IsInf(f, 1) {
		return nil, fmt.Errorf("%s: %q is not a ratio of 0 or more (0.1 is 10 %%)", key, v)
	}
	return &f, nil
}

// SizeGrowth is NEW's sizeBytes growth over OLD's as a ratio: 0 when
// nothing grew, 1 when OLD is empty and NEW is not.
func SizeGrowth(s diff.Summary, oldSize int64) float64 {
	switch {
	case s.SizeDeltaBytes <= 0:
		return float64(min(s.SizeDeltaBytes, 0)) / float64(max(oldSize, 1))
	case oldSize <= 0:
		return 1
	}
	return float64(s.SizeDeltaBytes) / float64(oldSize)
}

// EvaluateDiff checks every diff rule against d.
func EvaluateDiff(d *diff.Diff, rules DiffRules) Outcome {
	var o Outcome
	add := o.add
	growth := func(key string, threshold *int64, actual int64, what string) {
		if threshold == nil {
			add(skipped(key))
			return
		}
		r := RuleResult{Rule: key, Actual: fmt.Sprintf("%s (%d bytes)", diff.Signed(actual), actual),
			Allowed: fmt.Sprintf("%s (%d bytes)", rules.Given[key], *threshold), ActualValue: num(actual), AllowedValue: num(*threshold)}
		r.Message = fmt.Sprintf("%s: %s, at most %s allowed", what, r.Actual, r.Allowed)
		add(verdict(r, actual > *threshold))
	}
	s := d.Summary
	growth(HighestSizeGrowthBytes, rules.HighestSizeGrowthBytes, s.SizeDeltaBytes, "size growth")
	if rules.HighestSizeGrowthPercent == nil {
		add(skipped(HighestSizeGrowthPercent))
	} else {
		g := SizeGrowth(s, d.Old.Metrics.SizeBytes)
		r := RuleResult{Rule: HighestSizeGrowthPercent, Actual: formatRatio(g), Allowed: rules.Given[HighestSizeGrowthPercent],
			ActualValue: &g, AllowedValue: rules.HighestSizeGrowthPercent}
		r.Message = fmt.Sprintf("%s is %s, at most %s allowed", HighestSizeGrowthPercent, r.Actual, r.Allowed)
		add(verdict(r, g > *rules.HighestSizeGrowthPercent))
	}
	growth(HighestWastedGrowthBytes, rules.HighestWastedGrowthBytes, s.WastedDeltaBytes, "wasted growth")
	if len(rules.ForbiddenPaths) == 0 {
		add(skipped(ForbiddenPaths))
	} else {
		hits := addedForbidden(d, rules.ForbiddenPaths)
		r := RuleResult{Rule: ForbiddenPaths, Actual: fmt.Sprintf("%d hits", len(hits)), Allowed: "none",
			ActualValue: num(int64(len(hits))), AllowedValue: num(0), Hits: hits}
		r.Message = fmt.Sprintf("new adds no path matching %s", rules.Given[ForbiddenPaths])
		if len(hits) > 0 {
			r.Message = fmt.Sprintf("new adds %d entries at forbidden paths, first %s in layer %d", len(hits), hits[0].Path, hits[0].Layer)
		}
		add(verdict(r, len(hits) > 0))
	}
	return o
}

// addedForbidden finds what NEW adds at forbidden paths: every path the
// diff lists as added or modified (other than in metadata alone) in NEW's
// merged file system, and every entry of NEW's own layers (above the
// shared ones) that a later layer hides: it is still shipped.
func addedForbidden(d *diff.Diff, patterns []string) []Hit {
	globs := make([]glob, len(patterns))
	for i, p := range patterns {
		globs[i] = newGlob(p)
	}
	match := func(p string) (string, bool) {
		for _, g := range globs {
			if g.match(p) {
				return g.text, true
			}
		}
		return "", false
	}
	res := d.New
	command := func(i int) string {
		if i >= 0 && i < len(res.Layers) {
			return res.Layers[i].Command
		}
		return ""
	}
	var hits []Hit
	const metadata = diff.Mode | diff.UID | diff.GID
	for _, c := range d.Changes {
		if c.New == nil || (c.Kind == diff.Modified && c.What&^metadata == 0) {
			continue
		}
		if pat, ok := match(c.Path); ok {
			hits = append(hits, Hit{Path: c.Path, Pattern: pat, Type: c.New.Type, Layer: c.New.Layer, Command: command(c.New.Layer), Visible: true})
		}
	}
	f := res.FS
	for i := d.Shared; i < len(res.Layers) && i < f.NumLayers(); i++ {
		for _, e := range f.LayerEntries(i) {
			by, hidden := e.Shadowed()
			if e.Type.IsMarker() || !hidden {
				continue
			}
			p := f.Path(e.Node)
			if pat, ok := match(p); ok {
				hits = append(hits, Hit{Path: p, Pattern: pat, Type: e.Type.String(), Layer: i, Command: command(i),
					ShadowedBy: &by, ShadowCommand: command(by)})
			}
		}
	}
	return hits
}

// DiffReport is everything a diff's gate prints: the diff report and the
// gate's verdict.
type DiffReport struct {
	diff.Report
	Gate GateReport `json:"gate"`
}

// NewDiffReport combines a diff report with the gate's outcome.
func NewDiffReport(rep diff.Report, cfg *DiffConfig, o Outcome) DiffReport {
	return DiffReport{Report: rep, Gate: newGateReport(cfg.File, cfg.Warnings, o)}
}

// WriteDiff renders a diff's gate report in format, with the image gate's
// formatters.
func WriteDiff(w io.Writer, format string, r DiffReport) error {
	name := r.Old.Name + " → " + r.New.Name
	switch format {
	case "text", "":
		if err := diff.WriteText(w, r.Report); err != nil {
			return err
		}
		var b strings.Builder
		line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
		for _, warn := range r.Gate.Warnings {
			line("  %s %s", styleSkip.Render("warning"), tree.Printable(warn))
		}
		// NEW's layers: the shared ones, then its own.
		var commands []string
		for _, l := range append(slices.Clone(r.Layers.Shared), r.Layers.New...) {
			commands = append(commands, l.Command)
		}
		command := func(i int) string {
			if i >= 0 && i < len(commands) && commands[i] != "" {
				return " " + styleDim.Render(truncate(tree.Printable(commands[i]), 60))
			}
			return ""
		}
		writeVerdict(line, r.Gate, command)
		_, err := io.WriteString(w, b.String())
		return err
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "junit":
		return writeJUnitOf(w, "diff "+name, r.Gate)
	case "github":
		s := r.Summary
		return writeGitHubOf(w, "diff "+name, r.Gate, fmt.Sprintf("size %s, wasted %s, %d added, %d removed, %d modified",
			diff.Signed(s.SizeDeltaBytes), diff.Signed(s.WastedDeltaBytes), s.Added, s.Removed, s.Modified))
	}
	return fmt.Errorf("unknown format %q (known: %s)", format, strings.Join(Formats, ", "))
}
