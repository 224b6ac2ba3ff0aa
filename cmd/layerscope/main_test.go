package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// binary is the layerscope built for the end-to-end tests: they run the real
// program, exit codes and all.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "layerscope-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	binary = filepath.Join(dir, "layerscope")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building layerscope:", err)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

// runLS runs layerscope with args and returns what it printed and its exit
// code.
func runLS(t testing.TB, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	code := exitCode(t, cmd.Run()) // before reading what it printed
	return result{out.String(), errb.String(), code}
}

// exitCode is the exit code behind what Run or Wait returned.
func exitCode(t testing.TB, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode()
	case err != nil:
		t.Fatalf("running layerscope: %v", err)
	}
	return 0
}

// needTool skips a test when a real tool is missing, except in CI, where
// every tool must be there.
func needTool(t testing.TB, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, err := exec.LookPath(name); err != nil {
			pkg := debianPackages[name]
			if pkg == "" {
				pkg = name
			}
			needOrSkip(t, fmt.Sprintf("%s (apt-get install %s; bash .ci/test.sh installs it)", name, pkg))
		}
	}
}

// debianPackages names the package of each tool the tests use.
var debianPackages = map[string]string{
	"docker": "docker.io", "docker-registry": "docker-registry", "htpasswd": "apache2-utils",
	"goreleaser": "nothing: go install github.com/goreleaser/goreleaser/v2@v2.15.0",
}

// needOrSkip fails the test in CI and skips it elsewhere, for a missing
// tool, service or privilege.
func needOrSkip(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required in CI", what)
	}
	t.Skipf("needs %s", what)
}

// sh runs a command and fails the test with its output when it fails.
func sh(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// testdata is the repository's testdata folder.
func testdata(parts ...string) string {
	return filepath.Join(append([]string{"..", "..", "testdata"}, parts...)...)
}
