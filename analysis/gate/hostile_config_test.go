package gate

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerscope/layerscope/analysis/safefile"
	"github.com/layerscope/layerscope/analysis/synth"
)

// nonFinite are the ways to write NaN and infinities, as a flag or in
// YAML (where .nan and .inf are floats).
var nonFinite = []string{"NaN", "nan", "+Inf", "-Inf", "Inf", "infinity", ".nan", ".NaN", ".inf", "-.inf", "+.inf", "1e400", "-1e400"}

// TestNonFiniteThresholds: no rule accepts NaN or an infinity, from a
// flag (Rules.Set), .layerscope-ci.yaml or .dive-ci; a NaN would compare
// false and so disable the rule.
func TestNonFiniteThresholds(t *testing.T) {
	for _, key := range RuleKeys {
		if key == ForbiddenPaths {
			continue // patterns, not numbers
		}
		for _, v := range nonFinite {
			var r Rules
			if err := r.Set(key, v); err == nil || !strings.Contains(err.Error(), key) {
				t.Errorf("Set(%s, %s): error %v, want one naming the rule", key, v, err)
			}
			for _, file := range []string{ConfigFile, DiveConfigFile} {
				if file == DiveConfigFile && !isDiveKey(key) {
					continue
				}
				_, err := Load("", writeConfig(t, file, fmt.Sprintf("rules:\n  %s: %s\n", key, v)))
				if err == nil || !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "line 2") {
					t.Errorf("%s with %s: %s: error %v, want one naming the rule and line 2", file, key, v, err)
				}
			}
		}
	}
}

func isDiveKey(k string) bool {
	for _, d := range diveKeys {
		if d == k {
			return true
		}
	}
	return false
}

// TestOutOfRangeThresholds: every rule refuses values outside its range.
func TestOutOfRangeThresholds(t *testing.T) {
	bad := map[string][]string{
		LowestEfficiency:         {"-0.1", "1.0001", "2"},
		HighestUserWastedPercent: {"-1", "1.5", "50%"},
		HighestWastedBytes:       {"-1", "-1MB", "9EiB", "1e3"},
		HighestImageBytes:        {"-5", "100 XB"},
		HighestLayerBytes:        {"-0", "-1kB"},
		HighestLayerCount:        {"-1", "1.5", "99999999999999999999"},
	}
	for key, values := range bad {
		for _, v := range values {
			var r Rules
			if err := r.Set(key, v); err == nil || !strings.Contains(err.Error(), key) {
				t.Errorf("Set(%s, %q): error %v, want one naming the rule", key, v, err)
			}
		}
	}
}

// TestConfigNotRegular: a FIFO, a device, a directory, or a symlink to
// one, as the named file or as the default file, is refused at once (a
// FIFO without a writer would block open(2) for ever).
func TestConfigNotRegular(t *testing.T) {
	mk := func(t *testing.T, name, kind string) string {
		p := filepath.Join(t.TempDir(), name)
		if err := synth.NotRegular(p, kind); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, name := range []string{ConfigFile, DiveConfigFile} {
		for _, kind := range []string{"fifo", "device", "dir", "link-to-fifo"} {
			t.Run(name+"/"+kind, func(t *testing.T) {
				p := mk(t, name, kind)
				for _, load := range []func() (*Config, error){
					func() (*Config, error) { return Load("", p) },
					func() (*Config, error) { return Load(filepath.Dir(p), "") },
				} {
					if _, err := load(); !errors.Is(err, safefile.ErrNotRegular) || !strings.Contains(err.Error(), p) {
						t.Errorf("error %v, want not a regular file naming %s", err, p)
					}
				}
			})
		}
	}
}

func TestConfigTooLarge(t *testing.T) {
	p := writeConfig(t, ConfigFile, "rules:\n  lowestEfficiency: 0.9\n"+strings.Repeat("# padding\n", 200_000))
	if _, err := Load("", p); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("error %v, want one saying the file is too large", err)
	}
}

// TestYAMLErrorsOneLine: every YAML error is one line naming the file and
// the line: duplicate keys (also several at once, which the library
// reports on several lines), type errors, syntax errors, unknown keys.
func TestYAMLErrorsOneLine(t *testing.T) {
	for name, c := range map[string]struct {
		file, text string
		want       []string
	}{
		"duplicate section":      {ConfigFile, "rules:\n  lowestEfficiency: 0.9\nrules:\n  lowestEfficiency: 0.1\n", []string{"line 3", "already defined"}},
		"duplicate rule":         {ConfigFile, "rules:\n  lowestEfficiency: 0.9\n  lowestEfficiency: 0.1\n", []string{"line 3", "already defined"}},
		"two duplicates":         {ConfigFile, "rules:\n  lowestEfficiency: 0.9\n  lowestEfficiency: 0.1\n  highestLayerCount: 1\n  highestLayerCount: 2\n", []string{"line 3", "line 5"}},
		"dive duplicate":         {DiveConfigFile, "rules:\n  lowestEfficiency: 0.9\n  lowestEfficiency: 0.1\n", []string{"line 3", "already defined"}},
		"syntax":                 {ConfigFile, "rules:\n  lowestEfficiency: 0.9\n bad: : x\n", []string{"invalid YAML", "line 2"}},
		"top level not mapping":  {ConfigFile, "- a\n- b\n", []string{"invalid YAML", "line 1"}},
		"unknown rule":           {ConfigFile, "rules:\n  lowestEfficiency: 0.9\n  nope: 1\n", []string{"line 3", `unknown rule "nope"`}},
		"unknown section":        {ConfigFile, "rules: {}\nextra: 1\n", []string{"line 2", `unknown key "extra"`}},
		"type error":             {ConfigFile, "rules:\n  forbiddenPaths: [a, [b]]\n", []string{"line 2", "forbiddenPaths"}},
		"control bytes in a key": {ConfigFile, "rules:\n  \"\\e[31mred\\nx\": 1\n", []string{"line 2", "unknown rule"}},
	} {
		t.Run(name, func(t *testing.T) {
			p := writeConfig(t, c.file, c.text)
			_, err := Load("", p)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if strings.ContainsAny(msg, "\n\r\x1b") {
				t.Errorf("not one clean line: %q", msg)
			}
			for _, w := range append(c.want, p) {
				if !strings.Contains(msg, w) {
					t.Errorf("%q does not mention %q", msg, w)
				}
			}
		})
	}
}
