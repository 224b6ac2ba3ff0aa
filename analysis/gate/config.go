// Package gate is layerscope's CI gate: rules read from .layerscope-ci.yaml
// (or dive's .dive-ci), evaluated against an analysis, and reported as text,
// JSON, JUnit or GitHub annotations.
package gate

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/dustin/go-humanize"
	"go.yaml.in/yaml/v3"

	"github.com/layerscope/layerscope/analysis/gate/configfile"
)

// The rule keys: names in config files, flags, output and JSON alike.
const (
	LowestEfficiency         = "lowestEfficiency"
	HighestWastedBytes       = "highestWastedBytes"
	HighestUserWastedPercent = "highestUserWastedPercent"
	HighestImageBytes        = "highestImageBytes"
	HighestLayerBytes        = "highestLayerBytes"
	HighestLayerCount        = "highestLayerCount"
	ForbiddenPaths           = "forbiddenPaths"
	// The advice's rules (advice.go).
	Secrets                 = "secrets"
	HighestReclaimableBytes = "highestReclaimableBytes"
)

// RuleKeys lists every rule, in report order.
var RuleKeys = []string{LowestEfficiency, HighestWastedBytes, HighestUserWastedPercent,
	HighestImageBytes, HighestLayerBytes, HighestLayerCount, ForbiddenPaths, Secrets, HighestReclaimableBytes}

// diveKeys are the rules dive knows; a .dive-ci may hold only these.
var diveKeys = []string{LowestEfficiency, HighestWastedBytes, HighestUserWastedPercent}

// The config files, looked for in the working directory in this order.
const (
	ConfigFile     = ".layerscope-ci.yaml"
	DiveConfigFile = ".dive-ci"
)

// Rules are the thresholds; a nil field is a disabled rule.
type Rules struct {
	LowestEfficiency         *float64
	HighestWastedBytes       *int64
	HighestUserWastedPercent *float64
	HighestImageBytes        *int64
	HighestLayerBytes        *int64
	HighestLayerCount        *int64
	ForbiddenPaths           []string
	// SecretsOff disables the secrets rule, which is on unless a file or
	// flag says "secrets: off".
	SecretsOff              bool
	HighestReclaimableBytes *int64
	// Given holds the text each enabled rule was set with, for reports.
	Given map[string]string
}

// Config is a loaded configuration.
type Config struct {
	Rules    Rules
	File     string   // the file read, "" when none
	Warnings []string // parts of a .dive-ci that layerscope ignores
	// Defaults says that no file was found and dive's default rules are
	// in force (until a rule flag replaces them: see ReplaceDefaults).
	Defaults bool
}

// DefaultRules are dive's defaults, applied when there is no rules file,
// as `dive --ci` applies them (without them a pipeline that forgot its
// file would pass every image): lowestEfficiency 0.9 and
// highestUserWastedPercent 0.1; highestWastedBytes and the rules dive does
// not know are disabled.
func DefaultRules() Rules {
	eff, userWasted := 0.9, 0.1
	return Rules{LowestEfficiency: &eff, HighestUserWastedPercent: &userWasted,
		Given: map[string]string{LowestEfficiency: "0.9", HighestUserWastedPercent: "0.1"}}
}

// DefaultsNote is what every report format says when the defaults apply.
const DefaultsNote = "dive's default rules are in force (lowestEfficiency 0.9, highestUserWastedPercent 0.1): no .layerscope-ci.yaml, .dive-ci, --ci-config or rule flag"

// ReplaceDefaults drops dive's defaults, if they are in force, before
// rule flags are applied: with a rule flag and no file, the flags alone
// are the rules.
func (c *Config) ReplaceDefaults() {
	if c.Defaults {
		c.Rules, c.Defaults = Rules{Given: map[string]string{}}, false
	}
}

// Load reads the configuration: file if given, else .layerscope-ci.yaml and
// then .dive-ci in dir. No file at all gives dive's defaults (Defaults is
// set); a file with an empty rules section disables every rule. A file
// named like dive's is read the way dive reads it.
func Load(dir, file string) (*Config, error) {
	if file == "" {
		for _, name := range []string{ConfigFile, DiveConfigFile} {
			p := filepath.Join(dir, name)
			if _, err := os.Stat(p); err == nil {
				file = p
				break
			}
		}
		if file == "" {
			return &Config{Rules: DefaultRules(), Defaults: true}, nil
		}
	}
	b, err := configfile.Read(file)
	if err != nil {
		return nil, err
	}
	var cfg *Config
	if isDiveFile(file) {
		cfg, err = parseDive(b)
	} else {
		cfg, err = parse(b)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %s", configfile.OneLine(file), configfile.OneLine(err.Error()))
	}
	cfg.File = file
	return cfg, nil
}

// NotRulesFile fails when file, given to --config (the explorer's
// configuration), is a CI rules file: dive's --config takes its app
// configuration too, and pipelines that passed their .dive-ci there ran
// on defaults without a word. A file that cannot be read is left to the
// explorer's loader to report.
func NotRulesFile(file string) error {
	name := configfile.OneLine(file)
	if isDiveFile(file) || filepath.Base(file) == ConfigFile {
		return fmt.Errorf("--config %s: that is a CI rules file, and --config is the explorer's configuration: use --ci-config %s", name, name)
	}
	b, err := configfile.Read(file)
	if err != nil {
		return nil
	}
	if doc, err := decodeSections(b); err == nil {
		if _, ok := doc["rules"]; ok {
			return fmt.Errorf("--config %s holds CI rules (a rules: section), and --config is the explorer's configuration: use --ci-config %s", name, name)
		}
	}
	return nil
}

// isDiveFile: files named like dive's (.dive-ci, .dive-ci.yaml,
// prod.dive-ci) are read as dive reads them.
func isDiveFile(name string) bool { return strings.Contains(filepath.Base(name), "dive-ci") }

// parse reads .layerscope-ci.yaml: every key must be known and every
// value valid.
func parse(b []byte) (*Config, error) {
	doc, err := decodeSections(b)
	if err != nil {
		return nil, err
	}
	cfg := &Config{Rules: Rules{Given: map[string]string{}}}
	for _, key := range sortedKeys(doc) {
		node := doc[key]
		if key == DiffSection {
			continue // layerscope diff's rules (LoadDiff)
		}
		if key != "rules" {
			return nil, atLine(node, fmt.Errorf("unknown key %q (the sections are rules and diff)", key))
		}
		rules, err := decodeRules(node)
		if err != nil {
			return nil, err
		}
		if len(rules) == 0 {
			cfg.Rules.SecretsOff = true // an explicit empty rules: turns every rule off, secrets too
		}
		for _, k := range sortedKeys(rules) {
			n := rules[k]
			if !slices.Contains(RuleKeys, k) {
				return nil, atLine(n, fmt.Errorf("unknown rule %q (known: %s)", k, strings.Join(RuleKeys, ", ")))
			}
			if k == ForbiddenPaths {
				var pats []string
				if err := n.Decode(&pats); err != nil {
					return nil, atLine(n, fmt.Errorf("%s: want a list of glob patterns", k))
				}
				if err := cfg.Rules.SetForbidden(pats); err != nil {
					return nil, atLine(n, err)
				}
				continue
			}
			if n.Kind != yaml.ScalarNode {
				return nil, atLine(n, fmt.Errorf("%s: want a single value", k))
			}
			if err := cfg.Rules.Set(k, n.Value); err != nil {
				return nil, atLine(n, err)
			}
		}
	}
	return cfg, nil
}

// decodeSections reads the top level of a config file; YAML errors
// (syntax, duplicate keys) come out as one line.
func decodeSections(b []byte) (map[string]yaml.Node, error) {
	var doc map[string]yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("invalid YAML: %w", configfile.YAMLError(err))
	}
	return doc, nil
}

func decodeRules(node yaml.Node) (map[string]yaml.Node, error) {
	var rules map[string]yaml.Node
	if err := node.Decode(&rules); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) && strings.Contains(err.Error(), "already defined") {
			return nil, fmt.Errorf("invalid YAML: %w", configfile.YAMLError(err))
		}
		return nil, atLine(node, errors.New("rules: want a mapping of rule names to values"))
	}
	return rules, nil
}

// atLine prefixes err with the line of the YAML node it is about.
func atLine(n yaml.Node, err error) error {
	if n.Line == 0 {
		return err
	}
	return fmt.Errorf("line %d: %w", n.Line, err)
}

// parseDive reads a .dive-ci as dive does: its rules section, where
// "disabled", "off", "false" and "" disable a rule. The plugins section and
// plugin rules ("plugin/rule") are ignored with a warning.
func parseDive(b []byte) (*Config, error) {
	doc, err := decodeSections(b)
	if err != nil {
		return nil, err
	}
	cfg := &Config{Rules: Rules{Given: map[string]string{}}}
	for _, key := range sortedKeys(doc) {
		node := doc[key]
		switch key {
		case "rules":
		case "plugins":
			cfg.Warnings = append(cfg.Warnings, "the plugins section of .dive-ci is ignored: layerscope has no plugins")
			continue
		default:
			cfg.Warnings = append(cfg.Warnings, fmt.Sprintf("ignored the %q section of .dive-ci", key))
			continue
		}
		rules, err := decodeRules(node)
		if err != nil {
			return nil, err
		}
		if len(rules) == 0 {
			cfg.Rules.SecretsOff = true // an explicit empty rules: turns every rule off, secrets too
		}
		for _, k := range sortedKeys(rules) {
			n := rules[k]
			switch {
			case strings.Contains(k, "/"):
				cfg.Warnings = append(cfg.Warnings, fmt.Sprintf("ignored the plugin rule %q", k))
			case !slices.Contains(diveKeys, k):
				cfg.Warnings = append(cfg.Warnings, fmt.Sprintf("ignored the unknown rule %q", k))
			case n.Kind != yaml.ScalarNode:
				return nil, atLine(n, fmt.Errorf("%s: want a single value", k))
			case isDisabled(n.Value):
			default:
				if err := cfg.Rules.Set(k, n.Value); err != nil {
					return nil, atLine(n, err)
				}
			}
		}
	}
	return cfg, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// isDisabled reports dive's ways of switching a rule off.
func isDisabled(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "disabled", "off", "false":
		return true
	}
	return false
}

// Set sets rule key from its text form; "disabled" (or "off") clears it,
// which lets a flag switch off a rule of the file.
func (r *Rules) Set(key, value string) error {
	if r.Given == nil {
		r.Given = map[string]string{}
	}
	value = strings.TrimSpace(value)
	if isDisabled(value) {
		r.clear(key)
		return nil
	}
	var err error
	switch key {
	case LowestEfficiency:
		r.LowestEfficiency, err = parseRatio(key, value)
	case HighestUserWastedPercent:
		r.HighestUserWastedPercent, err = parseRatio(key, value)
	case HighestWastedBytes:
		r.HighestWastedBytes, err = parseSize(key, value)
	case HighestImageBytes:
		r.HighestImageBytes, err = parseSize(key, value)
	case HighestLayerBytes:
		r.HighestLayerBytes, err = parseSize(key, value)
	case HighestLayerCount:
		r.HighestLayerCount, err = parseCount(key, value)
	case ForbiddenPaths:
		return r.SetForbidden(strings.Split(value, ","))
	default:
		return r.setAdvice(key, value)
	}
	if err == nil {
		r.Given[key] = value
	}
	return err
}

// SetForbidden sets the forbidden path patterns, checking each.
func (r *Rules) SetForbidden(patterns []string) error {
	var out []string
	for _, p := range patterns {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if err := checkGlob(p); err != nil {
			return fmt.Errorf("%s: invalid pattern %q: %w", ForbiddenPaths, p, err)
		}
		out = append(out, p)
	}
	r.ForbiddenPaths = out
	if r.Given == nil {
		r.Given = map[string]string{}
	}
	if len(out) == 0 {
		delete(r.Given, ForbiddenPaths)
	} else {
		r.Given[ForbiddenPaths] = strings.Join(out, ", ")
	}
	return nil
}

func (r *Rules) clear(key string) {
	switch key {
	case LowestEfficiency:
		r.LowestEfficiency = nil
	case HighestUserWastedPercent:
		r.HighestUserWastedPercent = nil
	case HighestWastedBytes:
		r.HighestWastedBytes = nil
	case HighestImageBytes:
		r.HighestImageBytes = nil
	case HighestLayerBytes:
		r.HighestLayerBytes = nil
	case HighestLayerCount:
		r.HighestLayerCount = nil
	case ForbiddenPaths:
		r.ForbiddenPaths = nil
	default:
		r.clearAdvice(key)
	}
	delete(r.Given, key)
}

func parseRatio(key, v string) (*float64, error) {
	f, err := strconv.ParseFloat(v, 64)
	// Written so that NaN, which compares false with everything and
	// would disable the rule, fails too.
	if err != nil || !(f >= 0 && f <= 1) {
		return nil, fmt.Errorf("%s: %q is not a ratio from 0 to 1 (e.g. 0.9)", key, v)
	}
	return &f, nil
}

func parseSize(key, v string) (*int64, error) {
	n, err := humanize.ParseBytes(v)
	if err != nil || n > 1<<62 {
		return nil, fmt.Errorf("%s: %q is not a size (e.g. 20MB = 20,000,000 bytes, 20MiB = 20,971,520)", key, v)
	}
	s := int64(n)
	return &s, nil
}

func parseCount(key, v string) (*int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("%s: %q is not a whole number", key, v)
	}
	return &n, nil
}

var errEmptySegment = errors.New("empty path segment")
