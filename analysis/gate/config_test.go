package gate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeConfig(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadLayerscopeConfig(t *testing.T) {
	p := writeConfig(t, ConfigFile, `
rules:
  lowestEfficiency: 0.9
  highestWastedBytes: 20MB
  highestUserWastedPercent: 0.1
  highestImageBytes: 20MiB
  highestLayerBytes: 1GB
  highestLayerCount: 40
  forbiddenPaths: ["**/*.pem", "**/id_rsa", ".env"]
`)
	cfg, err := Load("", p)
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Rules
	if *r.LowestEfficiency != 0.9 || *r.HighestWastedBytes != 20_000_000 || *r.HighestUserWastedPercent != 0.1 ||
		*r.HighestImageBytes != 20_971_520 || *r.HighestLayerBytes != 1_000_000_000 || *r.HighestLayerCount != 40 ||
		len(r.ForbiddenPaths) != 3 {
		t.Errorf("rules = %+v", r)
	}
	if cfg.File != p || len(cfg.Warnings) != 0 {
		t.Errorf("file %q warnings %v", cfg.File, cfg.Warnings)
	}
}

func TestMissingRulesAreDisabled(t *testing.T) {
	cfg, err := Load("", writeConfig(t, ConfigFile, "rules:\n  highestLayerCount: 3\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Rules.LowestEfficiency != nil || cfg.Rules.HighestWastedBytes != nil || cfg.Rules.ForbiddenPaths != nil {
		t.Errorf("rules not in the file are set: %+v", cfg.Rules)
	}
}

// No rules file means dive's defaults, as with `dive --ci` (until this
// change, no file passed every image).
func TestNoConfigFileGivesDiveDefaults(t *testing.T) {
	cfg, err := Load(t.TempDir(), "")
	if err != nil || cfg.File != "" || !cfg.Defaults {
		t.Fatalf("cfg %+v err %v", cfg, err)
	}
	r := cfg.Rules
	if r.LowestEfficiency == nil || *r.LowestEfficiency != 0.9 || r.HighestUserWastedPercent == nil || *r.HighestUserWastedPercent != 0.1 ||
		r.HighestWastedBytes != nil || r.HighestImageBytes != nil || r.HighestLayerBytes != nil || r.HighestLayerCount != nil || r.ForbiddenPaths != nil {
		t.Errorf("defaults are not dive's: %+v", r)
	}
	cfg.ReplaceDefaults()
	if cfg.Defaults || cfg.Rules.LowestEfficiency != nil || cfg.Rules.HighestUserWastedPercent != nil {
		t.Errorf("after ReplaceDefaults: %+v", cfg)
	}
}

// An explicit empty rules section turns every rule off, in both files;
// a file's rules are never replaced.
func TestEmptyRulesDisableAll(t *testing.T) {
	for _, name := range []string{ConfigFile, DiveConfigFile} {
		for _, text := range []string{"rules:\n", "rules: {}\n"} {
			dir := filepath.Dir(writeConfig(t, name, text))
			cfg, err := Load(dir, "")
			if err != nil {
				t.Fatalf("%s %q: %v", name, text, err)
			}
			r := cfg.Rules
			if cfg.Defaults || r.LowestEfficiency != nil || r.HighestUserWastedPercent != nil || len(r.Given) != 0 {
				t.Errorf("%s %q: %+v", name, text, cfg)
			}
			cfg.ReplaceDefaults()
			if cfg.File == "" {
				t.Errorf("%s: no file recorded", name)
			}
		}
	}
}

func TestLayerscopeConfigWinsOverDive(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, DiveConfigFile), []byte("rules:\n  lowestEfficiency: 0.5\n"), 0o644)
	cfg, err := Load(dir, "")
	if err != nil || cfg.File != filepath.Join(dir, DiveConfigFile) || *cfg.Rules.LowestEfficiency != 0.5 {
		t.Fatalf(".dive-ci alone: %+v %v", cfg, err)
	}
	os.WriteFile(filepath.Join(dir, ConfigFile), []byte("rules:\n  lowestEfficiency: 0.7\n"), 0o644)
	if cfg, err := Load(dir, ""); err != nil || *cfg.Rules.LowestEfficiency != 0.7 {
		t.Errorf("with both: %+v %v", cfg, err)
	}
}

// TestDiveConfigsFromDiveDocs reads .dive-ci files as dive's README and
// repository carry them.
func TestDiveConfigsFromDiveDocs(t *testing.T) {
	cfg, err := Load("", filepath.Join("testdata", "dive-readme.dive-ci"))
	if err != nil {
		t.Fatal(err)
	}
	if *cfg.Rules.LowestEfficiency != 0.95 || *cfg.Rules.HighestWastedBytes != 20_000_000 || *cfg.Rules.HighestUserWastedPercent != 0.2 || len(cfg.Warnings) != 0 {
		t.Errorf("README example: %+v, warnings %v", cfg.Rules, cfg.Warnings)
	}
	cfg, err = Load("", filepath.Join("testdata", "dive-repo.dive-ci"))
	if err != nil {
		t.Fatal(err)
	}
	if *cfg.Rules.HighestWastedBytes != 20_000_000 || *cfg.Rules.HighestUserWastedPercent != 0.1 {
		t.Errorf("repository example: %+v", cfg.Rules)
	}
	if w := strings.Join(cfg.Warnings, "\n"); !strings.Contains(w, "plugins section") || !strings.Contains(w, `"plugin1/rule1"`) {
		t.Errorf("warnings = %q, want the plugins section and plugin rule ignored", w)
	}
	cfg, err = Load("", filepath.Join("testdata", "dive-disabled.dive-ci"))
	if err != nil || cfg.Rules.LowestEfficiency != nil || cfg.Rules.HighestWastedBytes != nil || *cfg.Rules.HighestUserWastedPercent != 0.5 {
		t.Errorf("disabled values: %+v %v", cfg.Rules, err)
	}
}

func TestInvalidConfigs(t *testing.T) {
	for name, c := range map[string]struct{ text, want string }{
		"unknown rule":        {"rules:\n  lowestEfficency: 0.9\n", `unknown rule "lowestEfficency"`},
		"unknown section":     {"rule:\n  lowestEfficiency: 0.9\n", `unknown key "rule"`},
		"ratio above 1":       {"rules:\n  lowestEfficiency: 1.5\n", `lowestEfficiency: "1.5" is not a ratio`},
		"ratio as percent":    {"rules:\n  highestUserWastedPercent: 10%\n", `highestUserWastedPercent: "10%" is not a ratio`},
		"size":                {"rules:\n  highestWastedBytes: lots\n", `highestWastedBytes: "lots" is not a size`},
		"negative count":      {"rules:\n  highestLayerCount: -1\n", `highestLayerCount: "-1" is not a whole number`},
		"paths not a list":    {"rules:\n  forbiddenPaths: {a: b}\n", "forbiddenPaths: want a list"},
		"bad glob":            {"rules:\n  forbiddenPaths: ['[']\n", `forbiddenPaths: invalid pattern "["`},
		"rule is a list":      {"rules:\n  lowestEfficiency: [1]\n", "lowestEfficiency: want a single value"},
		"not yaml":            {"rules: [\n", "invalid YAML"},
		"rules not a mapping": {"rules: 3\n", "rules: want a mapping"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Load("", writeConfig(t, ConfigFile, c.text))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to say %q", err, c.want)
			}
		})
	}
	// dive rejects invalid values too.
	if _, err := Load("", writeConfig(t, DiveConfigFile, "rules:\n  lowestEfficiency: high\n")); err == nil {
		t.Error("an invalid .dive-ci value was accepted")
	}
}

func TestFlagsOverride(t *testing.T) {
	cfg, _ := Load("", writeConfig(t, ConfigFile, "rules:\n  lowestEfficiency: 0.9\n  highestLayerCount: 3\n"))
	if err := cfg.Rules.Set(LowestEfficiency, "0.5"); err != nil || *cfg.Rules.LowestEfficiency != 0.5 {
		t.Errorf("override: %v", err)
	}
	if err := cfg.Rules.Set(HighestLayerCount, "disabled"); err != nil || cfg.Rules.HighestLayerCount != nil {
		t.Errorf("disable: %v", err)
	}
}

func TestGlob(t *testing.T) {
	for _, c := range []struct {
		pattern, path string
		want          bool
	}{
		{"**/*.pem", "/etc/ssl/private/key.pem", true},
		{"**/*.pem", "/key.pem", true},
		{"**/*.pem", "/etc/key.pem.bak", false},
		{"id_rsa", "/root/.ssh/id_rsa", true},
		{"id_rsa", "/root/.ssh/id_rsa.pub", false},
		{"**/.env", "/app/.env", true},
		{"/etc/shadow", "/etc/shadow", true},
		{"etc/shadow", "/etc/shadow", true},
		{"/etc/shadow", "/srv/etc/shadow", false},
		{"/root/**", "/root/.ssh/id_rsa", true},
		{"/root/**", "/rooted", false},
		{"/app/**/secret?.txt", "/app/a/b/secret1.txt", true},
		{"/app/**/secret?.txt", "/app/secret1.txt", true},
		{"**/.ssh/*", "/home/u/.ssh/known_hosts", true},
	} {
		if got := newGlob(c.pattern).match(c.path); got != c.want {
			t.Errorf("%q ~ %q = %v, want %v", c.pattern, c.path, got, c.want)
		}
	}
}

// Every format says when dive's defaults are the rules.
func TestDefaultsNoteInEveryFormat(t *testing.T) {
	rep := basicReport(t)
	for _, defaults := range []bool{false, true} {
		rep.Gate.Defaults = defaults
		for _, format := range Formats {
			var buf strings.Builder
			if err := Write(&buf, format, rep); err != nil {
				t.Fatal(err)
			}
			said := strings.Contains(buf.String(), "default rules are in force") || strings.Contains(buf.String(), `"defaults": true`)
			if said != defaults {
				t.Errorf("%s, defaults %v: the report says so: %v\n%s", format, defaults, said, buf.String())
			}
		}
	}
}

// CI rules given to --config are refused with a pointer to --ci-config;
// an explorer configuration is not.
func TestNotRulesFile(t *testing.T) {
	for _, c := range []struct {
		name, text string
		refused    bool
	}{
		{"explorer.yaml", "keys:\n  quit: x\n", false},
		{"explorer.yaml", "rules:\n  lowestEfficiency: 0.9\n", true},
		{"ci.yaml", "rules:\n", true},
		{DiveConfigFile, "", true},
		{"prod.dive-ci.yaml", "keys: {}\n", true},
		{ConfigFile, "", true},
		{"broken.yaml", "::: [", false},
	} {
		p := writeConfig(t, c.name, c.text)
		err := NotRulesFile(p)
		if (err != nil) != c.refused {
			t.Errorf("%s %q: %v", c.name, c.text, err)
		}
		if err != nil && !strings.Contains(err.Error(), "use --ci-config "+p) {
			t.Errorf("%s: the error does not point to --ci-config: %v", c.name, err)
		}
	}
	if err := NotRulesFile(filepath.Join(t.TempDir(), "missing.yaml")); err != nil {
		t.Errorf("a missing file is the explorer loader's to report: %v", err)
	}
}
