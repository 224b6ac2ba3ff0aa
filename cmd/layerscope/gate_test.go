package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runIn runs layerscope in dir with extra environment ("NAME=" unsets).
func runIn(t testing.TB, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = withEnv(os.Environ(), env)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

func absTestdata(t testing.TB, parts ...string) string {
	p, err := filepath.Abs(testdata(parts...))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestGateExitCodes runs the compiled binary: 0 pass, 1 a rule failed, 2
// the image or the configuration is unusable; the three never blur.
func TestGateExitCodes(t *testing.T) {
	basic := absTestdata(t, "fixtures", "basic.docker.tar")
	empty := t.TempDir()
	withConfig := func(name, text string) string {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)
		return dir
	}
	cases := []struct {
		name     string
		dir      string
		env      []string
		args     []string
		code     int
		contains string
	}{
		// No file and no rule flag: dive's defaults, which the fixture
		// fails (99.7 % of its bytes above the base layer are wasted).
		{"no rules: dive's defaults", empty, nil, []string{"--ci", basic}, 1, "FAIL [pass:2 fail:1 skip:6]"},
		{"no rules: the report says so", empty, nil, []string{"--ci", basic}, 1, "rules       dive's default rules are in force"},
		{"explicit empty rules: all skipped", withConfig(".layerscope-ci.yaml", "rules:\n"), nil, []string{"--ci", basic}, 0, "PASS [pass:0 fail:0 skip:9]"},
		{"explicit empty rules in .dive-ci", withConfig(".dive-ci", "rules:\n"), nil, []string{"--ci", basic}, 0, "PASS [pass:0 fail:0 skip:9]"},
		{"a rule flag replaces the defaults", empty, nil, []string{"--ci", "--highestLayerCount", "20", basic}, 0, "PASS [pass:2 fail:0 skip:7]"},
		{"CI rules given to --config", empty, nil, []string{"--ci", "--config", absTestdata(t, "..", "analysis", "gate", "testdata", "dive-readme.dive-ci"), basic}, 2, "use --ci-config"},
		{"rules: in a --config file", withConfig("mine.yaml", "rules:\n  lowestEfficiency: 0.99\n"), nil, []string{"--ci", "--config", "mine.yaml", basic}, 2, "--config mine.yaml holds CI rules"},
		{"passing flags", empty, nil, []string{"--ci", "--lowestEfficiency", "0.9", "--highestLayerCount", "17", basic}, 0, "PASS [pass:3 fail:0 skip:6]"},
		{"failing flag", empty, nil, []string{"--ci", "--highestWastedBytes", "20kB", basic}, 1, "FAIL [pass:1 fail:1 skip:7]"},
		{"CI=true turns it on", empty, []string{"CI=true"}, []string{"--highestLayerCount", "3", basic}, 1, "FAIL  highestLayerCount"},
		{"CI=yes turns it on", empty, []string{"CI=yes"}, []string{basic}, 1, "FAIL  highestUserWastedPercent"},
		{"CI=1 turns it on", empty, []string{"CI=1"}, []string{"--lowestEfficiency", "0.9", basic}, 0, "PASS"},
		{"config file", withConfig(".layerscope-ci.yaml", "rules:\n  highestLayerBytes: 1MB\n"), nil, []string{"--ci", basic}, 1, "FAIL  highestLayerBytes"},
		{"flag overrides file", withConfig(".layerscope-ci.yaml", "rules:\n  lowestEfficiency: 0.99\n"), nil, []string{"--ci", "--lowestEfficiency", "0.5", basic}, 0, "PASS  lowestEfficiency"},
		{"flag disables a rule of the file", withConfig(".layerscope-ci.yaml", "rules:\n  lowestEfficiency: 0.99\n"), nil, []string{"--ci", "--lowestEfficiency", "disabled", basic}, 0, "SKIP  lowestEfficiency"},
		{"dive's .dive-ci", withConfig(".dive-ci", "plugins:\n  - plugin1\nrules:\n  lowestEfficiency: 0.99\n  plugin1/rule1: error\n"), nil, []string{"--ci", basic}, 1, "FAIL  lowestEfficiency"},
		{"--ci-config", empty, nil, []string{"--ci", "--ci-config", absTestdata(t, "..", "analysis", "gate", "testdata", "dive-readme.dive-ci"), basic}, 1, "FAIL [pass:3 fail:1 skip:5]"},
		{"unknown key", withConfig(".layerscope-ci.yaml", "rules:\n  lowestEficiency: 0.9\n"), nil, []string{"--ci", basic}, 2, `unknown rule "lowestEficiency"`},
		{"invalid value", withConfig(".layerscope-ci.yaml", "rules:\n  highestWastedBytes: many\n"), nil, []string{"--ci", basic}, 2, "highestWastedBytes"},
		{"invalid flag value", empty, nil, []string{"--ci", "--lowestEfficiency", "95%", basic}, 2, "lowestEfficiency"},
		{"unknown format", empty, nil, []string{"--ci", "--format", "yaml", basic}, 2, `unknown --format "yaml"`},
		{"missing config file", empty, nil, []string{"--ci", "--ci-config", "nope.yaml", basic}, 2, "nope.yaml"},
		{"unreadable image", empty, nil, []string{"--ci", "--lowestEfficiency", "0.1", filepath.Join(empty, "missing.tar")}, 2, "no such file"},
		{"--json - with --ci", empty, nil, []string{"--ci", "--json", "-", basic}, 2, "both write to stdout"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runIn(t, c.dir, append([]string{"CI="}, c.env...), c.args...)
			if r.code != c.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, c.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout+r.stderr, c.contains) {
				t.Errorf("output lacks %q:\n%s%s", c.contains, r.stdout, r.stderr)
			}
			if c.code == 2 && (r.stdout != "" || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0) {
				t.Errorf("exit 2 must be one line on stderr and nothing on stdout:\nstdout %q\nstderr %q", r.stdout, r.stderr)
			}
		})
	}
}

func TestGateDiveWarnings(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".dive-ci"), []byte("plugins:\n  - plugin1\nrules:\n  plugin1/rule1: error\n"), 0o644)
	r := runIn(t, dir, []string{"CI="}, "--ci", absTestdata(t, "fixtures", "basic.docker.tar"))
	if r.code != 0 || !strings.Contains(r.stderr, "plugins section of .dive-ci is ignored") || !strings.Contains(r.stderr, `plugin rule "plugin1/rule1"`) {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestGateColour(t *testing.T) {
	basic := absTestdata(t, "fixtures", "basic.docker.tar")
	args := []string{"--ci", "--lowestEfficiency", "0.9", basic}
	if r := runIn(t, t.TempDir(), []string{"CI=", "NO_COLOR=", "CLICOLOR_FORCE=1"}, args...); !strings.Contains(r.stdout, "\x1b[") {
		t.Errorf("no colour when forced")
	}
	if r := runIn(t, t.TempDir(), []string{"CI=", "NO_COLOR=1", "CLICOLOR_FORCE=1"}, args...); strings.Contains(r.stdout, "\x1b[") {
		t.Errorf("colour despite NO_COLOR")
	}
	if r := runIn(t, t.TempDir(), []string{"CI=", "NO_COLOR=", "CLICOLOR_FORCE="}, args...); strings.Contains(r.stdout, "\x1b[") {
		t.Errorf("colour on a pipe")
	}
}

// TestGateForbiddenKeyAddedThenDeleted builds, with Docker, an image that
// adds a private key in one layer and deletes it in the next: the key is
// still shipped, so the gate fails and names both layers.
func TestGateForbiddenKeyAddedThenDeleted(t *testing.T) {
	needDocker(t)
	sh(t, "docker", "load", "-q", "-i", testdata("fixtures", "basic.docker.tar"))
	ctx := t.TempDir()
	os.WriteFile(filepath.Join(ctx, "Dockerfile"), []byte(`FROM `+basicTag+`
RUN mkdir -p /root/.ssh && echo "-----BEGIN OPENSSH PRIVATE KEY-----" > /root/.ssh/id_rsa
RUN rm /root/.ssh/id_rsa
`), 0o644)
	tag := "layerscope-test-forbidden:1"
	sh(t, "docker", "build", "-q", "-t", tag, ctx)
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", tag).Run() })
	archive := filepath.Join(t.TempDir(), "img.tar")
	sh(t, "docker", "save", "-o", archive, tag)

	for _, image := range []string{archive, "docker://" + tag} {
		r := runIn(t, t.TempDir(), []string{"CI="}, "--ci", "--forbiddenPaths", "**/id_rsa", image)
		if r.code != 1 {
			t.Fatalf("%s: exit %d, want 1\n%s%s", image, r.code, r.stdout, r.stderr)
		}
		for _, want := range []string{
			"/root/.ssh/id_rsa",
			"added by layer 17 RUN mkdir -p /root/.ssh",
			"hidden by layer 18 RUN rm /root/.ssh/id_rsa, but still shipped in layer 17",
			"FAIL  forbiddenPaths",
		} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%s: report lacks %q:\n%s", image, want, r.stdout)
			}
		}
	}
}
