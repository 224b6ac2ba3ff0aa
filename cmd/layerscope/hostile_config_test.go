package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/layerscope/layerscope/analysis/gate"
	"github.com/layerscope/layerscope/analysis/synth"
)

// quick is the bound for refusing a configuration: at once, never waiting
// on a FIFO (a generous limit for a loaded machine).
var quick = bounded{Timeout: 20 * time.Second, Env: []string{"CI="}}

// in returns quick run in dir, with XDG_CONFIG_HOME at xdg when given.
func in(dir, xdg string) bounded {
	b := quick
	b.Dir = dir
	if xdg != "" {
		b.Env = append([]string{"XDG_CONFIG_HOME=" + xdg}, b.Env...)
	}
	return b
}

// TestNonFiniteThresholdsBinary: NaN and infinities are refused with
// exit 2 and one line naming the rule, for every numeric rule, as a flag,
// in .layerscope-ci.yaml (YAML's .nan and .inf too) and in .dive-ci.
func TestNonFiniteThresholdsBinary(t *testing.T) {
	basic := absTestdata(t, "fixtures", "basic.docker.tar")
	dive := map[string]bool{gate.LowestEfficiency: true, gate.HighestWastedBytes: true, gate.HighestUserWastedPercent: true}
	for _, key := range gate.RuleKeys {
		if key == gate.ForbiddenPaths {
			continue
		}
		t.Run(key, func(t *testing.T) {
			for _, v := range []string{"NaN", "+Inf", "-Inf"} {
				r := runBounded(t, in(t.TempDir(), ""), "--ci", "--"+key, v, basic)
				hostileError(t, r.result, "--"+key)
			}
			for _, v := range []string{".nan", ".inf", "-.inf", "NaN"} {
				dir := t.TempDir()
				os.WriteFile(filepath.Join(dir, gate.ConfigFile), fmt.Appendf(nil, "rules:\n  %s: %s\n", key, v), 0o644)
				hostileError(t, runBounded(t, in(dir, ""), "--ci", basic).result, key)
				if dive[key] {
					dir := t.TempDir()
					os.WriteFile(filepath.Join(dir, gate.DiveConfigFile), fmt.Appendf(nil, "rules:\n  %s: %s\n", key, v), 0o644)
					hostileError(t, runBounded(t, in(dir, ""), "--ci", basic).result, key)
				}
			}
		})
	}
}

// notRegular makes a FIFO, a device, a directory or a symlink to one at p.
func notRegular(t *testing.T, p, kind string) {
	t.Helper()
	if err := synth.NotRegular(p, kind); err != nil {
		t.Fatal(err)
	}
}

// TestConfigNotRegularBinary: a FIFO (whose open(2) would block for ever
// without a writer), a device, a directory or a symlink to one, given as
// --ci-config or --config or found as the default file, is refused at
// once with one line, exit 2.
func TestConfigNotRegularBinary(t *testing.T) {
	basic := absTestdata(t, "fixtures", "basic.docker.tar")
	for _, kind := range []string{"fifo", "device", "dir", "link-to-fifo"} {
		t.Run(kind, func(t *testing.T) {
			for _, name := range []string{gate.ConfigFile, gate.DiveConfigFile} {
				dir := t.TempDir()
				p := filepath.Join(dir, name)
				notRegular(t, p, kind)
				r := runBounded(t, in(t.TempDir(), ""), "--ci", "--ci-config", p, basic)
				hostileError(t, r.result, "not a regular file")
				r = runBounded(t, in(dir, ""), "--ci", basic) // found by default
				hostileError(t, r.result, "not a regular file")
			}
			xdg := t.TempDir()
			p := filepath.Join(xdg, "layerscope", "config.yaml")
			notRegular(t, p, kind)
			r := runBounded(t, in(t.TempDir(), t.TempDir()), "--config", p, basic)
			hostileError(t, r.result, "not a regular file")
			r = runBounded(t, in(t.TempDir(), xdg), basic) // the XDG default
			hostileError(t, r.result, "not a regular file")
		})
	}
}

// TestConfigTooLargeBinary: a config file over 1 MiB is refused with one
// line saying so.
func TestConfigTooLargeBinary(t *testing.T) {
	basic := absTestdata(t, "fixtures", "basic.docker.tar")
	dir := t.TempDir()
	big := "rules:\n  lowestEfficiency: 0.5\n" + strings.Repeat("# padding\n", 120_000)
	os.WriteFile(filepath.Join(dir, gate.ConfigFile), []byte(big), 0o644)
	hostileError(t, runBounded(t, in(dir, ""), "--ci", basic).result, "larger than")
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte("defaults:\n  sort: size\n"+strings.Repeat("# padding\n", 120_000)), 0o644)
	hostileError(t, runBounded(t, in(t.TempDir(), t.TempDir()), "--config", cfg, basic).result, "larger than")
}

// TestYAMLErrorsBinary: every YAML error of every config file is one line
// naming the file and the line, also when the library reports several.
func TestYAMLErrorsBinary(t *testing.T) {
	basic := absTestdata(t, "fixtures", "basic.docker.tar")
	for name, c := range map[string]struct{ file, text, want string }{
		"duplicate key":          {gate.ConfigFile, "rules:\n  lowestEfficiency: 0.9\n  lowestEfficiency: 0.1\n", "line 3"},
		"two duplicate keys":     {gate.ConfigFile, "rules:\n  lowestEfficiency: 0.9\n  lowestEfficiency: 0.1\n  highestLayerCount: 1\n  highestLayerCount: 2\n", "line 5"},
		"duplicate section":      {gate.ConfigFile, "rules: {}\nrules: {}\n", "line 2"},
		"dive duplicate key":     {gate.DiveConfigFile, "rules:\n  lowestEfficiency: 0.9\n  lowestEfficiency: 0.1\n", "line 3"},
		"type error":             {gate.ConfigFile, "rules:\n  forbiddenPaths: [a, [b]]\n", "line 2"},
		"syntax error":           {gate.ConfigFile, "rules:\n  lowestEfficiency: [0.9\n", "line "},
		"unknown key":            {gate.ConfigFile, "rules:\n  lowestEfficiency: 0.9\n  lowestEficiency: 0.1\n", "line 3"},
		"explorer duplicate key": {"config.yaml", "defaults:\n  sort: size\n  sort: name\n", "line 3"},
		"explorer type errors":   {"config.yaml", "defaults:\n  attributes: maybe\n  aggregated: perhaps\n", "line 3"},
		"explorer unknown key":   {"config.yaml", "colours: {}\n", "line 1"},
		"explorer syntax error":  {"config.yaml", "keys:\n  quit: [q\n", "line "},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, c.file)
			os.WriteFile(p, []byte(c.text), 0o644)
			args := []string{"--ci", "--ci-config", p, basic}
			if c.file == "config.yaml" {
				args = []string{"--config", p, basic}
			}
			r := runBounded(t, in(dir, t.TempDir()), args...)
			hostileError(t, r.result, c.want)
			if !strings.Contains(r.stderr, p) {
				t.Errorf("the error does not name the file %s: %q", p, r.stderr)
			}
		})
	}
}
