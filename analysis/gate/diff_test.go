package gate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerscope/layerscope/analysis/diff"
)

func TestLoadDiff(t *testing.T) {
	cases := []struct {
		name, file, text string
		err              string
		given            map[string]string
	}{
		{"diff section", ConfigFile, "rules:\n  highestLayerCount: 3\ndiff:\n  highestSizeGrowthBytes: 5MB\n  highestSizeGrowthPercent: 1.5\n  forbiddenPaths: ['*.pem', 'id_rsa']\n", "",
			map[string]string{HighestSizeGrowthBytes: "5MB", HighestSizeGrowthPercent: "1.5", ForbiddenPaths: "*.pem, id_rsa"}},
		{"no diff section", ConfigFile, "rules:\n  highestLayerCount: 3\n", "", map[string]string{}},
		{"unknown diff rule", ConfigFile, "diff:\n  lowestEfficiency: 0.5\n", `line 2: unknown diff rule "lowestEfficiency"`, nil},
		{"bad value", ConfigFile, "diff:\n  highestWastedGrowthBytes: lots\n", "highestWastedGrowthBytes", nil},
		{"negative growth", ConfigFile, "diff:\n  highestSizeGrowthPercent: -0.1\n", "ratio of 0 or more", nil},
		{"image rules checked too", ConfigFile, "rules:\n  bogus: 1\ndiff:\n  highestSizeGrowthBytes: 1MB\n", `unknown rule "bogus"`, nil},
		{"not a mapping", ConfigFile, "diff: [1, 2]\n", "want a mapping", nil},
		{"dive file", DiveConfigFile, "rules:\n  lowestEfficiency: 0.9\n", "", map[string]string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, c.file), []byte(c.text), 0o644)
			cfg, err := LoadDiff(dir, "")
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || strings.Contains(err.Error(), "\n") {
					t.Errorf("error %v, want one line with %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(cfg.Rules.Given) != len(c.given) {
				t.Errorf("given %v, want %v", cfg.Rules.Given, c.given)
			}
			for k, v := range c.given {
				if cfg.Rules.Given[k] != v {
					t.Errorf("%s = %q, want %q", k, cfg.Rules.Given[k], v)
				}
			}
		})
	}
	// The image gate reads the same file and ignores the diff section.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ConfigFile), []byte(cases[0].text), 0o644)
	if cfg, err := Load(dir, ""); err != nil || cfg.Rules.HighestLayerCount == nil || *cfg.Rules.HighestLayerCount != 3 {
		t.Errorf("the image gate: %v %+v", err, cfg)
	}
}

func TestSizeGrowth(t *testing.T) {
	for _, c := range []struct {
		delta, old int64
		want       float64
	}{{0, 0, 0}, {10, 0, 1}, {50, 100, 0.5}, {-50, 100, -0.5}, {300, 100, 3}} {
		if got := SizeGrowth(diff.Summary{SizeDeltaBytes: c.delta}, c.old); got != c.want {
			t.Errorf("growth of %d over %d = %v, want %v", c.delta, c.old, got, c.want)
		}
	}
}
