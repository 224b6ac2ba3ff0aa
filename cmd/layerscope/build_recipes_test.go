package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	cigate "github.com/layerscope/layerscope/analysis/gate"
)

// recipeBlock finds the recipes of a Markdown file: a yaml block between
// "<!-- recipe: NAME -->" and "<!-- /recipe -->".
var recipeBlock = regexp.MustCompile("(?s)<!-- recipe: ([a-z-]+) -->\n```yaml\n(.*?)```\n<!-- /recipe -->")

func recipes(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range recipeBlock.FindAllStringSubmatch(string(b), -1) {
		out[m[1]] = m[2]
	}
	return out
}

// installStep is how the recipes install layerscope; the test runs the
// binary it built instead, after checking that the recipe names this
// module's command.
const installStep = "go install github.com/layerscope/layerscope/cmd/layerscope@latest"

// recipeFixtures are two build contexts: one the gate passes with dive's
// defaults, and one that wastes 100 kB of 100 kB and fails.
func recipeFixtures(t *testing.T) map[string]string {
	pass := t.TempDir()
	os.WriteFile(filepath.Join(pass, "hello.txt"), []byte("hello\n"), 0o644)
	os.WriteFile(filepath.Join(pass, "Dockerfile"), []byte("FROM scratch\nCOPY hello.txt /hello.txt\n"), 0o644)
	return map[string]string{"pass": pass, "fail": buildContext(t)}
}

// TestCIRecipes runs the commands of docs/ci-recipes.md as GitHub Actions
// and GitLab CI would: each step's or script line's shell, the job's
// variables, the working directory of the checkout.
func TestCIRecipes(t *testing.T) {
	needDocker(t)
	docs := recipes(t, filepath.Join("..", "..", "docs", "ci-recipes.md"))
	if len(docs) != 2 || docs["github-actions"] == "" || docs["gitlab-ci"] == "" {
		t.Fatalf("docs/ci-recipes.md has recipes %v, want github-actions and gitlab-ci", keys(docs))
	}
	// Where README.md shows a recipe too, it is the same text.
	for name, text := range recipes(t, filepath.Join("..", "..", "README.md")) {
		if docs[name] != text {
			t.Errorf("README.md's recipe %s differs from docs/ci-recipes.md's", name)
		}
	}
	gomod, _ := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	if !strings.HasPrefix(string(gomod), "module github.com/layerscope/layerscope\n") {
		t.Fatalf("the recipes install github.com/layerscope/layerscope/cmd/layerscope, but go.mod says %q", strings.SplitN(string(gomod), "\n", 2)[0])
	}
	bin := filepath.Dir(binary) // holds "layerscope"
	for outcome, ctx := range recipeFixtures(t) {
		t.Run("github-actions/"+outcome, func(t *testing.T) { runGitHubRecipe(t, docs["github-actions"], ctx, bin, outcome == "pass") })
		t.Run("gitlab-ci/"+outcome, func(t *testing.T) { runGitLabRecipe(t, docs["gitlab-ci"], ctx, bin, outcome == "pass") })
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// shellRun runs one step's command as a CI runner does, in dir with env,
// and returns its exit code and output.
func shellRun(t *testing.T, shell []string, script, dir string, env []string) result {
	t.Helper()
	cmd := exec.Command(shell[0], append(shell[1:], script)...)
	cmd.Dir = dir
	cmd.Env = withEnv(os.Environ(), env)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	code := exitCode(t, cmd.Run())
	return result{out.String(), errb.String(), code}
}

func runGitHubRecipe(t *testing.T, recipe, ctx, bin string, pass bool) {
	var wf struct {
		Jobs map[string]struct {
			Env   map[string]string
			Steps []struct {
				Name, Uses, Run string
			}
		}
	}
	if err := yaml.Unmarshal([]byte(recipe), &wf); err != nil {
		t.Fatalf("the workflow is not YAML: %v", err)
	}
	job, ok := wf.Jobs["layerscope"]
	if !ok || len(job.Steps) == 0 || job.Steps[0].Uses != "actions/checkout@v4" {
		t.Fatalf("no layerscope job that checks out first: %+v", wf)
	}
	sha := randomHex(20)
	summary := filepath.Join(t.TempDir(), "step_summary.md")
	env := []string{"CI=true", "GITHUB_ACTIONS=true", "GITHUB_SHA=" + sha, "GITHUB_STEP_SUMMARY=" + summary, "PATH=" + bin + ":" + os.Getenv("PATH")}
	for k, v := range job.Env {
		env = append(env, k+"="+strings.ReplaceAll(v, "${{ github.sha }}", sha))
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", "app:"+sha).Run() })
	var last result
	installed := false
	for _, s := range job.Steps {
		switch {
		case s.Uses != "":
			continue
		case s.Run == installStep:
			installed = true
			continue
		}
		// GitHub's default shell for run steps on Linux.
		last = shellRun(t, []string{"bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"}, s.Run, ctx, env)
		if last.code != 0 && s.Name != "Gate the image" {
			t.Fatalf("step %q: exit %d\n%s", s.Name, last.code, tail(last.stderr))
		}
	}
	if !installed {
		t.Errorf("no step runs %q", installStep)
	}
	sum, err := os.ReadFile(summary)
	if err != nil {
		t.Fatalf("no job summary: %v", err)
	}
	if pass {
		if last.code != 0 || !strings.Contains(last.stdout, "::notice title=layerscope app%3A"+sha+"::PASS") || strings.Contains(last.stdout, "::error") {
			t.Errorf("gate: exit %d\n%s%s", last.code, last.stdout, last.stderr)
		}
		if !strings.Contains(string(sum), "## ✅ layerscope: <code>app:"+sha+"</code> PASS") {
			t.Errorf("summary:\n%s", sum)
		}
		return
	}
	for _, want := range []string{"::error title=layerscope lowestEfficiency::", "::error title=layerscope highestUserWastedPercent::", "::notice title=layerscope app%3A" + sha + "::FAIL"} {
		if !strings.Contains(last.stdout, want) {
			t.Errorf("the gate's output lacks %q:\n%s", want, last.stdout)
		}
	}
	if last.code != 1 {
		t.Errorf("gate: exit %d, want 1 (the job fails)", last.code)
	}
	if !strings.Contains(string(sum), "## ❌ layerscope: <code>app:"+sha+"</code> FAIL") || !strings.Contains(string(sum), "| lowestEfficiency | FAIL |") {
		t.Errorf("summary:\n%s", sum)
	}
}

func runGitLabRecipe(t *testing.T, recipe, ctx, bin string, pass bool) {
	type job struct {
		Stage     string
		Script    []string
		Artifacts struct {
			When    string
			Paths   []string
			Reports struct{ JUnit string }
		}
	}
	var doc map[string]yaml.Node
	if err := yaml.Unmarshal([]byte(recipe), &doc); err != nil {
		t.Fatalf("the pipeline is not YAML: %v", err)
	}
	jobs := map[string]job{}
	for name, node := range doc {
		if name == "stages" {
			continue
		}
		var j job
		if err := node.Decode(&j); err != nil {
			t.Fatalf("job %s: %v", name, err)
		}
		jobs[name] = j
	}
	build, gate := jobs["build"], jobs["layerscope"]
	if build.Stage != "build" || gate.Stage != "gate" || gate.Artifacts.When != "always" || gate.Artifacts.Reports.JUnit == "" {
		t.Fatalf("jobs %+v", jobs)
	}
	// Each job's checkout is a fresh copy; the artifact passes image.tar on.
	work := t.TempDir()
	sh(t, "cp", "-a", ctx+"/.", work)
	short := randomHex(4)
	project := "layerscope-recipe"
	env := []string{"CI=true", "GITLAB_CI=true", "CI_PROJECT_NAME=" + project, "CI_COMMIT_SHORT_SHA=" + short, "PATH=" + bin + ":" + os.Getenv("PATH")}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", project+":"+short).Run() })
	// GitLab runs each line in a shell that stops at the first failure.
	shell := []string{"sh", "-ec"}
	for _, line := range build.Script {
		if r := shellRun(t, shell, line, work, env); r.code != 0 {
			t.Fatalf("build: %q: exit %d\n%s", line, r.code, tail(r.stderr))
		}
	}
	for _, p := range build.Artifacts.Paths {
		if _, err := os.Stat(filepath.Join(work, p)); err != nil {
			t.Fatalf("the build job's artifact %s: %v", p, err)
		}
	}
	var last result
	installed := false
	for _, line := range gate.Script {
		if line == installStep {
			installed = true
			continue
		}
		last = shellRun(t, shell, line, work, env)
	}
	if !installed {
		t.Errorf("no script line runs %q", installStep)
	}
	if want := map[bool]int{true: 0, false: 1}[pass]; last.code != want {
		t.Errorf("gate: exit %d, want %d\n%s", last.code, want, last.stderr)
	}
	b, err := os.ReadFile(filepath.Join(work, gate.Artifacts.Reports.JUnit))
	if err != nil {
		t.Fatal(err)
	}
	var junit struct {
		Suites []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Cases    []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b, &junit); err != nil || len(junit.Suites) != 1 {
		t.Fatalf("the JUnit report does not parse: %v\n%s", err, b)
	}
	s := junit.Suites[0]
	failed := map[string]bool{}
	for _, c := range s.Cases {
		failed[c.Name] = c.Failure != nil
	}
	if want := len(cigate.RuleKeys); s.Tests != want || len(s.Cases) != want {
		t.Errorf("%d tests, %d cases; want one per rule, %d", s.Tests, len(s.Cases), want)
	}
	if pass && s.Failures != 0 || !pass && (s.Failures != 2 || !failed["lowestEfficiency"] || !failed["highestUserWastedPercent"]) {
		t.Errorf("failures %d %v\n%s", s.Failures, failed, b)
	}
}
